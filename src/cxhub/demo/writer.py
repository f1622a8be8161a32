"""Write a generated demo data set into one workspace with batched SQLAlchemy Core inserts.

Going through the contact and timeline services row by row would take minutes for ~40,000
touchpoints; batched inserts take seconds. What the services would have guaranteed is done here
explicitly: every row carries `workspace_id`, names get the same search keys
(`search_key`), identifiers are normalised with the same `normalise`, and no domain events are
published (a demo load is not thousands of "contact created" facts for other domains to react to).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.marking import forget_rollups
from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.contacts.identifiers import normalise
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.search_keys import search_key
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.demo.dataset import DemoDataset
from cxhub.demo.records import ContactRecord
from cxhub.demo.tickets import MessageRecord, TicketRecord
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import SlaEvent, TicketSlaTarget
from cxhub.service.tickets.models import (
    AuthorKind,
    DeliveryStatus,
    Ticket,
    TicketCounter,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    TicketTag,
)
from cxhub.service.tickets.search_text import (
    _WORD,
    MAX_DOCUMENT_CHARS,
    _bigrams,
    _runs,
    fold,
    index_document,
    is_cjk,
)

Advance = Callable[[int], None]
T = TypeVar("T")
BATCH = 5_000


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def chunks(rows: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys of `table`, in order. PostgreSQL draws them from the column's
    sequence; on SQLite the seeding transaction holds the write lock, so the keys after the
    current maximum are ours."""
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        ).scalar_one()
        return list(
            session.execute(
                text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
                {"sequence": sequence, "n": count},
            ).scalars()
        )
    # Ids are global across workspaces: read the highest one in the whole table.
    start = int(
        session.execute(
            select(func.coalesce(func.max(table.c.id), 0)).execution_options(
                skip_workspace_filter=True
            )
        ).scalar_one()
    )
    return list(range(start + 1, start + 1 + count))


def insert_with_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows with pre-allocated ids and return them in the order given. Plain executemany
    inserts are several times faster than INSERT … RETURNING sorted by parameter order."""
    ids = _allocate_ids(session, table, len(rows))
    statement = insert(table)
    for chunk in chunks([{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]):
        session.execute(statement, chunk)
    return ids


def write_accounts(
    session: Session, workspace_id: int, dataset: DemoDataset, owner_ids: dict[str, int]
) -> dict[str, int]:
    """Accounts and their domains; returns account ids by CRM external id."""
    rows = [
        {
            "workspace_id": workspace_id,
            "name": account.name,
            "name_key": search_key(account.name),
            "external_id": account.external_id,
            "industry": account.industry,
            "tier": account.tier,
            "country": account.country,
            "owner_id": owner_ids[account.owner_key],
            "custom_attributes": account.custom_attributes,
            "created_at": account.created_at,
            "updated_at": account.created_at,
        }
        for account in dataset.accounts
    ]
    ids = insert_with_ids(session, table_of(Account), rows)
    by_external_id = {a.external_id: id_ for a, id_ in zip(dataset.accounts, ids, strict=True)}
    domains = [
        {"workspace_id": workspace_id, "account_id": by_external_id[a.external_id], "domain": d}
        for a in dataset.accounts
        for d in a.domains
    ]
    session.execute(insert(table_of(AccountDomain)), domains)
    return by_external_id


def _identifier_rows(
    workspace_id: int, contact_id: int, contact: ContactRecord
) -> Iterable[dict[str, Any]]:
    given: list[tuple[IdentifierKind, str, str | None]] = [
        *(
            (IdentifierKind.EMAIL, email, "work" if contact.account_external_id else "personal")
            for email in contact.emails
        ),
        *((IdentifierKind.PHONE, phone, label) for phone, label in contact.phones),
        *((IdentifierKind.SOCIAL, handle, None) for handle in contact.social_handles),
        *((IdentifierKind.EXTERNAL_ID, user_id, "product") for user_id in contact.external_ids),
    ]
    for kind, value, label in given:
        yield {
            "workspace_id": workspace_id,
            "contact_id": contact_id,
            "kind": kind,
            "value": normalise(kind, value),
            "label": label,
        }


def write_contacts(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    account_ids: dict[str, int],
    last_seen: dict[int, datetime],
) -> list[int]:
    """Contacts and their identifiers; returns contact ids by contact index."""
    rows = [
        {
            "workspace_id": workspace_id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "name_key": name_search_keys(c.first_name, c.last_name)[0],
            "last_name_key": name_search_keys(c.first_name, c.last_name)[1],
            "locale": c.locale,
            "time_zone": c.time_zone,
            "country": c.country,
            "account_id": account_ids[c.account_external_id] if c.account_external_id else None,
            "custom_attributes": c.custom_attributes,
            "created_at": c.created_at,
            "updated_at": max(c.created_at, last_seen.get(c.index, c.created_at)),
        }
        for c in dataset.contacts
    ]
    ids = insert_with_ids(session, table_of(Contact), rows)
    identifiers = [
        row
        for contact, contact_id in zip(dataset.contacts, ids, strict=True)
        for row in _identifier_rows(workspace_id, contact_id, contact)
    ]
    for chunk in chunks(identifiers):
        session.execute(insert(table_of(ContactIdentifier)), chunk)
    return ids


def write_touchpoints(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    contact_ids: list[int],
    account_ids: dict[str, int],
    advance: Advance,
) -> int:
    table = table_of(Interaction)
    written = 0
    for chunk in chunks(dataset.touchpoints):
        rows = [
            {
                "workspace_id": workspace_id,
                "kind": t.kind,
                "channel": Channel(t.channel),
                "occurred_at": t.occurred_at,
                "contact_id": contact_ids[t.contact_index],
                "account_id": account_ids[t.account_external_id] if t.account_external_id else None,
                "journey_stage": t.journey_stage,
                "summary": t.summary,
                "payload": t.payload,
                "sentiment": t.sentiment,
                "created_at": t.occurred_at,
            }
            for t in chunk
        ]
        session.execute(insert(table), rows)
        written += len(rows)
        advance(len(rows))
    return written


def last_touch_by_contact(dataset: DemoDataset) -> dict[int, datetime]:
    latest: dict[int, datetime] = {}
    for touchpoint in dataset.touchpoints:
        seen = latest.get(touchpoint.contact_index)
        if seen is None or touchpoint.occurred_at > seen:
            latest[touchpoint.contact_index] = touchpoint.occurred_at
    return latest


def write_tickets(
    session: Session,
    workspace_id: int,
    tickets: list[TicketRecord],
    refs: TicketRefs,
    advance: Advance,
) -> None:
    """Tickets with tags, threads, timeline entries, SLA targets and events, CSAT surveys, the
    number counter and the search index, as the ticket services would have stored them."""
    ticket_ids = insert_with_ids(
        session, table_of(Ticket), [_ticket_row(workspace_id, t, refs) for t in tickets]
    )
    id_of = {id(t): ticket_id for t, ticket_id in zip(tickets, ticket_ids, strict=True)}
    requester_of = {id(t): refs.contact_ids[t.contact_index] for t in tickets}
    account_of = {id(t): _account_id(t, refs) for t in tickets}
    merges = [
        {"b_id": id_of[id(t)], "b_target": id_of[id(t.merged_into)]}
        for t in tickets
        if t.merged_into is not None
    ]
    if merges:
        table = table_of(Ticket)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(merged_into_id=bindparam("b_target")),
            merges,
        )
    tags = [
        {"workspace_id": workspace_id, "ticket_id": id_of[id(t)], "tag": tag}
        for t in tickets
        for tag in dict.fromkeys(t.tags)
    ]
    for chunk in chunks(tags):
        session.execute(insert(table_of(TicketTag)), chunk)
    advance(1)

    messages: list[tuple[TicketRecord, MessageRecord]] = []
    for t in tickets:
        t.messages.sort(key=lambda m: m.at)
        messages.extend((t, m) for m in t.messages)
    message_rows = [
        {
            "workspace_id": workspace_id,
            "ticket_id": id_of[id(t)],
            "author_kind": AuthorKind(m.author),
            "author_user_id": refs.user_ids[m.agent_key] if m.agent_key else None,
            "author_contact_id": requester_of[id(t)] if m.author == "customer" else None,
            "is_public": m.public,
            "channel": Channel(m.channel),
            "body_text": m.body,
            "delivery_status": DeliveryStatus.SENT if _emailed(t, m) else None,
            "delivery_attempts": 1 if _emailed(t, m) else 0,
            "created_at": m.at,
        }
        for t, m in messages
    ]
    message_ids = insert_with_ids(session, table_of(TicketMessage), message_rows)
    message_id_of = {id(m): mid for (_, m), mid in zip(messages, message_ids, strict=True)}
    advance(1)

    interactions: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "kind": e.kind,
            "channel": Channel(e.channel),
            "occurred_at": e.at,
            "contact_id": requester_of[id(e.number_of)],
            "account_id": account_of[id(e.number_of)],
            "summary": e.summary,
            "payload": {
                "ticket_number": e.number_of.number,
                **({"message_id": message_id_of[id(e.message)]} if e.message else {}),
                **e.payload,
            },
            "sentiment": e.sentiment,
            "source_type": "ticket",
            "source_id": str(id_of[id(t)]),
            "created_at": e.at,
        }
        for t in tickets
        for e in t.timeline
    ]
    for chunk in chunks(interactions):
        session.execute(insert(table_of(Interaction)), chunk)
    advance(1)

    targets = [(t, target) for t in tickets for target in t.sla_targets]
    target_ids = insert_with_ids(
        session,
        table_of(TicketSlaTarget),
        [
            {
                "workspace_id": workspace_id,
                "ticket_id": id_of[id(t)],
                "policy_id": refs.policy_ids[t.policy_key],
                "metric": x.metric,
                "target_minutes": x.target_minutes,
                "started_at": x.started_at,
                "due_at": x.due_at,
                "paused_at": x.paused_at,
                "pauses": [[a.isoformat(), b.isoformat()] for a, b in x.pauses],
                "fulfilled_at": x.fulfilled_at,
                "breached_at": x.breached_at,
                "closed": x.closed,
                "cancelled": x.cancelled,
            }
            for t, x in targets
        ],
    )
    events = sorted(
        (
            {
                "workspace_id": workspace_id,
                "ticket_id": id_of[id(t)],
                "target_id": target_id,
                "metric": x.metric,
                "kind": kind,
                "occurred_at": at,
            }
            for (t, x), target_id in zip(targets, target_ids, strict=True)
            for kind, at in x.events
        ),
        key=lambda row: (row["ticket_id"], row["occurred_at"]),
    )
    for chunk in chunks(events):
        session.execute(insert(table_of(SlaEvent)), chunk)
    advance(1)

    surveys: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "ticket_id": id_of[id(t)],
            "contact_id": requester_of[id(t)],
            "assignee_id": refs.user_ids[t.csat.assignee_key] if t.csat.assignee_key else None,
            # a link token nobody holds: only its hash is stored, as for real surveys
            "token_sha256": hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
            "requested_at": t.csat.requested_at,
            "score": t.csat.score,
            "comment": t.csat.comment,
            "rated_at": t.csat.rated_at,
            "channel": t.csat.channel,
        }
        for t in tickets
        if t.csat is not None
    ]
    for chunk in chunks(surveys):
        session.execute(insert(table_of(CsatSurvey)), chunk)
    session.execute(
        insert(table_of(TicketCounter)),
        [{"workspace_id": workspace_id, "last_number": len(tickets)}],
    )
    _index_tickets(session, tickets, id_of)
    # Core inserts bypass the dirty-day marking: any rollup of this workspace is out of date.
    forget_rollups(session, workspace_id=workspace_id)
    advance(1)


@dataclass(frozen=True)
class TicketRefs:
    """Database ids the ticket rows point at, by the keys the generator uses."""

    contact_ids: list[int]
    account_ids: dict[str, int]
    user_ids: dict[str, int]
    team_ids: dict[str, int]
    policy_ids: dict[str, int]


def _account_id(ticket: TicketRecord, refs: TicketRefs) -> int | None:
    external = ticket.account_external_id
    return refs.account_ids[external] if external else None


def _emailed(ticket: TicketRecord, message: MessageRecord) -> bool:
    """Public agent replies on e-mail tickets went out by e-mail (`add_message` queues them)."""
    return message.author == "agent" and message.public and message.channel == "email"


def _ticket_row(workspace_id: int, t: TicketRecord, refs: TicketRefs) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "number": t.number,
        "subject": t.subject,
        "status": TicketStatus(t.status),
        "priority": TicketPriority(t.priority),
        "ticket_type": t.ticket_type,
        "channel": Channel(t.channel),
        "requester_id": refs.contact_ids[t.contact_index],
        "account_id": _account_id(t, refs),
        "assignee_id": refs.user_ids[t.assignee_key] if t.assignee_key else None,
        "team_id": refs.team_ids[t.team],
        "custom_fields": {},
        "language": t.language,
        "is_spam": False,
        "created_at": t.created_at,
        "updated_at": t.updated_at or t.created_at,
        "status_changed_at": t.status_changed_at or t.created_at,
        "first_replied_at": t.first_replied_at,
        "last_customer_message_at": t.last_customer_message_at,
        "last_agent_reply_at": t.last_agent_reply_at,
        "solved_at": t.solved_at,
        "closed_at": t.closed_at,
        "reopen_count": t.reopen_count,
        "agent_reply_count": t.agent_reply_count,
        "next_sla_due_at": t.next_sla_due_at,
        "sla_policy_id": refs.policy_ids[t.policy_key],
        "sla_breached": t.sla_breached,
    }


def _index_tickets(session: Session, tickets: list[TicketRecord], id_of: dict[int, int]) -> None:
    """The search documents `reindex_ticket` writes: subject, merged subjects, the thread."""
    merged: dict[int, list[str]] = {}
    for t in tickets:
        if t.merged_into is not None:
            merged.setdefault(id(t.merged_into), []).append(t.subject)
    rows = [
        {
            "ticket_id": id_of[id(t)],
            "document": _document(
                [t.subject, *merged.get(id(t), []), *(m.body for m in t.messages)]
            ),
        }
        for t in tickets
        if t.merged_into is None
    ]
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            "INSERT INTO ticket_search (ticket_id, document) "
            "VALUES (:ticket_id, to_tsvector('simple'::regconfig, :document))"
        )
    else:
        statement = text(
            "INSERT INTO ticket_search (rowid, document) VALUES (:ticket_id, :document)"
        )
    for chunk in chunks(rows, 1_000):
        session.execute(statement, chunk)


@functools.lru_cache(maxsize=50_000)
def _word_tokens(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`search_text.tokens` of one folded word, and the CJK characters of those tokens."""
    found = tuple(token for run, cjk in _runs(word) for token in (_bigrams(run) if cjk else [run]))
    return found, tuple(c for token in found for c in token if is_cjk(c))


def _document(texts: list[str]) -> str:
    """`search_text.index_document`, with the per-character work cached per word: the demo's
    threads repeat the same phrases thousands of times (a test checks both agree)."""
    if sum(len(text) for text in texts) >= MAX_DOCUMENT_CHARS // 2:
        return index_document(texts)
    words: list[str] = []
    characters: dict[str, None] = {}
    for part in texts:
        for word in _WORD.findall(fold(part)):
            found, cjk = _word_tokens(word)
            words.extend(found)
            characters.update(dict.fromkeys(cjk))
    present = set(words)
    return " ".join(words + [c for c in characters if c not in present])
