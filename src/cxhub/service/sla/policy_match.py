"""Which SLA policy applies to a ticket: first match wins, in the order the admin arranged.

Kept pure (plain values in, plain value out) so the rule is tested without a database and the
same function serves ticket creation, re-evaluation on a change, and a "which policy would apply?"
preview in the admin pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class SlaMetric(StrEnum):
    """What an SLA target measures; one clock per metric per ticket."""

    FIRST_REPLY = "first_reply"
    """From ticket creation to the first public agent reply."""
    NEXT_REPLY = "next_reply"
    """From a customer message to the next public agent reply."""
    PERIODIC_UPDATE = "periodic_update"
    """Between successive public agent updates while the ticket is open."""
    RESOLUTION = "resolution"
    """From ticket creation to solved (time waiting on the customer paused)."""


@dataclass(frozen=True)
class TicketFacts:
    """The ticket attributes a policy can be conditioned on, copied off the ticket."""

    priority: str
    channel: str
    account_tier: str | None = None
    ticket_type: str | None = None
    tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _string_set("tags", self.tags))


@dataclass(frozen=True)
class PolicyConditions:
    """When a policy applies. Each set is a condition; an empty set matches anything.

    A ticket matches when every non-empty condition holds: its priority is in `priorities`, its
    account tier in `account_tiers`, and so on; `tags_any` holds when the ticket has at least one
    of the tags. A ticket without an account tier (or type) fails a non-empty condition on it.
    Values are compared exactly (case-sensitive), so store them normalised.
    """

    priorities: frozenset[str] = frozenset()
    account_tiers: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    ticket_types: frozenset[str] = frozenset()
    tags_any: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # accept any iterable of strings (a list from JSON, a set) but store frozensets
        for condition in fields(self):
            value = getattr(self, condition.name)
            object.__setattr__(self, condition.name, _string_set(condition.name, value))

    def matches(self, facts: TicketFacts) -> bool:
        """Whether every non-empty condition holds for `facts`."""
        return (
            _allows(self.priorities, facts.priority)
            and _allows(self.account_tiers, facts.account_tier)
            and _allows(self.channels, facts.channel)
            and _allows(self.ticket_types, facts.ticket_type)
            and (not self.tags_any or not self.tags_any.isdisjoint(facts.tags))
        )


def select_policy(policies: Sequence[tuple[T, PolicyConditions]], facts: TicketFacts) -> T | None:
    """The first policy, in the given order, whose conditions match `facts`; `None` if none.

    Order is the caller's (the admin-arranged position), so put specific policies before a
    catch-all one with empty conditions.
    """
    for policy, conditions in policies:
        if conditions.matches(facts):
            return policy
    return None


def _allows(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or (value is not None and value in allowed)


def _string_set(name: str, values: Iterable[str]) -> frozenset[str]:
    # a bare string would silently become a set of its characters
    if isinstance(values, str):
        raise ValueError(f"{name} must be a collection of strings, not the string {values!r}")
    return frozenset(values)
