"""Front-end libraries installed as Python packages, served by the app itself (no CDN, no copy
in the repository): today plotly.js from the `plotly` wheel's package data.

The URL carries the package version (`/assets/plotly-7.1.0.min.js`), so browsers may keep the
file for a year: an upgrade of the package changes the URL.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata, resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from cxhub.core.errors import NotFound

router = APIRouter(include_in_schema=False)

LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def plotly_version() -> str | None:
    try:
        return metadata.version("plotly")
    except metadata.PackageNotFoundError:
        return None


@cache
def plotly_js_path() -> Path | None:
    """`plotly.min.js` inside the installed `plotly` package, if it is installed."""
    if plotly_version() is None:
        return None
    try:
        path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def plotly_js_url() -> str | None:
    """Where pages load plotly.js from; None when the package is missing (charts then stay
    tables and numbers)."""
    version = plotly_version()
    return f"/assets/plotly-{version}.min.js" if version and plotly_js_path() else None


@router.get("/assets/plotly-{version}.min.js")
def plotly_js(version: str) -> FileResponse:
    path = plotly_js_path()
    if path is None or version != plotly_version():
        raise NotFound("plotly.js is not installed in this version")
    return FileResponse(
        path,
        media_type="text/javascript",
        headers={"Cache-Control": LONG_CACHE, "X-Content-Type-Options": "nosniff"},
    )
