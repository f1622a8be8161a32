"""A year of touchpoints per contact, on every channel, following each customer's journey.

Each contact gets a number of touchpoints from its persona (champions and power users many,
occasional users few), spread over the part of the last year in which it existed, at plausible
local hours. The journey stage at each moment comes from the account's `Lifecycle`, and the stage
decides which kinds of touchpoint are likely (page views while aware, demos while considering,
kickoffs while onboarding, feature use while adopting, reviews while advocating).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from cxhub.demo.company import PRICE_PER_SEAT
from cxhub.demo.phrases import MESSAGE_KINDS, message_text, polarity_of
from cxhub.demo.records import YEAR, AccountRecord, ContactRecord, Lifecycle, TouchpointRecord
from cxhub.demo.staff import VENDOR_NAME

STAGE_KINDS: dict[str, dict[str, float]] = {
    "awareness": {"page.viewed": 40, "content.downloaded": 10, "webinar.attended": 8, "ad.clicked": 10, "email.sent": 12, "social.mention": 4, "event.attended": 4, "email.received": 3},
    "consideration": {"page.viewed": 18, "email.sent": 12, "email.received": 12, "meeting": 8, "call": 7, "chat.conversation": 10, "feature.used": 18, "webinar.attended": 4, "sms.sent": 2},
    "purchase": {"email.sent": 15, "email.received": 15, "meeting": 12, "call": 10, "page.viewed": 8, "chat.conversation": 5, "feature.used": 10},
    "onboarding": {"meeting": 8, "feature.used": 35, "email.sent": 10, "email.received": 8, "chat.conversation": 10, "call": 4, "page.viewed": 8, "in_app.message": 5, "integration.synced": 6, "webinar.attended": 3, "sms.sent": 2, "sms.received": 1},
    "adoption": {"feature.used": 45, "page.viewed": 8, "chat.conversation": 7, "email.received": 5, "email.sent": 5, "in_app.message": 5, "integration.synced": 9, "call": 2, "meeting": 2, "sms.sent": 2, "sms.received": 1, "social.mention": 2, "webinar.attended": 2, "review.posted": 0.4},
    "renewal": {"meeting": 10, "call": 10, "email.sent": 14, "email.received": 12, "feature.used": 28, "chat.conversation": 5, "sms.sent": 4, "sms.received": 2, "integration.synced": 6, "in_app.message": 3},
    "advocacy": {"feature.used": 35, "review.posted": 5, "social.mention": 8, "webinar.attended": 6, "event.attended": 4, "email.sent": 5, "email.received": 5, "referral.made": 3, "chat.conversation": 4, "integration.synced": 8, "page.viewed": 6, "meeting": 2},
}  # fmt: skip
_FIXED_CHANNEL = {
    "page.viewed": "web", "content.downloaded": "web", "webinar.attended": "web", "referral.made": "web",
    "ad.clicked": "social", "social.mention": "social", "email.sent": "email", "email.received": "email",
    "event.attended": "in_person", "call": "phone", "chat.conversation": "chat", "feature.used": "in_app",
    "in_app.message": "in_app", "integration.synced": "api", "sms.sent": "sms", "sms.received": "sms",
}  # fmt: skip
# Median touchpoints a year per persona (log-normal around it) and kinds a persona never has.
_MEDIAN_PER_YEAR = {"champion": 55, "buyer": 14, "user": 20, "occasional": 6, "consumer": 12}
_NOT_FOR = {"consumer": {"meeting", "call", "event.attended", "integration.synced"}}
FEATURES = ("Funnels", "Cohorts", "Retention", "Session Replay", "Dashboards", "Alerts", "Warehouse Sync", "SQL Editor", "Experiments", "Journeys")  # fmt: skip
_PAGES = (
    ("/pricing", "Pricing"), ("/product/funnels", "Funnels"), ("/docs/getting-started", "Docs: Getting started"),
    ("/blog/north-star-metric", "Blog: Choosing a north-star metric"), ("/customers", "Customer stories"),
    ("/security", "Security & compliance"), ("/changelog", "Changelog"), ("/docs/warehouse-sync", "Docs: Warehouse sync"),
)  # fmt: skip
_WEBINARS = ("Activation metrics that predict retention", "From funnels to experiments", "Warehouse-native product analytics", "Reading cohort charts without fooling yourself")  # fmt: skip
_MEETING_TOPICS = {
    "awareness": "Intro call", "consideration": "Product demo", "purchase": "Commercial review",
    "onboarding": "Kickoff and training", "adoption": "Quarterly business review",
    "renewal": "Renewal review", "advocacy": "Case-study interview",
}  # fmt: skip
_EVENTS = {"IT": "Lumora user group Milano", "CN": "Lumora 用户大会 上海", "ID": "Lumora Meetup Jakarta", "GB": "SaaStock London", "AU": "Lumora user group Sydney"}  # fmt: skip
_CURRENCY = {"GB": "GBP", "IT": "EUR", "DE": "EUR", "FR": "EUR", "ES": "EUR", "AU": "AUD"}
_BUSINESS_HOURS = (8, 9, 9, 10, 10, 11, 11, 12, 14, 14, 15, 15, 16, 16, 17, 18)
_LEISURE_HOURS = (7, 8, 12, 13, 18, 19, 20, 20, 21, 21, 22, 23)


class _Context:
    """What every touchpoint of one contact needs to know, computed once."""

    def __init__(
        self, contact: ContactRecord, account: AccountRecord | None, lifecycle: Lifecycle, csm: str
    ) -> None:
        self.contact = contact
        self.account = account
        self.lifecycle = lifecycle
        self.csm = csm
        self.language = contact.locale.split("-")[0]
        self.weights = {
            stage: {k: w for k, w in kinds.items() if k not in _NOT_FOR.get(contact.persona, set())}
            for stage, kinds in STAGE_KINDS.items()
        }


def _moment(rng: random.Random, ctx: _Context, start: datetime, end: datetime) -> datetime:
    """A random moment in [start, end] at a local hour that suits the person."""
    day = start + (end - start) * rng.random()
    business = ctx.contact.persona != "consumer"
    if business and day.weekday() >= 5 and rng.random() < 0.85:
        day -= timedelta(days=day.weekday() - 4)  # weekend work mostly lands on Friday
    hours = _BUSINESS_HOURS if business else _LEISURE_HOURS
    local = rng.choice(hours) - ctx.contact.utc_offset
    moment = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        hours=local, minutes=rng.randrange(60), seconds=rng.randrange(60)
    )
    return min(max(moment, start), end)


def _sentiment(rng: random.Random, ctx: _Context, stage: str) -> float:
    bias = {"renewal": -0.1, "advocacy": 0.25, "onboarding": 0.05}.get(stage, 0.0)
    value = rng.gauss(ctx.lifecycle.mood + bias, 0.4)
    return round(max(-1.0, min(1.0, value)), 2)


def _render(
    rng: random.Random, ctx: _Context, kind: str, stage: str
) -> tuple[str, str, dict[str, Any], float | None]:
    """Channel, summary, payload and sentiment of one touchpoint."""
    feature = rng.choice(FEATURES)
    words = {"feature": feature, "csm": ctx.csm, "vendor": VENDOR_NAME}
    channel = _FIXED_CHANNEL.get(kind, "web")
    if kind in MESSAGE_KINDS:
        outbound = kind.endswith(".sent")
        sentiment = None if outbound else _sentiment(rng, ctx, stage)
        slot = (
            (stage if stage in ("onboarding", "renewal") and rng.random() < 0.5 else "neu")
            if outbound
            else polarity_of(sentiment or 0.0)
        )
        text = message_text(rng, language=ctx.language, kind=kind, slot=slot, **words)
        payload: dict[str, Any] = {"direction": "outbound" if outbound else "inbound"}
        if kind == "review.posted":
            channel = rng.choice(["web", "web", "social"])
            payload = {
                "site": rng.choice(["G2", "Capterra", "Product Hunt"]),
                "rating": {"pos": 5, "neu": 4, "neg": 2}[polarity_of(sentiment or 0.0)],
            }
        elif kind == "chat.conversation":
            payload["messages"] = rng.randint(3, 24)
        return channel, text, payload, sentiment
    if kind == "feature.used":
        return channel, f"Used {feature}", {"feature": feature, "events": rng.randint(1, 40)}, None
    if kind == "page.viewed":
        url, title = rng.choice(_PAGES)
        return channel, f"Viewed {title}", {"url": url}, None
    if kind == "integration.synced":
        rows = int(math.exp(rng.uniform(6, 14)))
        target = rng.choice(["Snowflake", "BigQuery", "Redshift", "ClickHouse"])
        return (
            channel,
            f"Warehouse sync to {target}: {rows:,} rows",
            {"rows": rows, "destination": target},
            None,
        )
    if kind in ("meeting", "call"):
        topic = _MEETING_TOPICS[stage]
        sentiment = _sentiment(rng, ctx, stage)
        if kind == "call":
            seconds = rng.randint(120, 2400)
            return (
                channel,
                f"Call with {ctx.csm}: {topic.lower()}",
                {"duration_s": seconds},
                sentiment,
            )
        onsite = (
            ctx.account is not None and ctx.account.tier == "enterprise" and rng.random() < 0.35
        )
        medium = "onsite" if onsite else "video"
        return (
            ("in_person" if onsite else "web"),
            f"{topic} with {ctx.csm} ({medium})",
            {"topic": topic, "medium": medium},
            sentiment,
        )
    if kind == "webinar.attended":
        title = rng.choice(_WEBINARS)
        return (
            channel,
            f"Attended webinar: {title}",
            {"title": title, "minutes": rng.randint(10, 60)},
            None,
        )
    if kind == "event.attended":
        event = _EVENTS.get(ctx.contact.country, "SaaStr Annual")
        return (
            channel,
            f"Met the {VENDOR_NAME} team at {event}",
            {"event": event},
            _sentiment(rng, ctx, stage),
        )
    if kind == "content.downloaded":
        return (
            channel,
            "Downloaded the Product Analytics Benchmark report",
            {"asset": "benchmark-report"},
            None,
        )
    if kind == "ad.clicked":
        return (
            channel,
            "Clicked a LinkedIn ad: See where users drop off",
            {"campaign": "drop-off-q"},
            None,
        )
    if kind == "in_app.message":
        return channel, f"Opened the in-app guide: {feature} basics", {"feature": feature}, None
    return channel, "Referred a colleague at another company", {"program": "refer-a-team"}, None


def _purchases(ctx: _Context, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """The first purchase and each renewal of a paying customer that fall in [start, end]."""
    lifecycle = ctx.lifecycle
    if lifecycle.status not in ("customer", "churned"):
        return []
    moments = []
    moment, label = lifecycle.started_at, "new"
    while moment <= end:
        if moment >= start and (lifecycle.churned_at is None or moment < lifecycle.churned_at):
            moments.append((moment, label))
        moment, label = moment + YEAR, "renewal"
    return moments


def _purchase(ctx: _Context, moment: datetime, label: str) -> TouchpointRecord:
    attributes = ctx.account.custom_attributes if ctx.account else ctx.contact.custom_attributes
    plan = str(attributes.get("plan", "Pro (individual)"))
    seats = int(attributes.get("seats", 1))
    amount = seats * PRICE_PER_SEAT.get(plan, 96)
    tier = ctx.account.tier if ctx.account else "consumer"
    channel = (
        "api" if label == "renewal" else "email" if tier in ("enterprise", "mid_market") else "web"
    )
    verb = "Renewed" if label == "renewal" else "Purchased"
    return TouchpointRecord(
        contact_index=ctx.contact.index,
        account_external_id=ctx.contact.account_external_id,
        kind="purchase",
        channel=channel,
        occurred_at=moment,
        journey_stage="renewal" if label == "renewal" else "purchase",
        summary=f"{verb} {plan} ({seats} seats)" if ctx.account else f"{verb} {plan}",
        payload={
            "type": label,
            "plan": plan,
            "seats": seats,
            "amount": amount,
            "currency": _CURRENCY.get(ctx.contact.country, "USD"),
        },
        sentiment=None,
    )


def _contact_touchpoints(
    rng: random.Random, ctx: _Context, *, now: datetime
) -> list[TouchpointRecord]:
    contact = ctx.contact
    start = max(now - YEAR, contact.created_at)
    end = min(now, ctx.lifecycle.active_until(now))
    if end <= start:
        return []
    share = (end - start) / YEAR
    if contact.rich_timeline:
        count = rng.randint(320, 560)
    else:
        median = _MEDIAN_PER_YEAR[contact.persona]
        count = max(1, round(median * share * rng.lognormvariate(0, 0.6)))
    records: list[TouchpointRecord] = []
    for _ in range(count):
        moment = _moment(rng, ctx, start, end)
        stage = ctx.lifecycle.stage_at(moment)
        weights = ctx.weights[stage]
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
        channel, summary, payload, sentiment = _render(rng, ctx, kind, stage)
        records.append(
            TouchpointRecord(
                contact.index,
                contact.account_external_id,
                kind,
                channel,
                moment,
                stage,
                summary,
                payload,
                sentiment,
            )
        )
    if contact.persona in ("buyer", "consumer"):
        records.extend(
            _purchase(ctx, moment, label) for moment, label in _purchases(ctx, start, end)
        )
    return records


def generate_touchpoints(
    rng: random.Random,
    contacts: list[ContactRecord],
    accounts: dict[str, AccountRecord],
    csm_names: dict[str, str],
    *,
    now: datetime,
) -> list[TouchpointRecord]:
    """Every contact's touchpoints, in contact order (then time order within a contact)."""
    touchpoints: list[TouchpointRecord] = []
    for contact in contacts:
        account = accounts.get(contact.account_external_id or "")
        lifecycle = account.lifecycle if account else contact.lifecycle
        if lifecycle is None:
            continue
        csm = csm_names[account.owner_key] if account else csm_names[f"support:{contact.country}"]
        ctx = _Context(contact, account, lifecycle, csm)
        touchpoints.extend(
            sorted(_contact_touchpoints(rng, ctx, now=now), key=lambda t: t.occurred_at)
        )
    return touchpoints
