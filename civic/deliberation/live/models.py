"""Live sessions: agenda, speakers' list, quick polls, questions, and the log the minutes come from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.consultations.models import Consultation
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

TITLE_MAX = 200
PLACE_MAX = 200
URL_MAX = 500
NAME_MAX = 100  # a name the facilitator types for someone in the room


class LiveSession(db.Model):  # type: ignore[name-defined]
    """A meeting of a consultation: in a room, online or both, run from the facilitator's console.

    `version` goes up by one with every change of what the session's screens show; changes take the
    row first (services.lock), so they happen one at a time and each publishes the state it made.
    """

    __tablename__ = "live_sessions"

    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"
    STATES = (PLANNED, RUNNING, ENDED)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title_fr: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    online_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    state: Mapped[str] = mapped_column(String(10), default=PLANNED)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "live_agenda_items.id", ondelete="SET NULL", use_alter=True, name="fk_live_sessions_current_item"
        )
    )
    announcement: Mapped[str] = mapped_column(Text, default="")
    announcement_html: Mapped[str] = mapped_column(Text, default="")
    # People who have not spoken yet in this session go ahead of those who have (at their request).
    newcomers_first: Mapped[bool] = mapped_column(Boolean, default=False)
    # A turn's speaking time (0: no limit); the facilitator can give a speaker more.
    speaking_seconds: Mapped[int] = mapped_column(Integer, default=120)
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    minutes_lang: Mapped[str] = mapped_column(String(2), default="")
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()


class AgendaItem(db.Model):  # type: ignore[name-defined]
    """One point of the agenda, in order, with its planned time and perhaps what it is about."""

    __tablename__ = "live_agenda_items"
    __table_args__ = (Index("ix_live_agenda_items_session_position", "session_id", "position"),)

    LINK_KINDS = ("proposal", "document", "amendment", "poll")

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_fr: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    planned_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # Time the facilitator added (or took away) while the item ran: its countdown is planned + extra.
    extra_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # A proposal, document, amendment or poll of the same consultation (checked by links.py).
    link_kind: Mapped[str] = mapped_column(String(20), default="")
    link_id: Mapped[int | None] = mapped_column(Integer)
    # The linked object's title and address when the item was saved: the state is published from
    # background tasks, which have no request to build addresses with.
    link_title: Mapped[str] = mapped_column(String(300), default="")
    link_url: Mapped[str] = mapped_column(String(300), default="")
    # The item's current span (an item taken up again starts a new one) and the time of earlier spans.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spent_seconds: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def seconds(self) -> int:
        """The item's time: planned, with what the facilitator added or took away."""
        return max(0, self.planned_minutes * 60 + self.extra_seconds)


class Speaker(db.Model):  # type: ignore[name-defined]
    """A place on the speakers' list: someone online who raised a hand, or a name the facilitator typed.

    Lanes: "order" (a point of order, ahead of everyone), "reply" (a direct reply to the current
    speaker, next), "normal". Waiting entries are kept in `position` order, which the services set.
    """

    __tablename__ = "live_speakers"
    __table_args__ = (
        Index("ix_live_speakers_session_state", "session_id", "state", "position"),
        # One waiting place per person and lane: a second raised hand is refused, even at the same instant.
        Index(
            "uq_live_speakers_waiting",
            "session_id",
            "user_id",
            "lane",
            unique=True,
            sqlite_where=text("state = 'waiting'"),
            postgresql_where=text("state = 'waiting'"),
        ),
    )

    NORMAL = "normal"
    ORDER = "order"
    REPLY = "reply"
    LANES = (ORDER, REPLY, NORMAL)
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"
    STATES = (WAITING, SPEAKING, DONE, WITHDRAWN)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    lane: Mapped[str] = mapped_column(String(10), default=NORMAL)
    state: Mapped[str] = mapped_column(String(10), default=WAITING)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The speaker a direct reply answers.
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("live_speakers.id", ondelete="SET NULL"))
    # The agenda item during which the turn was given.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("live_agenda_items.id", ondelete="SET NULL"))
    allowed_seconds: Mapped[int] = mapped_column(Integer, default=0)  # 0: no limit
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def in_room(self) -> bool:
        return self.user_id is None


class QuickPoll(db.Model):  # type: ignore[name-defined]
    """A question put to the people present: answered online, and perhaps by a show of hands in the room.

    Kinds: "yes-no" (yes / no / abstain), "choice" (one of several options), "consent" (agree /
    abstain / disagree / block), "method" (ranked or scored ballots counted by `method`, a name of the
    counting library). Results stay hidden until the poll closes; then `result_json` holds them.
    """

    __tablename__ = "live_polls"
    __table_args__ = (Index("ix_live_polls_session_state", "session_id", "state"),)

    KINDS = ("yes-no", "choice", "consent", "method")
    READY = "ready"
    OPEN = "open"
    CLOSED = "closed"
    STATES = (READY, OPEN, CLOSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("live_agenda_items.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(30), default="")
    question_fr: Mapped[str] = mapped_column(String(300), default="")
    question_en: Mapped[str] = mapped_column(String(300), default="")
    # [[french, english], ...] for "choice" and "method"; the fixed answers of the other kinds.
    options_json: Mapped[str] = mapped_column(Text, default="[]")
    max_score: Mapped[int] = mapped_column(Integer, default=5)
    state: Mapped[str] = mapped_column(String(10), default=READY)
    # On the screens: the open poll, then its results until another opens or they are taken down.
    shown: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A show of hands counted in the room: {"counts": [n per answer]}, entered by the facilitator.
    tally_json: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def options(self) -> list[list[str]]:
        value: list[list[str]] = json.loads(self.options_json or "[]")
        return value

    @property
    def tally(self) -> list[int] | None:
        return list(json.loads(self.tally_json)["counts"]) if self.tally_json else None

    @property
    def result(self) -> dict[str, Any] | None:
        return json.loads(self.result_json) if self.result_json else None


class QuickAnswer(db.Model):  # type: ignore[name-defined]
    """One person's answer to a quick poll (one per person: a second one is refused)."""

    __tablename__ = "live_answers"
    __table_args__ = (UniqueConstraint("poll_id", "user_id", name="uq_live_answers_poll_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # JSON: an answer's index, a ranking (indices, best first) or scores (one per option).
    choice: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(db.Model):  # type: ignore[name-defined]
    """A participant's question: seen by others once a facilitator approves it; supports make it rise."""

    __tablename__ = "live_questions"
    __table_args__ = (Index("ix_live_questions_session_state", "session_id", "state"),)

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ANSWERED = "answered"
    STATES = (PENDING, APPROVED, REJECTED, ANSWERED)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestionSupport(db.Model):  # type: ignore[name-defined]
    __tablename__ = "live_question_supports"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_live_question_supports"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("live_questions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class SessionEvent(db.Model):  # type: ignore[name-defined]
    """What happened, when and by whom: appended by every change, never edited; the minutes read it."""

    __tablename__ = "live_events"
    __table_args__ = (Index("ix_live_events_session", "session_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data_json or "{}")
        return value
