"""Sign-in by e-mailed link, and the portal sessions it starts.

- Only known contacts get a link (an e-mail identifier of the workspace, portal role other than
  `no_access`); unknown addresses get nothing, and the page answers both the same way, so the
  form never tells whether an address is a customer's.
- The link's token is 32 random bytes; only its SHA-256 is stored. It works once
  (`used_at` is set by a conditional UPDATE, so two clicks racing cannot both sign in) and for
  `LINK_LIFETIME`. Opening the link shows a confirmation button; only posting it signs in, so a
  mail scanner that fetches links cannot use up (or use) the token.
- Signing in always starts a new session with a new random secret (no fixation: a secret the
  browser brought is never promoted); only its hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import utcnow
from cxhub.core.events import publish
from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise_email
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.service.portal.access import portal_role
from cxhub.service.portal.events import PortalSignedIn
from cxhub.service.portal.models import PortalRole, PortalSession, PortalSignInLink

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=7)
MAX_TOKEN_CHARS = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    contact: Contact
    address: str
    token: str


@dataclass(frozen=True)
class SignedIn:
    contact: Contact
    session_secret: str


def contact_by_email(session: Session, email: str) -> tuple[Contact, str] | None:
    """The live contact holding `email` in the session's workspace, with the normalised address."""
    try:
        address = normalise_email(email)
    except InvalidIdentifier:
        return None
    contact = session.scalar(
        select(Contact)
        .join(ContactIdentifier, ContactIdentifier.contact_id == Contact.id)
        .where(
            ContactIdentifier.kind == IdentifierKind.EMAIL,
            ContactIdentifier.value == address,
            Contact.merged_into_id.is_(None),
        )
    )
    return None if contact is None else (contact, address)


def issue_link(session: Session, *, email: str, now: datetime | None = None) -> IssuedLink | None:
    """A new sign-in link for the contact holding `email`; None for anyone else (say nothing)."""
    found = contact_by_email(session, email)
    if found is None:
        return None
    contact, address = found
    if portal_role(session, contact_id=contact.id) == PortalRole.NO_ACCESS:
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSignInLink(
            workspace_id=contact.workspace_id,
            contact_id=contact.id,
            token_sha256=token_hash(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    session.flush()
    return IssuedLink(contact, address, token)


def _usable_link(session: Session, token: str, now: datetime) -> PortalSignInLink | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return session.scalar(
        select(PortalSignInLink).where(
            PortalSignInLink.token_sha256 == token_hash(token),
            PortalSignInLink.used_at.is_(None),
            PortalSignInLink.expires_at > now,
        )
    )


def link_is_usable(session: Session, *, token: str, now: datetime | None = None) -> bool:
    """For the confirmation page: does this link still work? (Nothing is used up.)"""
    return _usable_link(session, token, now or utcnow()) is not None


def _start_session(session: Session, *, contact: Contact, now: datetime) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(
        PortalSession(
            workspace_id=contact.workspace_id,
            contact_id=contact.id,
            session_hash=token_hash(secret),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return secret


def use_link(session: Session, *, token: str, now: datetime | None = None) -> SignedIn | None:
    """Spend the link and start a session; None when the link is unknown, used or expired."""
    now = now or utcnow()
    link = _usable_link(session, token, now)
    if link is None:
        return None
    spent = session.execute(
        update(PortalSignInLink)
        .where(PortalSignInLink.id == link.id, PortalSignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        return None  # another request spent it first
    contact = session.get(Contact, link.contact_id)
    if contact is None or contact.merged_into_id is not None:
        return None
    if portal_role(session, contact_id=contact.id) == PortalRole.NO_ACCESS:
        return None
    secret = _start_session(session, contact=contact, now=now)
    record_audit(
        session,
        workspace_id=contact.workspace_id,
        actor_user_id=None,
        action="portal.signed_in",
        target_type="contact",
        target_id=contact.id,
        detail={"via": "email_link"},
    )
    publish(session, PortalSignedIn(workspace_id=contact.workspace_id, contact_id=contact.id))
    return SignedIn(contact, secret)


def resolve_session(
    session: Session, *, secret: str, now: datetime | None = None
) -> tuple[Contact, PortalRole] | None:
    """The signed-in contact of a portal cookie in the session's workspace, and their role."""
    if not secret or len(secret) > MAX_TOKEN_CHARS:
        return None
    portal_session = session.scalar(
        select(PortalSession).where(
            PortalSession.session_hash == token_hash(secret),
            PortalSession.expires_at > (now or utcnow()),
        )
    )
    if portal_session is None:
        return None
    contact = session.get(Contact, portal_session.contact_id)
    if contact is None or contact.merged_into_id is not None:
        return None
    role = portal_role(session, contact_id=contact.id)
    if role == PortalRole.NO_ACCESS:
        return None
    return contact, role


def end_session(session: Session, *, secret: str) -> None:
    if secret and len(secret) <= MAX_TOKEN_CHARS:
        session.execute(
            delete(PortalSession).where(PortalSession.session_hash == token_hash(secret))
        )


def end_sessions_of(session: Session, *, contact_id: int) -> int:
    """Sign a contact out everywhere (their access was revoked)."""
    result = session.execute(delete(PortalSession).where(PortalSession.contact_id == contact_id))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete expired links and sessions of the session's workspace (housekeeping)."""
    now = now or utcnow()
    links = session.execute(delete(PortalSignInLink).where(PortalSignInLink.expires_at <= now))
    sessions = session.execute(delete(PortalSession).where(PortalSession.expires_at <= now))
    return int(getattr(links, "rowcount", 0) or 0) + int(getattr(sessions, "rowcount", 0) or 0)
