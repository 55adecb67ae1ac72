"""In-app notifications: someone replied, commented on your proposal, a moderator answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class Notification(db.Model):  # type: ignore[name-defined]
    """One notice for one person, with the page it is about; read_at is set when they mark it read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationDigest(db.Model):  # type: ignore[name-defined]
    """A moderator's wish for an e-mailed digest of new reports (none by default: reports are noticed in
    the site); last_sent_at bounds what the next digest tells."""

    __tablename__ = "moderation_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
