"""Read models for notifications: the list and the unread count shown in the header."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation
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


def unread_counts(user_ids: set[int]) -> dict[int, int]:
    """Each of these people's unread count, in one query (those with none are left out)."""
    rows = db.session.execute(
        select(Notification.user_id, func.count(Notification.id))
        .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
        .group_by(Notification.user_id)
    )
    return {int(user_id): int(count) for user_id, count in rows}


def recent(user: User, page: int = 1) -> tuple[list[Notification], bool]:
    """A page of the person's notifications, without those of consultations they can no longer see
    (taken back to draft, or closed to members since)."""
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * PAGE)
            .limit(PAGE + 1)
        )
    )
    ids = {row.consultation_id for row in rows if row.consultation_id is not None}
    consultations = {
        c.id: c
        for c in db.session.scalars(
            select(Consultation)
            .where(Consultation.id.in_(ids))
            .options(selectinload(Consultation.moderators))
        )
    }
    shown = [
        row
        for row in rows
        if row.consultation_id is None
        or (
            row.consultation_id in consultations
            and can_view_consultation(user, consultations[row.consultation_id])
        )
    ]
    return shown[:PAGE], len(rows) > PAGE
