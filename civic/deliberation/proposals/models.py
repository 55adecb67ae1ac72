"""Proposals in a consultation, their versions, history, supports and the themes that sort them."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Organisation, User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class Theme(db.Model):  # type: ignore[name-defined]
    """A category a moderator defines for the proposals of one consultation."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    name_fr: Mapped[str] = mapped_column(String(80), default="")
    name_en: Mapped[str] = mapped_column(String(80), default="")


class Proposal(db.Model):  # type: ignore[name-defined]
    """A citizen's proposal: markdown body, lifecycle state, official answer, supports."""

    __tablename__ = "proposals"
    # The list's sorts walk these indexes in order and stop after one page.
    __table_args__ = (
        Index("ix_proposals_newest", "consultation_id", "published_at"),
        Index("ix_proposals_supported", "consultation_id", "support_count"),
        Index("ix_proposals_discussed", "consultation_id", "comment_count"),
    )

    DRAFT = "draft"
    PUBLISHED = "published"
    EVALUATING = "evaluating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    STATES = (DRAFT, PUBLISHED, EVALUATING, ACCEPTED, REJECTED, MERGED, WITHDRAWN)
    OPEN_STATES = (PUBLISHED, EVALUATING)  # may still be supported
    PUBLIC_STATES = (PUBLISHED, EVALUATING, ACCEPTED, REJECTED, MERGED, WITHDRAWN)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # The language the author wrote in (the page's when writing): a lang attribute on other-language pages.
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_html: Mapped[str] = mapped_column(Text, default="")
    # Kept by the services in the same transaction as the supports it counts, for sorting lists.
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    # The visible comments of its thread, kept by the discussion services, for the "most discussed" sort.
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    # Accent-free, stemmed French and English words of title and body (see search.py).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalVersion.number"
    )
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalEvent.id"
    )

    @property
    def moderation_url(self) -> str:
        return url_for("proposals.show", slug=self.consultation.slug, proposal_id=self.id)

    @property
    def moderation_excerpt(self) -> str:
        return self.title

    @property
    def moderation_thread_id(self) -> int | None:
        from civic.deliberation.discussion.models import Thread

        return db.session.scalar(
            select(Thread.id).where(Thread.kind == "proposal", Thread.target_id == self.id)
        )


class ProposalVersion(db.Model):  # type: ignore[name-defined]
    """The text of a proposal before an edit made after it received supports or comments."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class ProposalEvent(db.Model):  # type: ignore[name-defined]
    """One change in a proposal's life, shown as its public history."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # created, published, edited, state, withdrawn
    to_state: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Support(db.Model):  # type: ignore[name-defined]
    """One person's support for one proposal (withdrawable while the phase allows)."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
