"""Threads (one per commentable), comments stored as a materialized path, revisions and helpful votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

# Each comment's path is its ancestors' ids and its own, zero-padded so that ordering by path walks the
# tree depth first in posting order: one ordered query loads a whole thread.
PATH_DIGITS = 10
STANCES = ("favour", "against", "neutral")


def path_segment(comment_id: int) -> str:
    return str(comment_id).zfill(PATH_DIGITS)


class Thread(db.Model):  # type: ignore[name-defined]
    """The discussion of one commentable, identified generically by (kind, target_id)."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("kind", "target_id", name="uq_threads_kind_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    # The author of the commentable (a proposal's author), told when someone comments on it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Visible comments (neither deleted nor hidden), kept by the services; the commentable may keep a copy
    # (see commentables.py). top_level_count counts every top-level comment posted, for paging.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    top_level_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):  # type: ignore[name-defined]
    """A comment or a reply; deleted and hidden comments stay as placeholders so their replies remain."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_thread_depth_created", "thread_id", "depth", "created_at"),
        Index("ix_comments_root_path", "root_id", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    # The top-level comment this one descends from (itself for a top-level comment).
    root_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(2000), default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The language the author wrote in (the page's when writing): a lang attribute on other-language pages.
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    stance: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by an edit after the grace period: the page shows "edited" and the earlier text is kept.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Denormalised counters keep the page to a constant number of queries.
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    descendant_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_up: Mapped[int] = mapped_column(Integer, default=0)
    helpful_down: Mapped[int] = mapped_column(Integer, default=0)
    helpful_score: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    thread: Mapped[Thread] = relationship()

    @property
    def visible(self) -> bool:
        return not (self.deleted or self.hidden)

    @property
    def moderation_url(self) -> str:
        from flask import url_for

        return url_for("discussion.comment", comment_id=self.id, _anchor=f"comment-{self.id}")

    @property
    def moderation_excerpt(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 200 else text[:199] + "…"

    @property
    def moderation_thread_id(self) -> int:
        return self.thread_id


class CommentRevision(db.Model):  # type: ignore[name-defined]
    """The text a comment had before an edit made after the grace period."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # When this text was written (the comment's creation or its previous edit).
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentVote(db.Model):  # type: ignore[name-defined]
    """One person's "helpful" (+1) or "not helpful" (-1) vote on a comment."""

    __tablename__ = "comment_votes"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_votes_comment_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
