"""The signals behind next best actions, gathered from service, success and experience through
their public services and the shared metric layer (never their tables), for one contact, one
account or the whole workspace (the queue)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cxhub.analytics import revenue_kpis
from cxhub.analytics.expansion import ADD_ON_ADOPTED_BY_SIMILAR, SEATS_NEAR_LIMIT
from cxhub.analytics.experience_signals import negative_sentiment_trends, tickets_at_risk
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.experience.connected import service as nps
from cxhub.experience.nextaction.rules import (
    DETRACTOR_MAX,
    DUE_SOON_HOURS,
    RENEWAL_WINDOW_DAYS,
    SENTIMENT_MIN_TEXTS,
    ActionKind,
    Signal,
)
from cxhub.knowledge.search import service as knowledge
from cxhub.knowledge.search.service import SearchMode
from cxhub.success.expansion import service as expansion
from cxhub.success.health import service as health

DETRACTOR_DAYS = 90
SENTIMENT_DAYS = 30
#: Expansion actions that become next best actions (seats, and a guide to an add-on).
USAGE_ACTIONS = frozenset({"add_seats", "add_on"})
#: The workspace queue's share of them: the largest by ARR upside.
WORKSPACE_EXPANSIONS = 500


def service_signals(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    contact_id: int | None,
    account_id: int | None,
) -> list[Signal]:
    found = []
    for ticket in tickets_at_risk(
        session,
        workspace_id=workspace_id,
        now=now,
        due_within=timedelta(hours=DUE_SOON_HOURS),
        contact_id=contact_id,
        account_id=account_id,
    ):
        found.append(
            Signal(
                ActionKind.REPLY_TICKET,
                str(ticket.ticket_id),
                ticket.contact_id,
                ticket.account_id,
                {
                    "ticket_id": ticket.ticket_id,
                    "number": ticket.number,
                    "priority": ticket.priority,
                    "status": ticket.status,
                    "breached": ticket.breached,
                    "due_at": None if ticket.due_at is None else ticket.due_at.isoformat(),
                    "hours": DUE_SOON_HOURS,
                },
            )
        )
    return found


def experience_signals(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    contact_id: int | None,
    account_id: int | None,
) -> list[Signal]:
    found = [
        Signal(
            ActionKind.CALL_DETRACTOR,
            str(answer.answer_id),
            answer.contact_id,
            answer.account_id,
            {
                "answer_id": answer.answer_id,
                "score": answer.score,
                "responded_at": answer.responded_at.isoformat(),
            },
        )
        for answer in nps.latest_answers(
            session,
            since=now - timedelta(days=DETRACTOR_DAYS),
            max_score=DETRACTOR_MAX,
            contact_id=contact_id,
            account_id=account_id,
        )
    ]
    for trend in negative_sentiment_trends(
        session,
        workspace_id=workspace_id,
        now=now,
        days=SENTIMENT_DAYS,
        min_texts=SENTIMENT_MIN_TEXTS,
        contact_id=contact_id,
        account_id=account_id,
    ):
        found.append(
            Signal(
                ActionKind.REENGAGE_SENTIMENT,
                str(trend.contact_id),
                trend.contact_id,
                trend.account_id,
                {
                    "texts": trend.texts,
                    "negative": trend.negative,
                    "recent_mean": trend.recent_mean,
                    "previous_mean": trend.previous_mean,
                    "days": SENTIMENT_DAYS,
                },
            )
        )
    return found


def success_signals(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    account_id: int | None,
    data_dir: Path,
    writer: sessionmaker[Session] | None = None,
) -> list[Signal]:
    """Renewals due within the window, and the expansion domain's seat and add-on
    opportunities from its stored snapshot (ADR 0044; computed, and stored with a `writer`,
    when it is not usable). The workspace queue takes the largest WORKSPACE_EXPANSIONS."""
    today = now.date()
    _, due = revenue_kpis.renewals(
        session, workspace_id=workspace_id, today=today, windows=(RENEWAL_WINDOW_DAYS,)
    )
    due = [r for r in due if account_id is None or r.candidate.account_id == account_id]
    accounts = {r.candidate.account_id for r in due}
    try:
        opportunities = expansion.opportunities(
            session,
            workspace_id=workspace_id,
            as_of=now,
            data_dir=data_dir,
            account_id=account_id,
            actions=USAGE_ACTIONS,
            limit=WORKSPACE_EXPANSIONS if account_id is None else None,
            stored=True,
            writer=writer,
            page_only=True,  # neither names nor totals: ~3 ms less per panel at 50,000 accounts
        ).opportunities
    except (NotFound, ValidationFailed):  # a deleted account; several currencies, no catalogue
        opportunities = []
    accounts |= {o.account_id for o in opportunities}
    latest = health.latest_scores(session, on=today, account_ids=accounts) if accounts else None
    found = []
    guides: dict[str, tuple[int, str] | None] = {}  # one search per add-on
    for renewal in due:
        candidate = renewal.candidate
        band = latest.scores.get(candidate.account_id, (None, None))[1] if latest else None
        found.append(
            Signal(
                ActionKind.START_RENEWAL,
                str(candidate.subscription_id),
                None,
                candidate.account_id,
                {
                    "account_id": candidate.account_id,
                    "subscription_id": candidate.subscription_id,
                    "plan": candidate.plan,
                    "renewal_on": candidate.renewal_on.isoformat(),
                    "days_left": renewal.days_until,
                    "window_days": RENEWAL_WINDOW_DAYS,
                    "at_risk": latest is not None
                    and band is not None
                    and band == latest.worst_band,
                    "band": band,
                },
            )
        )
    for opportunity in opportunities:
        band = latest.scores.get(opportunity.account_id, (None, None))[1] if latest else None
        for reason in opportunity.reasons:
            if reason.code == SEATS_NEAR_LIMIT and (
                latest is None or band is None or band != latest.worst_band
            ):
                found.append(
                    Signal(
                        ActionKind.OFFER_EXPANSION,
                        "seats",
                        None,
                        opportunity.account_id,
                        {
                            "account_id": opportunity.account_id,
                            "active": reason.evidence.get("active_seats"),
                            "licensed": reason.evidence.get("licensed_seats"),
                            "best_band": latest is not None
                            and band is not None
                            and band == latest.band_order[-1],
                            "band": band,
                        },
                    )
                )
            elif reason.code == ADD_ON_ADOPTED_BY_SIMILAR:
                feature = str(reason.evidence.get("add_on") or opportunity.target or "")
                if feature not in guides:
                    guides[feature] = _guide(session, workspace_id=workspace_id, feature=feature)
                guide = guides[feature]
                if guide is not None:
                    found.append(
                        Signal(
                            ActionKind.SEND_GUIDE,
                            feature[:60],
                            None,
                            opportunity.account_id,
                            {"feature": feature, "article_id": guide[0], "article_title": guide[1]},
                        )
                    )
    return found


def _guide(session: Session, *, workspace_id: int, feature: str) -> tuple[int, str] | None:
    """The best published article about a feature (keyword search: no model at request time)."""
    if not feature:
        return None
    outcome = knowledge.search_articles(
        session, workspace_id=workspace_id, query=feature, mode=SearchMode.KEYWORD, limit=1
    )
    if not outcome.hits:
        return None
    hit = outcome.hits[0]
    return int(hit.article_id), str(hit.title)
