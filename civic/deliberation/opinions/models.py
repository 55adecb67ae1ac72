"""Opinion maps, their statements, participants (people with an account, or imported ones) and votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class OpinionMap(db.Model):  # type: ignore[name-defined]
    """A question put to a consultation: people vote on short statements and the analysis maps opinions."""

    __tablename__ = "opinion_maps"

    OPEN = "open"
    CLOSED = "closed"
    STATUSES = (OPEN, CLOSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    question_fr: Mapped[str] = mapped_column(String(300), default="")
    question_en: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    # Participants may add statements (moderators always may).
    allow_statements: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where an imported map came from (e.g. a Pol.is conversation's topic); empty otherwise.
    imported_from: Mapped[str] = mapped_column(String(300), default="")
    # Kept by the services in the vote's transaction: the pages' figures and the analysis's trigger.
    participant_count: Mapped[int] = mapped_column(Integer, default=0)
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    # The last vote, statement or moderation: the analysis is out of date while this is newer than
    # the moment its input was read.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    analysis: Mapped[OpinionAnalysis | None] = relationship(
        back_populates="map", cascade="all, delete-orphan", uselist=False, lazy="select"
    )


class OpinionAnalysis(db.Model):  # type: ignore[name-defined]
    """The last finished analysis of a map, kept when a later run fails, and the claim of the run under way.

    `claimed_at` is set by the one process that runs the map (an atomic UPDATE … WHERE claimed_at IS
    NULL or stale): with several processes, each map runs in one at a time.
    """

    __tablename__ = "opinion_analyses"

    map_id: Mapped[int] = mapped_column(ForeignKey("opinion_maps.id", ondelete="CASCADE"), primary_key=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The map's changed_at as the run read its votes: a later change calls for another run.
    input_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(300), default="")

    map: Mapped[OpinionMap] = relationship(back_populates="analysis")


class Participant(db.Model):  # type: ignore[name-defined]
    """Someone who took part in a map: a person with an account, or one from an imported conversation."""

    __tablename__ = "opinion_participants"
    __table_args__ = (
        UniqueConstraint("map_id", "user_id", name="uq_opinion_participants_map_user"),
        UniqueConstraint("map_id", "external_id", name="uq_opinion_participants_map_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("opinion_maps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The participant's id in an imported export (or a demo participant's name); None for people here.
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Statement(db.Model):  # type: ignore[name-defined]
    """A short statement people vote on; flagged, hidden and restored through the moderation package."""

    __tablename__ = "opinion_statements"
    __table_args__ = (UniqueConstraint("map_id", "number", name="uq_opinion_statements_map_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("opinion_maps.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    # Its number in the map (Pol.is's comment id in exports), from 0.
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("opinion_participants.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Written by the map's moderators to start the conversation.
    seed: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Kept by the services in the vote's transaction (the order of statements needs them at once).
    agree_count: Mapped[int] = mapped_column(Integer, default=0)
    disagree_count: Mapped[int] = mapped_column(Integer, default=0)
    pass_count: Mapped[int] = mapped_column(Integer, default=0)
    important_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    map: Mapped[OpinionMap] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def vote_total(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count

    @property
    def moderation_url(self) -> str:
        return url_for(
            "opinions.statement", slug=self.map.consultation.slug, map_id=self.map_id, statement_id=self.id
        )

    @property
    def moderation_excerpt(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 200 else text[:199] + "…"


class OpinionVote(db.Model):  # type: ignore[name-defined]
    """A participant's vote on a statement: 1 agree, -1 disagree, 0 pass; the last one counts."""

    __tablename__ = "opinion_votes"
    __table_args__ = (
        UniqueConstraint("statement_id", "participant_id", name="uq_opinion_votes_statement_participant"),
        Index("ix_opinion_votes_map_participant", "map_id", "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("opinion_maps.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("opinion_statements.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("opinion_participants.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)
    # "This matters to me".
    important: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
