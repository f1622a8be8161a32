"""What happened to each row of an import; shared by every entity's batch importer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cxhub.customers.transfer.records import RowProblem


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class RowOutcome:
    number: int
    status: RowStatus
    problems: list[RowProblem] = field(default_factory=list)

    @classmethod
    def failed(cls, number: int, column: str | None, message: str) -> RowOutcome:
        return cls(number, RowStatus.FAILED, [RowProblem(column, message)])
