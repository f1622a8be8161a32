"""Response shapes of agent assist: similar solved tickets and suggested macros."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from cxhub.knowledge.assist.macros import MacroSuggestion
from cxhub.knowledge.assist.similar import SimilarTicket


class SimilarTicketOut(BaseModel):
    ticket_id: int
    number: int
    subject: str
    status: str
    solved_at: datetime | None
    resolution: str
    score: float
    matched_by: list[Literal["keyword", "semantic"]]

    @classmethod
    def of(cls, hit: SimilarTicket) -> SimilarTicketOut:
        return cls.model_validate({**hit.__dict__, "matched_by": list(hit.matched_by)})


class MacroSuggestionOut(BaseModel):
    macro_id: int
    name: str
    reason: Literal["similar_tickets", "text"]
    score: float
    ticket_ids: list[int]
    applied_count: int
    shared_words: list[str]

    @classmethod
    def of(cls, hit: MacroSuggestion) -> MacroSuggestionOut:
        return cls.model_validate(
            {
                **hit.__dict__,
                "ticket_ids": list(hit.ticket_ids),
                "shared_words": list(hit.shared_words),
            }
        )
