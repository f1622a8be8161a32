"""The portal's routes, read from the app's route table: a new portal route without the
workspace check, the sign-in guard or CSRF protection fails here (issue 8: the matrix is
generated from the routes), and docs/portal.md names every one."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

DOC = Path(__file__).resolve().parents[3] / "docs" / "portal.md"

# Reachable without a portal session: the door itself and the branding assets it shows.
SIGNED_OUT_ROUTES = frozenset(
    {
        "GET /portal/{workspace_slug}",
        "GET /portal/{workspace_slug}/sign-in",
        "POST /portal/{workspace_slug}/sign-in",  # double-submit form token + rate limits
        "GET /portal/{workspace_slug}/sign-in/{token}",  # shows a button, spends nothing
        "POST /portal/{workspace_slug}/sign-in/{token}",  # the single-use token is the proof
        "GET /portal/{workspace_slug}/brand.css",
        "GET /portal/{workspace_slug}/portal.js",
        "GET /portal/{workspace_slug}/logo",
    }
)


def _markers(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        for marker in ("cxhub_portal_visit", "cxhub_portal_guard", "cxhub_portal_csrf"):
            if getattr(current.call, marker, False):
                found.add(marker)
        stack.extend(current.dependencies)
    return found


def _portal_routes(app: FastAPI) -> dict[str, set[str]]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI flattens included routers
        contexts = [
            (r, r.path, r.methods, r.dependant) for r in app.routes if isinstance(r, APIRoute)
        ]
    else:
        contexts = [
            (c.original_route, str(c.path), c.methods, c.dependant)
            for c in iter_route_contexts(app.routes)
            if isinstance(c.original_route, APIRoute)
        ]
    routes: dict[str, set[str]] = {}
    for route, path, methods, dependant in contexts:
        if not isinstance(route, APIRoute) or not path.startswith("/portal/"):
            continue
        for method in set(methods or ()) - {"HEAD", "OPTIONS"}:
            routes[f"{method} {path}"] = _markers(dependant)
    return routes


def test_the_portal_has_its_routes(app: FastAPI) -> None:
    routes = _portal_routes(app)
    assert len(routes) >= 15
    assert set(routes) >= SIGNED_OUT_ROUTES


def test_every_portal_route_checks_the_workspace_and_signs_in(app: FastAPI) -> None:
    routes = _portal_routes(app)
    assert [r for r, m in routes.items() if "cxhub_portal_visit" not in m] == []
    unguarded = [
        r for r, m in routes.items() if "cxhub_portal_guard" not in m and r not in SIGNED_OUT_ROUTES
    ]
    assert unguarded == [], "depend on permissions.Customer or add to SIGNED_OUT_ROUTES"


def test_every_signed_in_change_is_csrf_protected(app: FastAPI) -> None:
    unprotected = [
        r
        for r, m in _portal_routes(app).items()
        if not r.startswith("GET ") and r not in SIGNED_OUT_ROUTES and "cxhub_portal_csrf" not in m
    ]
    assert unprotected == []


def test_docs_name_every_portal_route(app: FastAPI) -> None:
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`((?:GET|POST) /portal/[^`]+)`", doc))
    assert sorted(set(_portal_routes(app)) - documented) == []
