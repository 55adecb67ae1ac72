"""Read models for notifications: the list and the unread count shown in the header."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.accounts.models import User
from civic.extensions import db
from civic.notifications.models import Notification

PAGE = 50


def unread_count(user_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(user: User, page: int = 1) -> tuple[list[Notification], bool]:
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * PAGE)
            .limit(PAGE + 1)
        )
    )
    return rows[:PAGE], len(rows) > PAGE
