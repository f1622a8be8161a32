"""Keep full garbage collections off the request path of a long-running server.

CPython's oldest-generation collection walks every tracked object. A cxhub server holds about
250,000 of them once FastAPI, SQLAlchemy, Pydantic and the routes are loaded, and such a walk
paused a request for ~150 ms about once every few hundred requests: the whole p99 tail of the
helpdesk benchmark (docs/benchmarks.md, "Garbage-collection pauses"). Objects alive at startup
live as long as the process, so after one collection they are moved out of the collector's
view with `gc.freeze()`; later collections only walk what requests and jobs created.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


def settle_heap() -> int:
    """Collect once, then exempt every surviving object from future collections.

    Call it once per process, after the app is built and before it serves (the objects made
    until then are the long-lived ones). Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("startup heap frozen: %d objects exempt from garbage collection", frozen)
    return frozen


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while building many small objects that hold no
    cycles: the collections their allocation triggers would scan the whole heap over and over
    (building 300,000 churn drivers took 2.6× longer with it running; folding 110,000 imported
    identify calls 1.5×)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def young_collections_only() -> Iterator[None]:
    """For a long loop of batches that calls `gc.collect(1)` itself: the automatic collector
    is held and what exists before the loop is frozen, so neither the batches' allocations nor
    those young collections walk the older heap.

    In a process whose startup heap is already frozen (`settle_heap`, a server), that freeze
    stands and is left as it is: `gc.unfreeze()` cannot tell our objects from startup's, and
    calling it would hand the whole startup heap back to full collections."""
    settled = gc.get_freeze_count() > 0
    if not settled:
        gc.freeze()
    try:
        with no_cyclic_gc():
            yield
    finally:
        if not settled:
            gc.unfreeze()
