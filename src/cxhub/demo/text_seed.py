"""Text analytics of the demo's customer ticket messages, as the per-message job would store it.

The demo writes tickets in bulk, so no `experience.analyse_message` job runs for them; without
this step the CX dashboard's sentiment by channel and its top negative topics are empty in the
demo. One batch through the shipped fast models (thousands of texts per CPU-second), written in
batches like the rest of the demo, each row dated at its message; the columns come from
`experience.text.service.analysis_values`, the mapping the per-message job stores.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.demo.writer import chunks, table_of
from cxhub.experience.text.analyser import analyse_texts
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.experience.text.service import analysis_values
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage


def analyse_demo_messages(session: Session, *, workspace_id: int, now: datetime) -> int:
    """Analyse every customer message of the workspace's tickets; answers how many were stored."""
    rows = session.execute(
        select(
            TicketMessage.id,
            TicketMessage.ticket_id,
            TicketMessage.body_text,
            TicketMessage.author_contact_id,
            TicketMessage.created_at,
            Ticket.requester_id,
            Ticket.account_id,
        )
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(
            TicketMessage.workspace_id == workspace_id,
            TicketMessage.author_kind == AuthorKind.CUSTOMER,
        )
        .order_by(TicketMessage.id)
    ).all()
    rows = [row for row in rows if row.body_text.strip()]
    if not rows:
        return 0
    results = analyse_texts([row.body_text for row in rows], mode="fast")
    analysed_at = min(now, utcnow())
    records = [
        {
            "workspace_id": workspace_id,
            "source_type": SOURCE_TICKET_MESSAGE,
            "source_id": row.id,
            **analysis_values(
                result,
                ticket_id=row.ticket_id,
                contact_id=row.author_contact_id or row.requester_id,
                account_id=row.account_id,
                written_at=row.created_at,
                analysed_at=analysed_at,
            ),
        }
        for row, result in zip(rows, results, strict=True)
    ]
    table = table_of(TextAnalysisRecord)
    for batch in chunks(records):
        session.execute(insert(table), batch)
    return len(records)
