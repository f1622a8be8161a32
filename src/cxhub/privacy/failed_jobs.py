"""An erased person in the job queue's failed-job records.

The Redis job queue keeps each job that failed its last attempt, with its payload and last error,
for admins to list and retry (ADR 0022). Those can name the person: the id of their contact or
of one of their tickets, a help-centre search they typed, an address quoted in an error. The
database part of an erasure cannot reach Redis (it is not in the transaction), so it records
what identifies the person in the erasure's `pending` part, and the file part (after the commit)
deletes the matching records with dramatiq's dead-letter copies. `pending` is emptied when the
file part completes, so the identifiers do not outlive it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from cxhub.core.redaction import PersonalTokens

#: Payload keys that hold contact ids / ticket ids (a job's own naming: `contact_id`,
#: `contact_ids`, `forget` of merged contacts, `winner_id`/`loser_id` of a contact merge's
#: survey clocks; `ticket_id`, `followup_ticket_id`, ...).
_CONTACT_KEYS = ("contact", "forget", "winner", "loser")
_TICKET_KEYS = ("ticket",)
#: Identifiers shorter than this ("42") are looked for as whole payload values only: found
#: inside text they would match ids, counts and times of other people's jobs.
_SHORTEST_IN_TEXT = 5


@dataclass(frozen=True)
class PersonInJobs:
    contact_ids: frozenset[int]
    ticket_ids: frozenset[int]
    tokens: PersonalTokens

    @classmethod
    def of(
        cls, *, contact_ids: Iterable[int], ticket_ids: Iterable[int], tokens: PersonalTokens
    ) -> PersonInJobs:
        return cls(frozenset(contact_ids), frozenset(ticket_ids), tokens)

    def to_pending(self) -> dict[str, Any]:
        """For the erasure record's `pending` (JSON), emptied when the file part completes."""
        return {
            "contact_ids": sorted(self.contact_ids),
            "ticket_ids": sorted(self.ticket_ids),
            "emails": sorted(self.tokens.emails),
            "phones": sorted(self.tokens.phones),
            "other_identifiers": sorted(self.tokens.other_identifiers),
            "full_names": sorted(self.tokens.full_names),
        }

    @classmethod
    def from_pending(cls, data: dict[str, Any]) -> PersonInJobs:
        return cls.of(
            contact_ids=(int(i) for i in data.get("contact_ids", [])),
            ticket_ids=(int(i) for i in data.get("ticket_ids", [])),
            tokens=PersonalTokens.of(
                emails=data.get("emails", []),
                phones=data.get("phones", []),
                other_identifiers=data.get("other_identifiers", []),
                full_names=data.get("full_names", []),
            ),
        )

    def mentioned_by(self, payload: dict[str, Any], error: str) -> bool:
        """Whether a failed job's payload or error names the person: one of their contact or
        ticket ids under a contact/ticket key, an identifier as a whole payload value, or an
        identifier or full name as a whole word in any text (`ada@x.test` names them,
        `xada@x.test` does not). Deleting another person's record would lose their job."""
        return self._in_text(error) or self._in_value(payload, key="")

    @cached_property
    def _identifiers(self) -> frozenset[str]:
        tokens = self.tokens
        return frozenset(
            value.casefold()
            for value in (*tokens.emails, *tokens.phones, *tokens.other_identifiers)
        )

    @cached_property
    def _text_pattern(self) -> re.Pattern[str] | None:
        in_text = replace(
            self.tokens,
            other_identifiers=frozenset(
                i for i in self.tokens.other_identifiers if len(i) >= _SHORTEST_IN_TEXT
            ),
        )
        alternatives = in_text.pattern(identifying_only=True)
        if alternatives is None:
            return None
        return re.compile(rf"(?<!\w)(?:{alternatives.pattern})(?!\w)", re.IGNORECASE)

    def _in_text(self, text: str) -> bool:
        return (
            bool(text) and self._text_pattern is not None and bool(self._text_pattern.search(text))
        )

    def _in_value(self, value: Any, *, key: str) -> bool:
        if isinstance(value, dict):
            return any(
                self._in_text(str(k)) or self._in_value(v, key=str(k).lower())
                for k, v in value.items()
            )
        if isinstance(value, list | tuple):
            return any(self._in_value(v, key=key) for v in value)
        if isinstance(value, str):
            return (
                value.strip().casefold() in self._identifiers
                or self._in_text(value)
                or self._is_own_id(value, key)
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return self._is_own_id(value, key)
        return False

    def _is_own_id(self, value: int | str, key: str) -> bool:
        if isinstance(value, str):
            if not value.isdigit():
                return False
            value = int(value)
        if any(part in key for part in _CONTACT_KEYS):
            return value in self.contact_ids
        if any(part in key for part in _TICKET_KEYS):
            return value in self.ticket_ids
        return False
