"""Freezing the startup heap: full collections stop walking what was alive at startup."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cxhub.api.app import create_app
from cxhub.core.heap import settle_heap, young_collections_only
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.language import _detector


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # a test process must not keep its objects out of collection


def test_settle_heap_moves_every_live_object_out_of_the_oldest_generation(
    unfrozen: None,
) -> None:
    long_lived = [{"ticket": n} for n in range(5000)]
    gc.collect()
    before = len(gc.get_objects(generation=2))
    assert before > 5000
    frozen = settle_heap()
    # Frozen objects can still be freed (by any thread) later, so the counts are not exact.
    assert frozen > before * 0.9
    assert gc.get_freeze_count() > before * 0.9
    # What a full collection walks now is what was created since, not the startup heap.
    assert len(gc.get_objects(generation=2)) < before // 10
    assert long_lived[4999] == {"ticket": 4999}


def test_a_server_app_loads_its_models_and_freezes_its_heap_at_startup_and_a_test_app_does_not(
    unfrozen: None, settings: Settings, runtime: Runtime
) -> None:
    bundled_models.cache_clear()
    _detector.cache_clear()
    with TestClient(create_app(settings, runtime)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert gc.get_freeze_count() == 0
        assert bundled_models.cache_info().currsize == 0
        assert _detector.cache_info().currsize == 0
    with TestClient(create_app(settings, runtime, serving=True)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert gc.get_freeze_count() > 10_000
        # Loaded at startup, before the freeze.
        assert bundled_models.cache_info().currsize == 1
        assert _detector.cache_info().currsize == 2


def test_an_import_outside_a_server_freezes_the_heap_for_its_batches_and_thaws_it_after(
    unfrozen: None,
) -> None:
    enabled = gc.isenabled()
    with young_collections_only():
        assert gc.get_freeze_count() > 1000  # the test process's heap, out of the batches' way
        assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled() == enabled


def test_an_import_in_a_server_leaves_the_startup_freeze_as_it_was(unfrozen: None) -> None:
    frozen = settle_heap()
    with young_collections_only():
        assert not gc.isenabled()
    # Thawing here would hand the whole startup heap back to full collections.
    assert gc.get_freeze_count() >= frozen * 0.9
