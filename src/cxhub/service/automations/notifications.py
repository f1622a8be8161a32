"""In-app notifications for other domains: one function, so they need not know the table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.service.automations.models import UserNotification


def notify_user(
    session: Session, *, workspace_id: int, user_id: int, subject: str, body: str = ""
) -> UserNotification:
    """An unread notification for a user (listed by `GET /api/v1/me/notifications`)."""
    row = UserNotification(
        workspace_id=workspace_id, user_id=user_id, subject=subject[:500], body=body
    )
    session.add(row)
    session.flush()
    return row
