"""The API's routes as the app serves them, so tests enumerate routes instead of listing them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cxhub.api.app import API_PREFIX
from cxhub.core.permissions import Permission

TRACKING_PREFIX = "/v1/"  # Segment clients call <host>/v1/<call>


@dataclass(frozen=True)
class ServedRoute:
    method: str
    path: str  # the full path, prefix included: /api/v1/contacts/{contact_id}
    dependant: Dependant

    @property
    def path_params(self) -> list[str]:
        return [param.name for param in self.dependant.path_params]

    @property
    def permissions(self) -> set[Permission]:
        """Permissions demanded by `require(...)` anywhere in the dependency tree."""
        found: set[Permission] = set()
        stack = [self.dependant]
        while stack:
            dependant = stack.pop()
            marker = getattr(dependant.call, "cxhub_permission", None)
            if marker is not None:
                found.add(marker)
            stack.extend(dependant.dependencies)
        return found

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _api_routes_with_paths(app: FastAPI) -> Iterator[tuple[APIRoute, str, set[str], Any]]:
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI with lazily included routers
    except ImportError:  # pragma: no cover - older FastAPI flattens included routers
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route, route.path, set(route.methods), route.dependant
        return
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield route, str(context.path), set(context.methods or ()), context.dependant


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every (method, path) of the versioned API and of the Segment-compatible tracking routes
    at the root (`/v1/…`), HEAD/OPTIONS left out."""
    found = []
    for _route, path, methods, dependant in _api_routes_with_paths(app):
        if not (path.startswith(API_PREFIX + "/") or path.startswith(TRACKING_PREFIX)):
            continue
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            found.append(ServedRoute(method, path, dependant))
    return sorted(found, key=lambda r: (r.path, r.method))
