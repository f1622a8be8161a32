"""Every API route states the permission it needs, and docs/permissions.md lists every route."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from tests.api.routes import ServedRoute, served_routes

PERMISSIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"

# Routes anyone may call without a permission rule. Keep this empty unless a route is truly public
# (a health probe, a login form): each entry is a deliberate decision, reviewed like code.
PUBLIC_ROUTES: frozenset[str] = frozenset(
    {
        # authenticated by the channel's HMAC signature, not a token (docs/channels.md)
        "POST /api/v1/channels/{channel_id}/inbound",
        # a site's own contact form: anonymous by design, rate-limited per client
        "POST /api/v1/public/{workspace_slug}/tickets",
        # in-product surveys: the survey's public key (or the workspace write key) is the
        # credential, for this one survey; CORS simple requests (docs/surveys.md)
        *(f"POST /api/v1/public/surveys/{{key}}/{call}" for call in ("display", "responses")),
        # Segment-compatible tracking: authenticated by a write key, rate-limited per key
        # (docs/tracking.md); at the root because Segment clients append /v1/<call> to the host
        *(
            f"POST /v1/{call}"
            for call in ("track", "identify", "group", "page", "screen", "alias", "batch")
        ),
    }
)


def test_the_api_has_routes(app: FastAPI) -> None:
    routes = served_routes(app)
    assert len(routes) >= 30
    assert "GET /api/v1/contacts/{contact_id}/timeline" in {str(r) for r in routes}


def test_every_route_requires_a_permission(app: FastAPI) -> None:
    unguarded = [
        str(route)
        for route in served_routes(app)
        if not route.permissions and str(route) not in PUBLIC_ROUTES
    ]
    assert unguarded == [], (
        "these routes have no `require(Permission...)` dependency; add one (api/deps.py) or, if "
        "the route is public on purpose, add it to PUBLIC_ROUTES"
    )


def test_public_allowlist_names_only_served_routes(app: FastAPI) -> None:
    served = {str(route) for route in served_routes(app)}
    assert served >= PUBLIC_ROUTES


def test_no_route_demands_two_permissions(app: FastAPI) -> None:
    """One rule per route keeps the matrix in docs/permissions.md readable."""
    doubled = [str(r) for r in served_routes(app) if len(r.permissions) > 1]
    assert doubled == []


def _documented(route: ServedRoute, doc: str) -> bool:
    relative = route.path.removeprefix("/api/v1")
    return f"`{route.method} {relative}`" in doc or f"`{route.method} {route.path}`" in doc


def test_permissions_doc_lists_every_route_with_its_permission(app: FastAPI) -> None:
    doc = PERMISSIONS_DOC.read_text(encoding="utf-8")
    missing = [str(route) for route in served_routes(app) if not _documented(route, doc)]
    assert missing == [], f"add these routes to {PERMISSIONS_DOC.name} as `METHOD /path`"
    lines = doc.splitlines()
    wrong = []
    for route in served_routes(app):
        relative = route.path.removeprefix("/api/v1")
        row = next((line for line in lines if f"`{route.method} {relative}`" in line), "")
        wrong += [str(route) for p in route.permissions if f"`{p.value}`" not in row]
    assert wrong == [], "the docs' table row for these routes names another permission"
