"""Positions put forward for endorsement, their frozen versions, endorsements and their append-only history.

An endorsement is one endorser's standing on one position: an organisation (given by one of its
representatives, with a signatory and a mandate) or a person. Its row holds the current state; every
change is also written as an `EndorsementEvent`, a row that is never updated nor deleted, so the public
history can always be read back (and the current state recomputed from it: civic.coalitions.history.replay).
Position versions are frozen too: republishing adds a version, it never edits one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Organisation, User
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

ENDORSE = "endorse"
RESERVATIONS = "reservations"
STAND_ASIDE = "stand_aside"
OPPOSE = "oppose"
STANCES = (ENDORSE, RESERVATIONS, STAND_ASIDE, OPPOSE)
# Stances that support the text: the only ones a condition may qualify, and those a badge counts.
SUPPORTING = (ENDORSE, RESERVATIONS)

# Condition states: none, waiting for the amendment's decision, amendment accepted, not accepted.
NO_CONDITION, PENDING, MET, FAILED = "", "pending", "met", "failed"

# Event kinds, in the words of the history.
GIVEN = "given"  # a first endorsement, or a new one after a revocation
CHANGED = "changed"  # another stance (a reason is required)
UPDATED = "updated"  # same stance: statement, signatory, mandate, condition or name display changed
RECONFIRMED = "reconfirmed"  # moved to the position's current version
REVOKED = "revoked"  # withdrawn (a reason is required)
CONDITION_MET = "condition_met"
CONDITION_FAILED = "condition_failed"
MANDATE_EXPIRED = "mandate_expired"
EVENT_KINDS = (
    GIVEN,
    CHANGED,
    UPDATED,
    RECONFIRMED,
    REVOKED,
    CONDITION_MET,
    CONDITION_FAILED,
    MANDATE_EXPIRED,
)


class Position(db.Model):  # type: ignore[name-defined]
    """A text put forward for endorsement in a consultation (a campaign), with its endorsement period."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The co-drafted document its text comes from: conditions may name only this document's amendments.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "position_versions.id", ondelete="SET NULL", use_alter=True, name="fk_positions_current_version"
        )
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PositionVersion(db.Model):  # type: ignore[name-defined]
    """One frozen text of a position: French and English, one of them the reference, and its content hash.

    `content_hash` is civic.coalitions.content.content_hash of the texts and the reference language
    (docs/coalitions.md shows how to recompute it). The source is copied at publication: a later change
    to the document or the proposal changes nothing here.
    """

    __tablename__ = "position_versions"
    __table_args__ = (UniqueConstraint("position_id", "number", name="uq_position_versions_number"),)

    SOURCES = ("document", "proposal", "text")

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(2))  # "fr" or "en"
    text_fr: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    html_fr: Mapped[str] = mapped_column(Text, default="")
    html_en: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))
    # What the text was copied from, as it was named then (a document version, a proposal's title).
    source_label: Mapped[str] = mapped_column(String(300), default="")
    document_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="SET NULL")
    )
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    # What changed since the previous version (markdown; required from version 2).
    note: Mapped[str] = mapped_column(Text, default="")
    note_html: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Endorsement(db.Model):  # type: ignore[name-defined]
    """One endorser's current standing on a position, pinned to the version (and hash) they endorsed.

    `endorser` is "o:<organisation id>" or "u:<person id>": one endorsement per organisation and per
    person per position (the unique key), which moves to a new version only when they reconfirm.
    """

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("position_id", "endorser", name="uq_endorsements_endorser"),
        # Organisations' counts by stance read one position's rows through this index.
        Index(
            "ix_endorsements_counts",
            "position_id",
            "active",
            "organisation_id",
            "version_id",
            "stance",
            "condition_state",
        ),
        # The named citizens, newest first, a page at a time.
        Index("ix_endorsements_named", "position_id", "active", "organisation_id", "show_name", "id"),
        # What the pages check for (catch_up): the few endorsements with a condition or an expiry to watch.
        Index("ix_endorsements_watched", "position_id", "watched"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("position_versions.id", ondelete="CASCADE"))
    endorser: Mapped[str] = mapped_column(String(24))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The person, for a citizen's endorsement; None for an organisation's.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Who acted last: the citizen, or the representative who acted for the organisation (shown to the
    # organisation's representatives only).
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stance: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text, default="")
    statement_html: Mapped[str] = mapped_column(Text, default="")
    # A citizen's choice to be shown by name; otherwise they are counted, never named.
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    signatory_name: Mapped[str] = mapped_column(String(120), default="")
    signatory_role: Mapped[str] = mapped_column(String(120), default="")
    mandate_body: Mapped[str] = mapped_column(String(120), default="")
    mandate_date: Mapped[date | None] = mapped_column(Date)
    mandate_scope: Mapped[str] = mapped_column(String(300), default="")
    mandate_expires: Mapped[date | None] = mapped_column(Date)
    mandate_url: Mapped[str] = mapped_column(String(300), default="")
    condition_amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="SET NULL"), index=True
    )
    condition_number: Mapped[int | None] = mapped_column(Integer)
    condition_state: Mapped[str] = mapped_column(String(10), default=NO_CONDITION)
    # The content hash of the version endorsed (the version's own, copied: what was read).
    content_hash: Mapped[str] = mapped_column(String(64))
    # Counts the events written: a form carries the revision it was filled from, so a change made
    # meanwhile (another tab, another representative) is never overwritten blindly.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Set once the expiry of the current mandate has been written to the history.
    expiry_noted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Something may happen to it by itself: a condition still pending, or a mandate expiry not yet
    # recorded (kept by the services with the fields it sums up; see resolution.catch_up).
    watched: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    version: Mapped[PositionVersion] = relationship()

    @property
    def is_organisation(self) -> bool:
        return self.organisation_id is not None

    def rewatch(self) -> None:
        """Recompute `watched` from the condition and the mandate (after any change to them)."""
        self.watched = self.condition_state == PENDING or (
            self.mandate_expires is not None and not self.expiry_noted
        )


class CitizenTally(db.Model):  # type: ignore[name-defined]
    """How many citizens' active endorsements of a position share a version, stance, condition state and
    choice of being named: kept by the services in the transaction that changes them (civic.coalitions
    .tallies), so that a page counts 50,000 citizens by reading a few rows. Organisations are counted
    from their endorsements directly (a few thousand rows, and their verification changes elsewhere)."""

    __tablename__ = "citizen_tallies"

    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("position_versions.id", ondelete="CASCADE"), primary_key=True
    )
    stance: Mapped[str] = mapped_column(String(20), primary_key=True)
    condition_state: Mapped[str] = mapped_column(String(10), primary_key=True)
    named: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class EndorsementEvent(db.Model):  # type: ignore[name-defined]
    """One line of an endorsement's public history: never updated nor deleted (see below).

    Each row is a full snapshot of the endorsement after the event, so that the history reads alone
    and history.replay can recompute the current state from it.
    """

    __tablename__ = "endorsement_events"
    __table_args__ = (
        Index("ix_endorsement_events_position", "position_id", "id"),
        Index("ix_endorsement_events_endorsement", "endorsement_id", "id"),
        Index("ix_endorsement_events_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(ForeignKey("endorsements.id", ondelete="CASCADE"))
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # None when the site acted (a condition resolved, a mandate expired).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(ForeignKey("position_versions.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    stance: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text, default="")
    statement_html: Mapped[str] = mapped_column(Text, default="")
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the stance changed or the endorsement was revoked (markdown), or what resolved a condition.
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_html: Mapped[str] = mapped_column(Text, default="")
    signatory_name: Mapped[str] = mapped_column(String(120), default="")
    signatory_role: Mapped[str] = mapped_column(String(120), default="")
    mandate_body: Mapped[str] = mapped_column(String(120), default="")
    mandate_date: Mapped[date | None] = mapped_column(Date)
    mandate_scope: Mapped[str] = mapped_column(String(300), default="")
    mandate_expires: Mapped[date | None] = mapped_column(Date)
    mandate_url: Mapped[str] = mapped_column(String(300), default="")
    condition_amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="SET NULL")
    )
    condition_number: Mapped[int | None] = mapped_column(Integer)
    condition_state: Mapped[str] = mapped_column(String(10), default=NO_CONDITION)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HistoryRewritten(RuntimeError):
    """Raised on any attempt to change or remove a published version or a line of an endorsement's history."""


@event.listens_for(EndorsementEvent, "before_update")
def _refuse_event_update(_mapper: Any, _connection: Any, target: EndorsementEvent) -> None:
    raise HistoryRewritten(f"endorsement event {target.id} cannot be changed")


@event.listens_for(EndorsementEvent, "before_delete")
def _refuse_event_delete(_mapper: Any, _connection: Any, target: EndorsementEvent) -> None:
    raise HistoryRewritten(f"endorsement event {target.id} cannot be deleted")


@event.listens_for(PositionVersion, "before_update")
def _refuse_version_update(_mapper: Any, _connection: Any, target: PositionVersion) -> None:
    raise HistoryRewritten(f"position version {target.id} is frozen")


@event.listens_for(PositionVersion, "before_delete")
def _refuse_version_delete(_mapper: Any, _connection: Any, target: PositionVersion) -> None:
    raise HistoryRewritten(f"position version {target.id} cannot be deleted")
