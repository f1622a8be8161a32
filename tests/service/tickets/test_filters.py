"""The ticket filter's SQL shape on SQLite: conditions that indexes must be able to match."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cxhub.service.tickets.filters import UNSOLVED, status_in
from cxhub.service.tickets.models import UNSOLVED_SQL, Ticket


def test_unsolved_statuses_are_written_as_the_partial_index_expects() -> None:
    """SQLite uses `ix_tickets_unsolved` only when the query's status list is, literally, the
    index's: the values written in, in the same order, whatever order the caller gave."""
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        for statuses in (list(UNSOLVED), list(reversed(UNSOLVED))):
            statement = select(Ticket.id).where(status_in(session, statuses))
            sql = str(statement.compile(engine, compile_kwargs={"render_postcompile": True}))
            assert f"tickets.{UNSOLVED_SQL}" in sql
