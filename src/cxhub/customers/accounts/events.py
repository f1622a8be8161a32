"""Events the accounts sub-domain publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class AccountCreated(DomainEvent):
    name: ClassVar[str] = "account.created"
    account_id: int


@domain_event
class AccountDeleted(DomainEvent):
    name: ClassVar[str] = "account.deleted"
    account_id: int
