"""The API's routers are mounted flat and busiest first (api.app.api_routers); the order must
never change which route answers a path."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from cxhub.api.app import API_PREFIX, api_routers


def _in_order() -> list[APIRoute]:
    return [
        route for router in api_routers() for route in router.routes if isinstance(route, APIRoute)
    ]


def _example_path(template: str) -> str:
    """A concrete path for a route template: `{name}` -> "7", `{name:path}` -> "a/b"."""
    return re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b" if m.group(1) else "7", template)


@pytest.mark.nodb
def test_every_route_is_the_first_match_for_its_own_paths() -> None:
    routes = _in_order()
    assert len(routes) > 200
    for route in routes:
        path = _example_path(route.path)
        first = next(
            other
            for other in routes
            if other.methods & route.methods and other.path_regex.match(path)
        )
        assert first is route, f"{sorted(route.methods)} {path} reaches {first.path} first"


@pytest.mark.nodb
def test_a_literal_path_is_mounted_before_a_parameter_that_would_swallow_it() -> None:
    paths = [route.path for route in _in_order()]
    assert paths.index("/topics/trending") < paths.index("/topics/{topic_id}")


def test_the_app_serves_every_domain_route_under_the_api_prefix(app: FastAPI) -> None:
    documented = set(app.openapi()["paths"])
    for route in _in_order():
        if route.include_in_schema:
            assert f"{API_PREFIX}{route.path}" in documented
