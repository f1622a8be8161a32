"""Recurring-issue and trend routes: the report (JSON, CSV download, webhook post), trending
topics and the most negative topics (what the CX dashboard shows)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.outbound_http import OutboundPolicy
from cxhub.core.permissions import Permission
from cxhub.experience.topics import export
from cxhub.experience.topics.api import window
from cxhub.experience.topics.report import recurring_issues, top_negative_topics, topic_trends
from cxhub.experience.topics.schemas import (
    RecurringIssueOut,
    TrendOut,
    WebhookExportIn,
    WebhookExportOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["topics"], prefix="/topics")

Days = Query(30, ge=1, le=730, description="Window: the last `days` days.")
RepeatDays = Query(7, ge=1, le=90, description="Repeat contact window in days.")
Limit = Query(20, ge=1, le=500)


@router.get("/recurring-issues", response_model=list[RecurringIssueOut])
def recurring_issue_report(
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_READ),
    days: int = Days,
    repeat_days: int = RepeatDays,
    limit: int = Limit,
) -> list[RecurringIssueOut]:
    """Topics ranked by contacts, with repeat contacts, negative share, affected accounts and
    ARR, and example tickets (their excerpts quote customers: tickets permission)."""
    since, until = window(days)
    issues = recurring_issues(
        session,
        workspace_id=principal.workspace_id,
        since=since,
        until=until,
        repeat_days=repeat_days,
        limit=limit,
    )
    return [RecurringIssueOut.of(rank, f) for rank, f in enumerate(issues, start=1)]


@router.get("/recurring-issues.csv", response_class=Response)
def recurring_issue_csv(
    session: DbSession,
    principal: Principal = require(Permission.DATA_EXPORT),
    days: int = Days,
    repeat_days: int = RepeatDays,
    limit: int = Limit,
) -> Response:
    """The report as CSV for the product team (figures and example ticket ids, no excerpts)."""
    since, until = window(days)
    issues = recurring_issues(
        session,
        workspace_id=principal.workspace_id,
        since=since,
        until=until,
        repeat_days=repeat_days,
        limit=limit,
    )
    export.audit_export(
        session,
        workspace_id=principal.workspace_id,
        actor_user_id=principal.user_id,
        channel="csv",
        issues=len(issues),
        since=since,
        until=until,
    )
    return Response(
        export.report_csv(issues),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="recurring-issues.csv"'},
    )


@router.post("/recurring-issues/webhook", response_model=WebhookExportOut)
def recurring_issue_webhook(
    data: WebhookExportIn,
    request: Request,
    session: DbSession,
    principal: Principal = require(Permission.DATA_EXPORT),
) -> WebhookExportOut:
    """Post the report (JSON, optionally signed) to a URL, once; answers how it went. The URL
    must pass the installation's outbound policy (422 `unsafe-target` otherwise)."""
    policy = OutboundPolicy.from_settings(get_runtime(request).settings)
    since, until = window(data.days)
    issues = recurring_issues(
        session, workspace_id=principal.workspace_id, since=since, until=until, limit=data.limit
    )
    body = export.report_body(issues, workspace_id=principal.workspace_id, since=since, until=until)
    delivery = export.deliver_report(body, url=data.url, secret=data.secret, policy=policy)
    export.audit_export(
        session,
        workspace_id=principal.workspace_id,
        actor_user_id=principal.user_id,
        channel="webhook",
        issues=len(issues),
        since=since,
        until=until,
    )
    return WebhookExportOut(
        delivered=delivery.delivered,
        status=delivery.status,
        detail=delivery.detail,
        issues=len(issues),
    )


@router.get("/trending", response_model=list[TrendOut])
def trending_topics(
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_READ),
    only_trending: bool = False,
) -> list[TrendOut]:
    """Each active topic's last 35 days and its spike test (trending first)."""
    _, until = window(1)
    trends = topic_trends(session, workspace_id=principal.workspace_id, until=until)
    return [TrendOut.of(t) for t in trends if t.spike.trending or not only_trending]


@router.get("/negative", response_model=list[RecurringIssueOut])
def negative_topics(
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_READ),
    days: int = Days,
    limit: int = Query(5, ge=1, le=500),
) -> list[RecurringIssueOut]:
    """Topics with the most negative customer texts (no examples)."""
    since, until = window(days)
    figures = top_negative_topics(
        session, workspace_id=principal.workspace_id, since=since, until=until, limit=limit
    )
    return [RecurringIssueOut.of(rank, f) for rank, f in enumerate(figures, start=1)]
