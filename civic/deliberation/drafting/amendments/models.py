"""Amendments: proposed replacements of one passage of a document, their supports and consent polls."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.deliberation.drafting.models import Document
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class Amendment(db.Model):  # type: ignore[name-defined]
    """A proposed replacement of one passage of a document in suggest mode, with its reason.

    Its place is the text as of update `base_update_id` and the code-point offsets of the passage in it;
    later edits are mapped onto them through the difference between that text and the current one (see
    services.locate), so edits elsewhere do not misplace it. It applies only while the passage is intact.
    """

    __tablename__ = "amendments"
    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_amendments_number"),
        Index("ix_amendments_document_id_status", "document_id", "status"),
    )

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OUTDATED = "outdated"  # another accepted amendment changed its passage
    STATUSES = (OPEN, ACCEPTED, REJECTED, OUTDATED)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE", name="fk_amendments_document_id")
    )
    number: Mapped[int] = mapped_column(Integer)  # "amendment no. N" within its document
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_amendments_author_id"), index=True
    )
    passage: Mapped[str] = mapped_column(Text)
    replacement: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    reason_html: Mapped[str] = mapped_column(Text, default="")
    base_update_id: Mapped[int] = mapped_column(Integer, default=0)
    passage_start: Mapped[int] = mapped_column(Integer, default=0)
    passage_end: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    # "" no consent poll, "open" while participants answer, "closed" once counted.
    consent: Mapped[str] = mapped_column(String(10), default="")
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_html: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_amendments_decided_by_id")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_update_id: Mapped[int | None] = mapped_column(Integer)  # the update row that applied it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def url(self) -> str:
        return url_for(
            "amendments.show",
            slug=self.document.consultation.slug,
            document_id=self.document_id,
            number=self.number,
        )


class AmendmentSupport(db.Model):  # type: ignore[name-defined]
    """One person's support of an amendment (one each, withdrawable)."""

    __tablename__ = "amendment_supports"

    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE", name="fk_amendment_supports_amendment_id"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE", name="fk_amendment_supports_user_id"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AmendmentVote(db.Model):  # type: ignore[name-defined]
    """One person's answer in an amendment's consent poll: agree, abstain, disagree or block."""

    __tablename__ = "amendment_votes"

    RESPONSES = ("agree", "abstain", "disagree", "block")

    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE", name="fk_amendment_votes_amendment_id"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE", name="fk_amendment_votes_user_id"), primary_key=True
    )
    response: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
