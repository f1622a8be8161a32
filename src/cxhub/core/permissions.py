"""Roles and what each may do: one matrix, read by the API, the UI and the docs.

Permissions are `<area>:<action>` strings. Domains add their areas here as they land, so the
whole policy can be reviewed in one screen (docs/permissions.md is checked against it by a test).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CSM = "csm"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Permission(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CUSTOMERS_MERGE = "customers:merge"
    CUSTOMERS_DELETE = "customers:delete"
    INTERACTIONS_READ = "interactions:read"
    INTERACTIONS_WRITE = "interactions:write"
    PEOPLE_READ = "people:read"
    PEOPLE_MANAGE = "people:manage"
    TOKENS_OWN = "tokens:own"
    DATA_EXPORT = "data:export"
    DATA_IMPORT = "data:import"
    AUDIT_READ = "audit:read"
    PRIVACY_MANAGE = "privacy:manage"
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    TICKETS_MANAGE = "tickets:manage"
    SERVICE_CONFIGURE = "service:configure"
    SUCCESS_READ = "success:read"
    SUCCESS_WRITE = "success:write"
    KNOWLEDGE_READ = "knowledge:read"
    KNOWLEDGE_WRITE = "knowledge:write"
    JOURNEYS_CONFIGURE = "journeys:configure"


_READ = {
    Permission.CUSTOMERS_READ,
    Permission.INTERACTIONS_READ,
    Permission.PEOPLE_READ,
    Permission.TOKENS_OWN,
    Permission.TICKETS_READ,
    Permission.SUCCESS_READ,
    Permission.KNOWLEDGE_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AGENT: frozenset(
        _READ
        | {
            Permission.CUSTOMERS_WRITE,
            Permission.CUSTOMERS_MERGE,
            Permission.INTERACTIONS_WRITE,
            Permission.TICKETS_WRITE,
            Permission.TICKETS_MANAGE,
            Permission.KNOWLEDGE_WRITE,
        }
    ),
    Role.CSM: frozenset(
        _READ
        | {
            Permission.CUSTOMERS_WRITE,
            Permission.CUSTOMERS_MERGE,
            Permission.INTERACTIONS_WRITE,
            Permission.TICKETS_WRITE,
            Permission.DATA_EXPORT,
            Permission.SUCCESS_WRITE,
        }
    ),
    Role.ANALYST: frozenset(_READ | {Permission.DATA_EXPORT}),
    Role.VIEWER: frozenset(_READ),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
