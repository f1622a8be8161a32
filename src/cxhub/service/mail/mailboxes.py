"""A workspace's support addresses, and routing inbound mail to the workspace that owns one.

Addresses are unique across the installation because they route mail: `support@acme.example`
can belong to one workspace only. Plus-addressing is honoured: `support+billing@acme.example`
reaches the mailbox `support@acme.example`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.service.mail.models import Mailbox
from cxhub.service.mail.schemas import MailboxCreate


def normalise_address(address: str) -> str:
    """`<Support+x@Acme.Example>` -> `support@acme.example` (plus tag dropped, lower-cased)."""
    cleaned = address.strip().strip("<>").strip().lower()
    local, at, domain = cleaned.rpartition("@")
    if not at or not local or not domain:
        return cleaned
    return f"{local.split('+', 1)[0]}@{domain.strip('.')}"


def create_mailbox(session: Session, *, workspace_id: int, data: MailboxCreate) -> Mailbox:
    address = normalise_address(data.address)
    if "+" in data.address.split("@", 1)[0]:
        raise ValidationFailed("a mailbox address has no +tag", field="address")
    if session.scalar(_by_address(address)) is not None:
        raise Conflict(f"the address {address} is already a mailbox", field="address")
    has_default = session.scalar(select(Mailbox.id).where(Mailbox.is_default.is_(True)))
    make_default = data.is_default or has_default is None
    try:
        with session.begin_nested():
            if make_default and has_default is not None:
                for other in session.scalars(select(Mailbox).where(Mailbox.is_default.is_(True))):
                    other.is_default = False
            mailbox = Mailbox(
                workspace_id=workspace_id,
                address=address,
                display_name=data.display_name,
                is_default=make_default,
            )
            session.add(mailbox)
            session.flush()
    except IntegrityError:
        raise Conflict(f"the address {address} is already a mailbox", field="address") from None
    return mailbox


def list_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.address)))


def get_mailbox(session: Session, *, mailbox_id: int) -> Mailbox:
    mailbox = session.scalar(select(Mailbox).where(Mailbox.id == mailbox_id))
    if mailbox is None:
        raise NotFound(f"mailbox {mailbox_id} not found")
    return mailbox


def delete_mailbox(session: Session, *, mailbox_id: int) -> None:
    """Remove an address; when it was the default, the oldest remaining one takes over."""
    mailbox = get_mailbox(session, mailbox_id=mailbox_id)
    was_default = mailbox.is_default
    session.delete(mailbox)
    session.flush()
    if was_default:
        successor = session.scalar(select(Mailbox).order_by(Mailbox.id).limit(1))
        if successor is not None:
            successor.is_default = True


def default_mailbox(session: Session) -> Mailbox | None:
    """The From address of the workspace's outbound mail (the default, else the oldest)."""
    return session.scalar(select(Mailbox).order_by(Mailbox.is_default.desc(), Mailbox.id).limit(1))


def _by_address(address: str) -> Select[Mailbox]:
    return (
        select(Mailbox)
        .where(Mailbox.address == address)
        .execution_options(skip_workspace_filter=True)
    )


def route_recipients(session: Session, recipients: Iterable[str]) -> dict[int, list[str]]:
    """Which workspaces the envelope recipients reach: workspace id -> its recipients.

    Looks across every workspace (the mail has not been assigned to one yet).
    """
    wanted: dict[str, list[str]] = {}
    for recipient in recipients:
        wanted.setdefault(normalise_address(recipient), []).append(recipient)
    if not wanted:
        return {}
    rows = session.execute(
        select(Mailbox.workspace_id, Mailbox.address)
        .where(Mailbox.address.in_(list(wanted)))
        .execution_options(skip_workspace_filter=True)
    )
    routed: dict[int, list[str]] = {}
    for workspace_id, address in rows:
        routed.setdefault(int(workspace_id), []).extend(wanted[address])
    return routed


def is_routable(session: Session, recipient: str) -> bool:
    return bool(route_recipients(session, [recipient]))
