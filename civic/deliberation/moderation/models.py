"""Flags and the append-only moderation log (sanctions are the accounts' own: civic.accounts.models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

REASONS = ("spam", "offensive", "off-topic", "personal-information", "other")
ACTIONS = ("hide", "auto-hide", "restore", "lock", "unlock", "suspend", "ban", "lift")


class Flag(db.Model):  # type: ignore[name-defined]
    """One person's report of a proposal or comment; who flagged is never shown publicly."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("kind", "target_id", "user_id", name="uq_flags_target_user"),
        Index("ix_flags_consultation_resolved", "consultation_id", "resolved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    # A moderator's hide or restore settles the flags raised so far.
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationAction(db.Model):  # type: ignore[name-defined]
    """One line of the append-only moderation log: rows are never updated nor deleted (see below)."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Site-wide sanctions taken from a consultation's queue keep that consultation; otherwise None.
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # comment, proposal, thread, user
    target_id: Mapped[int] = mapped_column(Integer)
    # The public reason; empty for automatic hiding (shown as "pending review").
    reason: Mapped[str] = mapped_column(Text, default="")
    # None when the system acted (enough flags). Kept for accountability, never shown publicly.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove a moderation log entry."""


@event.listens_for(ModerationAction, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: ModerationAction) -> None:
    raise AppendOnlyError(f"moderation log entry {target.id} cannot be changed")


@event.listens_for(ModerationAction, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: ModerationAction) -> None:
    raise AppendOnlyError(f"moderation log entry {target.id} cannot be deleted")
