"""Who is asked: sampling, the workspace-wide throttle, invitations with their link tokens,
the survey e-mail, and segments.

The throttle lives in exactly one function, `claim_contact`: every channel that asks a contact
(e-mail, portal, signed link, triggers, segments, the in-product widget) goes through
`invite_contact`, which calls it. Sampling is decided before the claim, so a contact left out
by sampling is not counted as surveyed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.pagination import PageRequest
from cxhub.core.tenancy import Workspace
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import search as contact_search
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.contacts.service import get_contact
from cxhub.experience.surveys import standard
from cxhub.experience.surveys.definitions import get_settings
from cxhub.experience.surveys.mail import queue_survey_email
from cxhub.experience.surveys.models import Survey, SurveyContactClock, SurveyInvitation
from cxhub.experience.surveys.schemas import Segment

SEGMENT_LIMIT = 10_000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def sampled(*, survey_id: int, contact_id: int, percent: int, salt: str = "") -> bool:
    """Whether this contact falls in the survey's sample: a hash of (survey, contact, salt)
    mapped to 0..9999 and compared with the percentage, so the decision is reproducible (tests,
    re-runs of a job) and independent across surveys; `salt` (a ticket, a day) re-draws it."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{survey_id}:{contact_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < percent * 100


def claim_contact(
    session: Session, *, workspace_id: int, contact_id: int, now: datetime, throttle_days: int
) -> bool:
    """Record that `contact_id` is surveyed now, unless any survey asked them in the last
    `throttle_days`. The check and the write are one statement (a conditional UPDATE, or an
    INSERT that the unique (workspace, contact) constraint lets only one racer win), so two
    concurrent sends cannot both pass."""
    cutoff = now - timedelta(days=throttle_days)
    claimed = session.execute(
        update(SurveyContactClock)
        .where(
            SurveyContactClock.contact_id == contact_id,
            SurveyContactClock.last_surveyed_at <= cutoff,
        )
        .values(last_surveyed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0):
        return True
    if session.scalar(
        select(SurveyContactClock.id).where(SurveyContactClock.contact_id == contact_id)
    ):
        return False
    try:
        with session.begin_nested():
            session.add(
                SurveyContactClock(
                    workspace_id=workspace_id, contact_id=contact_id, last_surveyed_at=now
                )
            )
    except IntegrityError:
        return False  # a concurrent send claimed this contact first
    return True


@dataclass(frozen=True)
class Invitation:
    """The outcome of asking one contact: `status` invited, throttled, not_sampled or
    unreachable; `row` and `token` only when invited."""

    status: str
    row: SurveyInvitation | None = None
    token: str | None = None


def _email_of(contact_id: int, session: Session) -> str | None:
    contact = get_contact(session, contact_id=contact_id)
    emails = sorted(
        (i for i in contact.identifiers if i.kind == IdentifierKind.EMAIL), key=lambda i: i.id
    )
    return emails[0].value if emails else None


def brand_name(session: Session, workspace_id: int) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.name if workspace is not None else "us"


def invite_contact(
    session: Session,
    *,
    survey: Survey,
    contact_id: int,
    channel: str,
    public_url: str,
    touchpoint: str | None = None,
    journey_stage: str | None = None,
    source: tuple[str, str] | None = None,
    salt: str = "",
    now: datetime | None = None,
) -> Invitation:
    """Ask one contact on `channel` (email, portal or link), subject to sampling and the
    throttle. E-mail needs an address and a mailbox (else `unreachable`, not throttled)."""
    now = now or utcnow()
    if survey.status != "active":
        raise ValidationFailed("only an active survey can be sent", field="status")
    contact = get_contact(session, contact_id=contact_id)
    if not sampled(
        survey_id=survey.id, contact_id=contact.id, percent=survey.sample_percent, salt=salt
    ):
        return Invitation("not_sampled")
    address = _email_of(contact.id, session) if channel == "email" else None
    if channel == "email" and address is None:
        return Invitation("unreachable")
    settings = get_settings(session)
    if not claim_contact(
        session,
        workspace_id=survey.workspace_id,
        contact_id=contact.id,
        now=now,
        throttle_days=settings.throttle_days,
    ):
        return Invitation("throttled")
    token = secrets.token_urlsafe(24)
    language = standard.language_for(contact.locale, survey.languages, survey.default_language)
    row = SurveyInvitation(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        contact_id=contact.id,
        account_id=contact.account_id,
        channel=channel,
        touchpoint=touchpoint,
        journey_stage=journey_stage,
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
        language=language,
        token_sha256=token_hash(token),
        status="pending",
        sent_at=now,
    )
    session.add(row)
    session.flush()
    if channel == "email" and address is not None:
        queued = queue_survey_email(
            session,
            survey=survey,
            language=language,
            to=address,
            link=survey_link(public_url, token),
            brand=brand_name(session, survey.workspace_id),
        )
        if queued is None:
            raise ValidationFailed(
                "the workspace has no mailbox to send survey e-mails from", field="channel"
            )
    return Invitation("invited", row, token)


def survey_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/s/{token}"


def open_invitation(session: Session, token: str) -> SurveyInvitation:
    """Resolve a link token and scope `session` to its workspace: the token is the
    respondent's credential for this one invitation and nothing else."""
    if not token or len(token) > 200:
        raise NotFound("this survey link is not valid")
    row = session.scalar(
        select(SurveyInvitation)
        .where(SurveyInvitation.token_sha256 == token_hash(token))
        .execution_options(skip_workspace_filter=True)
    )
    if row is None:
        raise NotFound("this survey link is not valid")
    session.info["workspace_id"] = row.workspace_id
    return row


def pending_for_contact(
    session: Session, *, contact_id: int, now: datetime
) -> list[SurveyInvitation]:
    """The contact's unanswered portal invitations inside the answer window (the portal list)."""
    window = timedelta(days=get_settings(session).answer_window_days)
    return list(
        session.scalars(
            select(SurveyInvitation)
            .where(
                SurveyInvitation.contact_id == contact_id,
                SurveyInvitation.status == "pending",
                SurveyInvitation.channel == "portal",
                SurveyInvitation.sent_at > now - window,
            )
            .order_by(SurveyInvitation.sent_at.desc())
            .limit(20)
        )
    )


def segment_contact_ids(
    session: Session, segment: Segment, *, limit: int = SEGMENT_LIMIT
) -> list[int]:
    """The contacts matching a segment, through the customer domain's list services: accounts
    filtered by tier, industry and country, then their contacts filtered by locale and country
    (or every contact when no account filter is given). At most `limit`."""
    found: list[int] = []
    account_filter = segment.account_tier or segment.account_industry or segment.account_country
    account_ids: list[int | None] = [None]
    if account_filter:
        account_ids = []
        cursor: str | None = None
        while True:
            page = accounts.list_accounts(
                session,
                page=PageRequest(limit=500, cursor=cursor),
                tier=segment.account_tier,
                industry=segment.account_industry,
                country=segment.account_country,
            )
            account_ids += [a.id for a in page.items]
            cursor = page.next_cursor
            if cursor is None or len(account_ids) >= limit:
                break
    for account_id in account_ids:
        cursor = None
        while len(found) < limit:
            contacts = contact_search.list_contacts(
                session,
                page=PageRequest(limit=500, cursor=cursor),
                account_id=account_id,
                locale=segment.contact_locale,
                country=segment.contact_country,
            )
            found += [c.id for c in contacts.items]
            cursor = contacts.next_cursor
            if cursor is None:
                break
    return found[:limit]


@dataclass
class SendReport:
    invited: int = 0
    throttled: int = 0
    not_sampled: int = 0
    unreachable: int = 0
    links: list[tuple[int, str]] | None = None


def send_survey(
    session: Session,
    *,
    survey: Survey,
    contact_ids: list[int],
    segment: Segment | None,
    channel: str,
    public_url: str,
    touchpoint: str | None = None,
    journey_stage: str | None = None,
    now: datetime | None = None,
) -> SendReport:
    """Ask the listed contacts and the segment's contacts (each once), on `channel`. A link
    send answers the signed links to hand out (shown once: only their hashes are stored)."""
    if channel not in survey.channels:
        raise ValidationFailed(f"this survey is not sent by {channel}", field="channel")
    targets = list(dict.fromkeys(contact_ids))
    if segment is not None:
        targets = list(dict.fromkeys(targets + segment_contact_ids(session, segment)))
    if not targets:
        raise ValidationFailed("no contact to send to", field="contact_ids")
    now = now or utcnow()
    report = SendReport(links=[] if channel == "link" else None)
    for contact_id in targets:
        try:
            result = invite_contact(
                session,
                survey=survey,
                contact_id=contact_id,
                channel=channel,
                public_url=public_url,
                touchpoint=touchpoint,
                journey_stage=journey_stage,
                salt=now.date().isoformat(),
                now=now,
            )
        except NotFound:
            raise ValidationFailed(
                f"contact {contact_id} is not a contact of this workspace", field="contact_ids"
            ) from None
        setattr(report, result.status, getattr(report, result.status) + 1)
        if report.links is not None and result.token is not None:
            report.links.append((contact_id, survey_link(public_url, result.token)))
    return report
