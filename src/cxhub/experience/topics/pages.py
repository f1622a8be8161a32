"""The topic explorer: topics with their volume, trend sparkline, negative share and trending
badge; a topic's page with its keywords, examples, and the forms to name, ignore, merge or split it.

The sparkline is an inline SVG polyline drawn from the 35 daily counts (no chart library for
35 numbers); the counts are in the page too (`data-daily`), for tests and screen readers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.errors import DomainError, ValidationFailed
from cxhub.core.jobs import enqueue
from cxhub.core.permissions import Permission
from cxhub.experience.text.models import SOURCE_CSAT_COMMENT, SOURCE_TICKET_MESSAGE
from cxhub.experience.topics import service, split
from cxhub.experience.topics.messages import MESSAGES as TOPIC_MESSAGES
from cxhub.experience.topics.report import topic_examples, topic_figures, topic_trends
from cxhub.experience.topics.tasks import DISCOVER
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (
    NavItem("Topics", "/experience/topics", Permission.INTERACTIONS_READ, order=40, icon="chart"),
)
MESSAGES: dict[str, dict[str, str]] = TOPIC_MESSAGES
SAVED = "Topic saved."
MERGED = "Topics merged."
SPLIT = "Topic split."
SPLIT_CHOICES = (2, 3, 4, 5)
TEXT_SOURCES = (SOURCE_TICKET_MESSAGE, SOURCE_CSAT_COMMENT)
QUEUED = "Discovery queued."
WINDOW_DAYS = 30

CanRead = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
CanWrite = Annotated[Viewer, page_permission(Permission.INTERACTIONS_WRITE)]


def _ids(viewer: Viewer) -> tuple[int, int]:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.workspace_id, viewer.principal.user_id


def sparkline(daily: list[int], *, width: int = 140, height: int = 28) -> str:
    """SVG polyline points for a daily series (highest day at the top)."""
    top = max(daily) or 1
    step = width / max(len(daily) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (count / top) * (height - 4):.1f}"
        for i, count in enumerate(daily)
    )


def _redirect(
    request: Request, path: str, message: str, kind: Literal["success", "error"] = "success"
) -> RedirectResponse:
    response = RedirectResponse(path, status_code=303)
    add_flash(request, response, message, kind)
    return response


@router.get("/experience/topics", response_class=HTMLResponse)
def topic_list(request: Request, session: DbSession, viewer: CanRead) -> HTMLResponse:
    workspace_id, _ = _ids(viewer)
    until = datetime.now(UTC)
    since = until - timedelta(days=WINDOW_DAYS)
    figures = topic_figures(session, workspace_id=workspace_id, since=since, until=until)
    trends = {t.topic_id: t for t in topic_trends(
        session, workspace_id=workspace_id, until=until, include_ignored=True)}  # fmt: skip
    rows: list[dict[str, Any]] = []
    for topic in service.list_topics(session, workspace_id=workspace_id):
        trend = trends.get(topic.id)
        figure = figures.get(topic.id)
        rows.append(
            {
                "topic": topic,
                "figure": figure,
                "daily": trend.daily if trend else [],
                "points": sparkline(trend.daily) if trend else "",
                "trending": bool(trend and trend.spike.trending),
                "texts": sum(trend.daily[-WINDOW_DAYS:]) if trend else 0,
            }
        )
    rows.sort(key=lambda r: (r["topic"].status != "active", not r["trending"], -r["texts"]))
    return render(request, "topics/list.html", {"rows": rows, "days": WINDOW_DAYS})


@router.get("/experience/topics/{topic_id}", response_class=HTMLResponse)
def topic_page(
    request: Request, topic_id: int, session: DbSession, viewer: CanRead
) -> HTMLResponse:
    workspace_id, _ = _ids(viewer)
    topic = service.get_topic(session, workspace_id=workspace_id, topic_id=topic_id)
    until = datetime.now(UTC)
    since = until - timedelta(days=WINDOW_DAYS)
    examples = (
        topic_examples(session, workspace_id=workspace_id, topic_id=topic.id, since=since,
                       until=until, limit=5)
        if viewer.can(Permission.TICKETS_READ) else []
    )  # fmt: skip
    others = [
        t for t in service.list_topics(session, workspace_id=workspace_id) if t.id != topic.id
    ]
    trend = next((t for t in topic_trends(session, workspace_id=workspace_id, until=until,
                                          include_ignored=True) if t.topic_id == topic.id), None)  # fmt: skip
    return render(
        request,
        "topics/view.html",
        {
            "topic": topic,
            "examples": examples,
            "others": others,
            "daily": trend.daily if trend else [],
            "points": sparkline(trend.daily, width=420, height=60) if trend else "",
            "trending": bool(trend and trend.spike.trending),
            "split_choices": SPLIT_CHOICES,
        },
    )


@router.post("/experience/topics/discover", dependencies=[CsrfProtected], response_model=None)
def discover(request: Request, session: DbSession, viewer: CanWrite) -> RedirectResponse:
    workspace_id, user_id = _ids(viewer)
    enqueue(session, DISCOVER, workspace_id=workspace_id,
            payload={"workspace_id": workspace_id, "days": 90, "actor_user_id": user_id})  # fmt: skip
    return _redirect(request, "/experience/topics", QUEUED)


@router.post(
    "/experience/topics/{topic_id}/name", dependencies=[CsrfProtected], response_model=None
)
def rename(
    request: Request,
    topic_id: int,
    session: DbSession,
    viewer: CanWrite,
    name: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    workspace_id, user_id = _ids(viewer)
    path = f"/experience/topics/{topic_id}"
    try:
        service.update_topic(session, workspace_id=workspace_id, topic_id=topic_id,
                             name=name if name.strip() else None, clear_name=not name.strip(),
                             actor_user_id=user_id)  # fmt: skip
    except DomainError as error:
        return _redirect(request, path, str(error), "error")
    return _redirect(request, path, SAVED)


@router.post(
    "/experience/topics/{topic_id}/status", dependencies=[CsrfProtected], response_model=None
)
def set_status(
    request: Request,
    topic_id: int,
    session: DbSession,
    viewer: CanWrite,
    status: Annotated[str, Form(max_length=16)],
) -> RedirectResponse:
    workspace_id, user_id = _ids(viewer)
    path = f"/experience/topics/{topic_id}"
    try:
        service.update_topic(session, workspace_id=workspace_id, topic_id=topic_id,
                             status=status, actor_user_id=user_id)  # fmt: skip
    except DomainError as error:
        return _redirect(request, path, str(error), "error")
    return _redirect(request, path, SAVED)


@router.post(
    "/experience/topics/{topic_id}/merge", dependencies=[CsrfProtected], response_model=None
)
def merge(
    request: Request,
    topic_id: int,
    session: DbSession,
    viewer: CanWrite,
    into_topic_id: Annotated[int, Form()],
) -> RedirectResponse:
    workspace_id, user_id = _ids(viewer)
    try:
        survivor = service.merge_topics(session, workspace_id=workspace_id, topic_id=topic_id,
                                        into_topic_id=into_topic_id, actor_user_id=user_id)  # fmt: skip
    except DomainError as error:
        return _redirect(request, f"/experience/topics/{topic_id}", str(error), "error")
    return _redirect(request, f"/experience/topics/{survivor.id}", MERGED)


def _text_refs(values: list[str]) -> list[tuple[str, int]]:
    """`source_type:source_id` checkbox values; anything else is a 422 (a hand-made form)."""
    refs = []
    for value in values:
        kind, _, number = value.partition(":")
        if kind not in TEXT_SOURCES or not number.isdigit():
            raise ValidationFailed("choose texts from the examples", field="text")
        refs.append((kind, int(number)))
    return refs


@router.post(
    "/experience/topics/{topic_id}/split", dependencies=[CsrfProtected], response_model=None
)
def split_topic(
    request: Request,
    topic_id: int,
    session: DbSession,
    viewer: CanWrite,
    k: Annotated[str, Form(max_length=4)] = "",
    text: Annotated[list[str] | None, Form(max_length=100)] = None,
    name: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Re-cluster into `k` sub-topics (the split form) or move the ticked examples to a new
    topic (the examples form); lands on the page of the first new topic."""
    workspace_id, user_id = _ids(viewer)
    path = f"/experience/topics/{topic_id}"
    try:
        if text:
            result = split.move_texts(session, workspace_id=workspace_id, topic_id=topic_id,
                                      sources=_text_refs(text), name=name.strip() or None,
                                      actor_user_id=user_id)  # fmt: skip
        elif k.isdigit():
            result = split.recluster_topic(session, workspace_id=workspace_id,
                                           topic_id=topic_id, k=int(k), actor_user_id=user_id)  # fmt: skip
        else:
            raise ValidationFailed("choose a number of sub-topics or some texts", field="k")
    except DomainError as error:
        return _redirect(request, path, str(error), "error")
    return _redirect(request, f"/experience/topics/{result.created[0].id}", SPLIT)
