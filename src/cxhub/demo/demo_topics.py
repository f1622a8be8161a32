"""Topic discovery for the demo: the texts of the last 90 days, with a fixed number of topics."""

from __future__ import annotations

import warnings
from datetime import datetime

from sklearn.exceptions import ConvergenceWarning
from sqlalchemy.orm import Session

from cxhub.demo.experience import WINDOW
from cxhub.experience.topics.discovery import DiscoveryParams
from cxhub.experience.topics.runs import run_discovery

DEMO_TOPICS = 30


def discover_demo_topics(session: Session, *, workspace_id: int, now: datetime) -> int:
    """Topic discovery over the customer texts (ticket messages, CSAT comments) of the last 90
    days, as `POST /api/v1/topics/discover` runs it, with `k` fixed at `DEMO_TOPICS`: the
    demo's texts come from a few templates per issue, on which the automatic choice of k picks
    over a hundred near-duplicate topics (and spends most of the time choosing). The k-means
    warnings about duplicate points are expected on templated text and silenced here only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run = run_discovery(
            session,
            workspace_id=workspace_id,
            since=now - WINDOW,
            until=now,
            params=DiscoveryParams(k=DEMO_TOPICS),
        )
    return run.topics
