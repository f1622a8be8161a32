"""Front-end libraries installed as Python packages, served by the app itself (no CDN, no copy
in the repository): today plotly.js from the `plotly` wheel's package data.

The URL carries the package version (`/assets/plotly-7.1.0.min.js`), so browsers may keep the
file for a year: an upgrade of the package changes the URL.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

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


# plotly.js adds its stylesheet at run time (a <style> element), which the pages' CSP
# (`style-src 'self'`) blocks: the chart's layers then stack instead of overlapping and cover
# what follows. The same rules, read from the installed bundle, are served as a stylesheet.
_RULES_START = '{"X,X div":'
_RULE = re.compile(
    r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'):("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)


@cache
def plotly_css() -> str | None:
    """plotly.js's own style rules (selector `X` = `.js-plotly-plot .plotly`, `Y` =
    `.plotly-notifier`, as the bundle expands them); None when they cannot be found."""
    path = plotly_js_path()
    if path is None:
        return None
    source = path.read_text(encoding="utf-8")
    start = source.find(_RULES_START)
    if start < 0:
        return None
    end = source.find("};", start)
    rules = []
    for selector, declarations in _RULE.findall(source[start:end]):
        name = (
            selector[1:-1].replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        )
        rules.append(f"{name}{{{declarations[1:-1]}}}")
    return "\n".join(rules) if rules else None


def plotly_css_url() -> str | None:
    version = plotly_version()
    return f"/assets/plotly-{version}.css" if version and plotly_css() else None


@router.get("/assets/plotly-{version}.css")
def plotly_stylesheet(version: str) -> Response:
    css = plotly_css()
    if css is None or version != plotly_version():
        raise NotFound("plotly.js is not installed in this version")
    return Response(
        css,
        media_type="text/css",
        headers={"Cache-Control": LONG_CACHE, "X-Content-Type-Options": "nosniff"},
    )
