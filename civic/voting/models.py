"""Polls in a consultation: options, who may vote, who voted, the ballots (a hash chain), the result.

Secrecy lives in the schema: `Participation` (that someone voted) and `Ballot` (what was voted) share
no id and no timestamp, and no row of the database holds a person's id next to a secret ballot. A
participation is keyed by (poll, voter) where `voter` is a pseudonym: an HMAC of the poll and the person
under a key derived from the server secret, which is never stored in the database. Ballot ids are random.
A poll that allows changes tags each ballot with another keyed pseudonym (`voter_tag`) that also
covers the poll's `tag_salt`, erased at closing: after that no one, not even with the server secret, can
tell whose ballot a tag is.

Below the schema, rows keep traces of when they were written while the poll is open (PostgreSQL's heap
order and transaction ids, SQLite's pages and write-ahead log); closing the poll writes its
participations again in key order and then has the database drop the old row versions
(civic.voting.closing, civic.database.erase_old_row_versions).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Organisation, User
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

poll_organisations = Table(
    "poll_organisations",
    db.metadata,
    Column("poll_id", Integer, ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)

poll_invitees = Table(
    "poll_invitees",
    db.metadata,
    Column("poll_id", Integer, ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Poll(db.Model):  # type: ignore[name-defined]
    """A question put to a vote in a consultation, with its method, dates, eligibility and secrecy."""

    __tablename__ = "polls"

    ELIGIBILITIES = ("registered", "organisations", "invited")
    SECRECIES = ("secret", "public")

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    question_fr: Mapped[str] = mapped_column(String(300), default="")
    question_en: Mapped[str] = mapped_column(String(300), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_html_fr: Mapped[str] = mapped_column(Text, default="")
    description_html_en: Mapped[str] = mapped_column(Text, default="")
    # A name of civic.voting.counting.registry.METHODS, or "consent".
    method: Mapped[str] = mapped_column(String(30))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    rules_preset: Mapped[str] = mapped_column(String(30), default="default")
    # Highest score or grade on score, STAR and majority-judgment ballots (the lowest is 0).
    max_score: Mapped[int] = mapped_column(Integer, default=5)
    # Consent: this many blocks stop a proposal.
    block_threshold: Mapped[int] = mapped_column(Integer, default=1)
    # Tie-breaks by lot draw from this seed, fixed when the poll is created and published with the result.
    seed: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eligibility: Mapped[str] = mapped_column(String(20), default="registered")
    secrecy: Mapped[str] = mapped_column(String(10), default="secret")
    allow_changes: Mapped[bool] = mapped_column(Boolean, default=False)
    # The chain: its length, the hash of its last record and the server's signature of both
    # (civic.voting.audit.records.head_message). Casting locks this row to append.
    chain_length: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default="")
    head_signature: Mapped[str] = mapped_column(String(128), default="")
    # The checkpoint window (its start) of the last ballot: the next ballot in a later window publishes
    # the head as it stood at that window's start (civic.voting.chain.checkpoint_before_cast).
    head_window: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every voter tag while the poll is open; set to NULL at closing so tags name no one.
    tag_salt: Mapped[str | None] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    voter_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set once, when the poll is counted; the result never changes afterwards.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    result_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollOption.position"
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=poll_organisations, order_by=Organisation.name
    )
    invitees: Mapped[list[User]] = relationship(secondary=poll_invitees, order_by=User.display_name)


class PollOption(db.Model):  # type: ignore[name-defined]
    """One option of a poll (free text in French and English), in the order the poll lists them."""

    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label_fr: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")
    # An option may stand for a proposal of the consultation; its labels then copy the title.
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), index=True
    )

    poll: Mapped[Poll] = relationship(back_populates="options")

    @property
    def name(self) -> str:
        """The option's name in counts and ballot files: its French label, else its English one."""
        return self.label_fr or self.label_en


class Participation(db.Model):  # type: ignore[name-defined]
    """That someone voted in a poll, under a keyed pseudonym: no person id, no row id, no time.

    The primary key (poll, voter) is the one-ballot-per-person guarantee under concurrency; `voter` is
    civic.voting.chain.participant(poll, person). `form_nonce` is the hash of the last ballot form
    they sent, so a replayed form is refused.
    """

    __tablename__ = "poll_participations"
    # No rowid on SQLite: rows are read in key order, not in the order people voted.
    __table_args__ = {"sqlite_with_rowid": False}

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    voter: Mapped[str] = mapped_column(String(64), primary_key=True)
    form_nonce: Mapped[str] = mapped_column(String(64), default="")


class Ballot(db.Model):  # type: ignore[name-defined]
    """One record of a poll's append-only hash chain: a ballot as cast, signed, with its receipt code.

    `choice` is canonical JSON: option positions in rank order (ranked methods), one score or
    None per option (cardinal methods), one response or None per option (consent).
    `record_hash` covers the poll, position, id, choice, voter tag and previous hash; `signature` is
    the server's Ed25519 signature of it; `receipt` derives from the signature (format 1). The bytes
    are described in civic.voting.audit.records.
    """

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, never sequential
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    choice: Mapped[str] = mapped_column(Text)
    receipt: Mapped[str] = mapped_column(String(24), index=True)
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128), default="")
    # 1: signed when cast. 0: cast before signatures, re-signed when the server was upgraded.
    record_format: Mapped[int] = mapped_column(Integer, default=1)
    # Only when the poll allows changes: finds the ballot a new one replaces (the last one counts).
    voter_tag: Mapped[str | None] = mapped_column(String(64), index=True)
    # Only on public polls (named ballots); kept as NULL if the account goes, so the chain stays whole.
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    voter: Mapped[User | None] = relationship()


class PollCheckpoint(db.Model):  # type: ignore[name-defined]
    """A signed head of a poll's chain at a time: an append-only public record (never changed nor removed).

    One is written at the first ballot of each time window, for the head as it stood when the window
    began (the time is the window's start, not a ballot's), and one at closing. A later rewrite of the
    chain contradicts the heads published here.
    """

    __tablename__ = "poll_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    length: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class CheckpointChanged(RuntimeError):
    """Raised on any attempt to change or remove a published checkpoint."""


@event.listens_for(PollCheckpoint, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: PollCheckpoint) -> None:
    raise CheckpointChanged(f"checkpoint {target.id} of poll {target.poll_id} cannot be changed")


@event.listens_for(PollCheckpoint, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: PollCheckpoint) -> None:
    raise CheckpointChanged(f"checkpoint {target.id} of poll {target.poll_id} cannot be removed")
