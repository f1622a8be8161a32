"""Suggested macro: which of the workspace's macros fits the open ticket, and why.

1. **Applied to similar tickets** (a nearest-neighbour vote): the `NEIGHBOURS` tickets most
   similar to this one (any status; `similar.ranked_neighbours`, keyword and semantic fused) vote
   for the macros applied to them, each vote worth its fused similarity score, so a macro applied
   to the closest tickets wins. The reason names those tickets.
2. **Text similarity** (fallback, for macros never applied to a similar ticket): cosine of the
   word sets of the ticket's question and the macro's name, reply and note (analysed like search:
   folded, function words dropped, Chinese bigrams). The reason names the shared words.

Macros already applied to this ticket are not suggested again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxhub.knowledge.assist.service import ticket_question
from cxhub.knowledge.assist.similar import ranked_neighbours
from cxhub.knowledge.search.index import query_tokens
from cxhub.service.automations.macros import active_macros, macro_applications
from cxhub.service.automations.rules import Macro

NEIGHBOURS = 30
#: Below this text cosine a macro is not suggested on its words alone.
TEXT_FLOOR = 0.15
SHOWN_TICKETS = 3
SHOWN_WORDS = 5


@dataclass(frozen=True)
class MacroSuggestion:
    macro_id: int
    name: str
    #: "similar_tickets" or "text"
    reason: str
    score: float
    #: similar tickets the macro was applied to (best first, at most `SHOWN_TICKETS`)
    ticket_ids: tuple[int, ...] = ()
    #: how many of the `NEIGHBOURS` most similar tickets it was applied to
    applied_count: int = 0
    #: words the ticket and the macro share (reason "text")
    shared_words: tuple[str, ...] = ()


def macro_text(macro: Macro) -> str:
    bodies = [str(getattr(action, "body", "")) for action in macro.actions]
    return "\n".join([macro.name, *bodies])


def text_similarity(question_words: list[str], macro_words: list[str]) -> float:
    """Cosine of two word sets: |A ∩ B| / √(|A|·|B|); 0 when either is empty."""
    a, b = set(question_words), set(macro_words)
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def vote(
    neighbours: list[tuple[int, float]], applications: list[tuple[int, int]]
) -> dict[int, tuple[float, list[int]]]:
    """macro id -> (Σ similarity score of the neighbours it was applied to, those tickets best
    first). `neighbours` is (ticket id, score) best first."""
    applied: dict[int, set[int]] = {}
    for ticket_id, macro_id in applications:
        applied.setdefault(ticket_id, set()).add(macro_id)
    votes: dict[int, tuple[float, list[int]]] = {}
    for ticket_id, score in neighbours:
        for macro_id in applied.get(ticket_id, ()):
            total, tickets = votes.get(macro_id, (0.0, []))
            votes[macro_id] = (total + score, [*tickets, ticket_id])
    return votes


def suggest_macros(
    session: Session, *, workspace_id: int, ticket_id: int, limit: int = 3
) -> list[MacroSuggestion]:
    """The best macros for the ticket, best first (neighbour votes before text matches)."""
    question, _language = ticket_question(session, ticket_id=ticket_id)  # 404 first
    macros = {macro.id: macro for macro in active_macros(session)}
    if not macros:
        return []
    done = {m for _, m in macro_applications(session, ticket_ids=[ticket_id])}
    neighbours = [
        (tid, score)
        for tid, score, _ in ranked_neighbours(
            session,
            workspace_id=workspace_id,
            question=question,
            exclude_id=ticket_id,
            solved_only=False,
            limit=NEIGHBOURS,
        )[:NEIGHBOURS]
    ]
    votes = vote(neighbours, macro_applications(session, ticket_ids=[t for t, _ in neighbours]))
    suggestions = [
        MacroSuggestion(
            macro_id=macro_id,
            name=macros[macro_id].name,
            reason="similar_tickets",
            score=round(total, 6),
            ticket_ids=tuple(tickets[:SHOWN_TICKETS]),
            applied_count=len(tickets),
        )
        for macro_id, (total, tickets) in votes.items()
        if macro_id in macros and macro_id not in done
    ]
    suggestions.sort(key=lambda s: (-s.score, s.macro_id))
    words = query_tokens(question)
    by_text: list[MacroSuggestion] = []
    for macro_id, macro in macros.items():
        if macro_id in votes or macro_id in done:
            continue
        macro_words = query_tokens(macro_text(macro))
        similarity = text_similarity(words, macro_words)
        if similarity >= TEXT_FLOOR:
            shared = [w for w in words if w in set(macro_words)][:SHOWN_WORDS]
            by_text.append(
                MacroSuggestion(
                    macro_id=macro_id,
                    name=macro.name,
                    reason="text",
                    score=round(similarity, 6),
                    shared_words=tuple(shared),
                )
            )
    by_text.sort(key=lambda s: (-s.score, s.macro_id))
    return (suggestions + by_text)[:limit]
