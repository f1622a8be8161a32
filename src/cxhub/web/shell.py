"""The page shell every domain renders into: templates, navigation, language, `render`.

One `WebShell` is built per app by `install_web` and kept on `app.state.web_shell` (nothing at
import time, so two apps never share navigation or catalogues). A domain contributes pages with
`shell.include(router, nav=[NavItem(...)], messages={...})`; `render(request, template, context)`
puts a page inside the layout with the viewer, their navigation, flash messages, the CSRF token
and locale-aware formatters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cxhub import __version__
from cxhub.api.deps import Principal
from cxhub.core.permissions import Permission, Role
from cxhub.web.flash import clear_flashes, read_flashes
from cxhub.web.formatting import LocalFormat, babel_locale, zone
from cxhub.web.i18n import Catalogue, Catalogues, Translator, negotiate_language

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

# Pages hold customer data: never cache them, never frame them, run only our own scripts.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation, shown to roles whose permissions allow it.

    `label` is an English message id (translated at render time). `roles` narrows an item to
    the people it is for (an agent's inbox, a CSM's portfolio) beyond what they may read.
    """

    label: str
    href: str
    permission: Permission
    order: int = 100
    roles: frozenset[Role] | None = None
    icon: str = "dot"

    def visible_to(self, principal: Principal) -> bool:
        if self.roles is not None and principal.role not in self.roles:
            return False
        return principal.can(self.permission)

    def is_active(self, path: str) -> bool:
        return path == self.href or path.startswith(self.href.rstrip("/") + "/")


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page and how to speak to them (language, formats, time zone)."""

    principal: Principal | None
    language: str
    fmt: LocalFormat
    time_zone: str = "UTC"

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    @property
    def csrf_token(self) -> str:
        return (self.principal.csrf_token or "") if self.principal else ""

    def can(self, permission: Permission) -> bool:
        return self.principal is not None and self.principal.can(permission)


@dataclass
class WebShell:
    """Templates, navigation and catalogues of one app."""

    env: Environment
    catalogues: Catalogues = field(default_factory=Catalogues)
    nav_items: list[NavItem] = field(default_factory=list)
    static_versions: dict[str, str] = field(default_factory=dict)
    home_path: str = "/customers"

    def include(
        self,
        app: FastAPI,
        router: APIRouter,
        *,
        nav: Iterable[NavItem] = (),
        messages: Mapping[str, Catalogue] | None = None,
    ) -> None:
        """Add a domain's pages, its navigation entries and its translated messages."""
        app.include_router(router)
        self.nav_items.extend(nav)
        self.nav_items.sort(key=lambda item: (item.order, item.label))
        if messages:
            self.catalogues.add(messages)

    def nav_for(self, principal: Principal | None) -> list[NavItem]:
        if principal is None:
            return []
        return [item for item in self.nav_items if item.visible_to(principal)]

    def translator(self, language: str) -> Translator:
        return self.catalogues.translator(language)

    def viewer(
        self,
        request: Request,
        principal: Principal | None,
        *,
        time_zone: str | None = None,
        locale: str | None = None,
    ) -> Viewer:
        """A viewer from the user's locale and time zone, falling back to the browser's."""
        user_locale = locale or (principal.locale if principal else None)
        language = negotiate_language(
            user_locale, request.headers.get("accept-language"), self.catalogues.languages
        )
        tag = user_locale if user_locale and user_locale.lower().startswith(language) else None
        fmt = LocalFormat(babel_locale(tag, language), zone(time_zone))
        return Viewer(principal, language, fmt, time_zone or "UTC")

    def static_url(self, name: str) -> str:
        """`/static/<name>?v=<content hash>` so browsers may cache assets until they change."""
        version = self.static_versions.get(name)
        if version is None:
            path = STATIC_DIR / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else ""
            version = self.static_versions[name] = digest or __version__
        return f"/static/{name}?v={version}"


def build_environment(extra_dirs: Sequence[Path] = ()) -> Environment:
    env = Environment(
        loader=FileSystemLoader([TEMPLATES_DIR, *extra_dirs]),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # plotly.js adds its styles inline, which the pages' CSP blocks; every chart page links
    # the same styles as a file instead (web/assets.py).
    from cxhub.web.assets import plotly_css_url

    env.globals["plotly_css_url"] = plotly_css_url()
    return env


def shell_of(request: Request) -> WebShell:
    shell: WebShell = request.app.state.web_shell
    return shell


def current_viewer(request: Request) -> Viewer:
    """The viewer a page dependency resolved, else a signed-out one from the browser's language."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None:
        principal: Principal | None = getattr(request.state, "principal", None)
        viewer = shell_of(request).viewer(request, principal)
        request.state.viewer = viewer
    return viewer


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` inside the shell; fragments (templates named `_*.html`) render alone."""
    shell = shell_of(request)
    viewer = current_viewer(request)
    translate = shell.translator(viewer.language)
    is_fragment = template.rsplit("/", 1)[-1].startswith("_")
    flashes = [] if is_fragment else read_flashes(request)
    values: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "fmt": viewer.fmt,
        "_": translate,
        "nav": shell.nav_for(viewer.principal),
        "flashes": [(level, translate(message)) for level, message in flashes],
        "static_url": shell.static_url,
        "csrf_token": viewer.csrf_token,
        "home_path": shell.home_path,
        "current_path": request.url.path,
    }
    values.update(context or {})
    body = shell.env.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers={**PAGE_HEADERS})
    response.headers["Content-Language"] = viewer.language
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if flashes:
        clear_flashes(response)
    return response
