"""Gather a contact's data through each domain's own export function; audited, no commit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import utcnow
from cxhub.customers.accounts.schemas import AccountOut
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.contacts.service import get_contact
from cxhub.customers.timeline import service as timeline
from cxhub.customers.timeline.schemas import InteractionOut
from cxhub.experience.connected import service as nps
from cxhub.experience.connected.schemas import NpsAnswerOut
from cxhub.experience.journeys import service as journeys
from cxhub.experience.journeys.schemas import StageEntryOut
from cxhub.experience.nextaction import service as next_actions
from cxhub.experience.nextaction.schemas import DecisionOut
from cxhub.experience.surveys import responses as survey_export
from cxhub.experience.surveys.schemas import ResponseOut
from cxhub.experience.text import service as text_analytics
from cxhub.experience.text.schemas import StoredAnalysisOut
from cxhub.experience.topics import service as topics
from cxhub.experience.topics.schemas import AssignmentOut
from cxhub.experience.touchpoints import service as touchpoints
from cxhub.experience.touchpoints.schemas import TouchpointOut
from cxhub.privacy.schemas import ContactExport, SubscriptionRef
from cxhub.service.csat import service as csat
from cxhub.service.csat.schemas import CsatOut
from cxhub.service.mail import subject_access as mail
from cxhub.service.portal import subject_access as portal
from cxhub.service.tickets import subject_access as tickets
from cxhub.success.subscriptions import service as subscriptions
from cxhub.success.usage import subject_access as usage


def export_contact(
    session: Session, *, contact_id: int, actor_user_id: int | None, data_dir: Path
) -> ContactExport:
    """Everything held on `contact_id` (404 for another workspace's contact, via `get_contact`).

    A merged-away contact id answers with the surviving contact, which now holds its data."""
    contact = get_contact(session, contact_id=contact_id)
    account = get_account(session, account_id=contact.account_id) if contact.account_id else None
    ticket_documents = tickets.export_for_contact(session, contact_id=contact.id)
    emails = [i.value for i in contact.identifiers if i.kind == IdentifierKind.EMAIL]
    user_ids = [i.value for i in contact.identifiers if i.kind == IdentifierKind.EXTERNAL_ID]
    inbound, outbound = mail.export_for_person(
        session, ticket_ids=[t.ticket.id for t in ticket_documents], emails=emails
    )
    usage_events, truncated = usage.export_for_user_ids(
        session, data_dir=data_dir, workspace_id=contact.workspace_id, user_ids=user_ids
    )
    document = ContactExport(
        exported_at=utcnow(),
        workspace_id=contact.workspace_id,
        contact=ContactOut.of(contact),
        account=AccountOut.of(account) if account else None,
        interactions=[
            InteractionOut.model_validate(interaction)
            for interaction in timeline.export_for_contact(session, contact_id=contact.id)
        ],
        tickets=ticket_documents,
        csat_surveys=[
            CsatOut.of(survey) for survey in csat.export_for_contact(session, contact_id=contact.id)
        ],
        text_analyses=[
            StoredAnalysisOut.of(row)
            for row in text_analytics.export_for_contact(session, contact_id=contact.id)
        ],
        survey_responses=[
            ResponseOut.of(row)
            for row in survey_export.export_for_contact(session, contact_id=contact.id)
        ],
        topic_assignments=[
            AssignmentOut.of(row)
            for row in topics.export_for_contact(session, contact_id=contact.id)
        ],
        nps_answers=[
            NpsAnswerOut.model_validate(row)
            for row in nps.answers_of_contacts(session, contact_ids=(contact.id,))
        ],
        next_action_decisions=[
            DecisionOut.of(row)
            for row in next_actions.export_for_contact(session, contact_ids=(contact.id,))
        ],
        subscriptions=[
            SubscriptionRef(
                id=s.id,
                account_id=s.account_id,
                plan=s.plan,
                status=str(s.status),
                started_on=s.started_on,
                ended_on=s.ended_on,
            )
            for s in (
                subscriptions.export_for_account(session, account_id=account.id) if account else []
            )
        ],
        touchpoints=[
            TouchpointOut.of(t)
            for t in touchpoints.export_for_contact(session, contact_id=contact.id)
        ],
        journey_stages=[
            StageEntryOut.of(entry)
            for entry in journeys.export_for_contact(session, contact_id=contact.id)
        ],
        inbound_emails=inbound,
        outbound_emails=outbound,
        usage_events=usage_events,
        usage_events_truncated=truncated,
        portal=portal.export_for_contact(session, contact_id=contact.id),
    )
    record_audit(
        session,
        workspace_id=contact.workspace_id,
        actor_user_id=actor_user_id,
        action="contact.exported",
        target_type="contact",
        target_id=contact.id,
        detail={
            "requested_id": contact_id,
            "tickets": len(document.tickets),
            "interactions": len(document.interactions),
            "usage_events": len(document.usage_events),
        },
    )
    return document
