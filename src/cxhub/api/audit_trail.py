"""Which API routes leave an audit entry, and the entry written for configuration changes.

Actions that change who a customer is or hold a before/after worth keeping (merges, erasure,
exports, role changes, token issuance, retention) are audited by their services, with a rich
detail: `SERVICE_AUDITED` lists those routes and the action they write. Every other
administrative change (helpdesk configuration, teams, deletions) is audited here, at the
transaction edge: `TransactionalRoute` calls `record_route_audit` after the handler succeeded
and before the commit, so the entry commits with the change or not at all. Its detail names the
fields the request sent, never their values (a channel secret, a password).

`tests/api/test_audit_coverage.py` derives from the route table which routes must be audited
(every mutating route whose permission only admins hold, every DELETE, merges and data exports)
and fails when one is in neither map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class AuditedRoute:
    action: str
    target_type: str
    #: Path parameter holding the target id; None takes the `id` of the created object.
    target_param: str | None = None


def _crud(path: str, name: str, param: str, *, update: str = "PUT") -> dict[str, AuditedRoute]:
    return {
        f"POST {path}": AuditedRoute(f"{name}.created", name),
        f"{update} {path}/{{{param}}}": AuditedRoute(f"{name}.updated", name, param),
        f"DELETE {path}/{{{param}}}": AuditedRoute(f"{name}.deleted", name, param),
    }


ROUTE_AUDIT: dict[str, AuditedRoute] = {
    **_crud("/automations", "automation", "automation_id"),
    **_crud("/business-calendars", "business_calendar", "calendar_id"),
    **_crud("/channels", "channel_source", "channel_id", update="PATCH"),
    **_crud("/macros", "macro", "macro_id"),
    **_crud("/sla-policies", "sla_policy", "policy_id"),
    **_crud("/triggers", "trigger", "trigger_id"),
    **_crud("/teams", "team", "team_id", update="PATCH"),
    # playbooks act on customers by themselves (mail, webhooks, tickets): who changed them matters
    **_crud("/playbooks", "playbook", "playbook_id"),
    # surveys e-mail customers by themselves (triggers) and set the workspace-wide throttle
    **_crud("/surveys", "survey", "survey_id"),
    "PUT /survey-settings": AuditedRoute("survey_settings.updated", "workspace"),
    # journey rules move customers and feed the CX dashboard: who changed them matters
    **_crud("/journeys", "journey", "journey_id"),
    "POST /playbooks/{playbook_id}/enable": AuditedRoute(
        "playbook.enabled", "playbook", "playbook_id"
    ),
    "POST /playbooks/{playbook_id}/disable": AuditedRoute(
        "playbook.disabled", "playbook", "playbook_id"
    ),
    "POST /mailboxes": AuditedRoute("mailbox.created", "mailbox"),
    "DELETE /mailboxes/{mailbox_id}": AuditedRoute("mailbox.deleted", "mailbox", "mailbox_id"),
    "POST /mail/inbound/{inbound_id}/retry": AuditedRoute(
        "inbound_email.retried", "inbound_email", "inbound_id"
    ),
    "POST /tracking/write-keys": AuditedRoute("write_key.created", "write_key"),
    "DELETE /tracking/write-keys/{write_key_id}": AuditedRoute(
        "write_key.revoked", "write_key", "write_key_id"
    ),
    "PUT /teams/{team_id}/assignment": AuditedRoute("team_assignment.updated", "team", "team_id"),
    "PUT /agents/{user_id}/profile": AuditedRoute("agent_profile.updated", "user", "user_id"),
    "PATCH /users/{user_id}": AuditedRoute("user.updated", "user", "user_id"),
    "DELETE /accounts/{account_id}": AuditedRoute("account.deleted", "account", "account_id"),
    "DELETE /contacts/{contact_id}": AuditedRoute("contact.deleted", "contact", "contact_id"),
    "DELETE /interactions/{interaction_id}": AuditedRoute(
        "interaction.deleted", "interaction", "interaction_id"
    ),
    "DELETE /touchpoints/{touchpoint_id}": AuditedRoute(
        "touchpoint.deleted", "touchpoint", "touchpoint_id"
    ),
    "DELETE /views/{view_id}": AuditedRoute("saved_view.deleted", "saved_view", "view_id"),
    "DELETE /me/tokens/{token_id}": AuditedRoute("token.revoked", "api_token", "token_id"),
    # the customer portal: whether it is on, its branding, and who sees which tickets there
    "PUT /portal/settings": AuditedRoute("portal_settings.updated", "workspace"),
    "PUT /portal/logo": AuditedRoute("portal_logo.updated", "workspace"),
    "DELETE /portal/logo": AuditedRoute("portal_logo.deleted", "workspace"),
    "PUT /contacts/{contact_id}/portal-access": AuditedRoute(
        "portal_access.updated", "contact", "contact_id"
    ),
    "DELETE /knowledge/collections/{collection_id}": AuditedRoute(
        "knowledge_collection.deleted", "knowledge_collection", "collection_id"
    ),
    "DELETE /knowledge/articles/{article_id}": AuditedRoute(
        "knowledge_article.deleted", "knowledge_article", "article_id"
    ),
    "DELETE /knowledge/files/{file_id}": AuditedRoute(
        "knowledge_file.deleted", "knowledge_file", "file_id"
    ),
    "POST /next-actions/decisions": AuditedRoute("next_action.decided", "next_action_decision"),
    "POST /next-actions/decisions/{decision_id}/outcome": AuditedRoute(
        "next_action.outcome_recorded", "next_action_decision", "decision_id"
    ),
}

#: Routes whose service writes the audit entry itself (with a richer detail).
SERVICE_AUDITED: dict[str, str] = {
    "POST /contacts/{contact_id}/merge": "contact.merged",
    "POST /contacts/{contact_id}/erase": "contact.erased",
    "GET /contacts/{contact_id}/export": "contact.exported",
    "POST /tickets/{ticket_id}/merge": "ticket.merged",
    "POST /tickets/{ticket_id}/spam": "ticket.marked_spam",
    "POST /users": "user.created",
    "POST /me/tokens": "token.created",
    "PUT /privacy/retention": "privacy.retention_updated",
    "PUT /text/settings": "text_analytics.mode_updated",
    "PATCH /topics/{topic_id}": "topic.updated",
    "POST /topics/{topic_id}/merge": "topic.merged",
    "GET /topics/recurring-issues.csv": "topics.report_exported",
    "POST /topics/recurring-issues/webhook": "topics.report_exported",
}


def route_key(method: str, path: str) -> str:
    return f"{method} {path.removeprefix(API_PREFIX)}"


def _created_id(body: bytes) -> int | None:
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def record_route_audit(
    session: Session,
    *,
    audited: AuditedRoute,
    principal: Any,
    path_params: dict[str, Any],
    request_json: Any,
    response_body: bytes,
) -> None:
    """Write the entry for one successful call of an audited route."""
    if audited.target_param is not None:
        try:
            target_id: int | None = int(path_params[audited.target_param])
        except (KeyError, TypeError, ValueError):
            target_id = None
    else:
        target_id = _created_id(response_body)
    fields = sorted(request_json) if isinstance(request_json, dict) else []
    record_audit(
        session,
        workspace_id=principal.workspace_id,
        actor_user_id=principal.user_id,
        action=audited.action,
        target_type=audited.target_type,
        target_id=target_id if target_id is not None else 0,
        detail={"fields": fields, "via": principal.via},
    )
