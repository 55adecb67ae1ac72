"""Read models: what the session page, the console and the minutes show; a published session's minutes
for other packages (the JSON API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.live import state as states
from civic.deliberation.live import tallies
from civic.deliberation.live.models import LiveSession, Question, QuickAnswer, QuickPoll, Speaker
from civic.extensions import db
from civic.timestamps import utcnow


@dataclass(frozen=True, slots=True)
class PublishedMinutes:
    """A session's published minutes, with what identifies the session."""

    session_id: int
    consultation_slug: str
    title_fr: str
    title_en: str
    starts_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    place: str
    online_url: str
    markdown: str
    html: str
    lang: str
    published_at: datetime


def published_minutes(session: LiveSession) -> PublishedMinutes | None:
    """The session's minutes if they are published (None otherwise). The caller checks that the reader
    may see the consultation (civic.deliberation.live.permissions.can_view_session)."""
    if session.minutes_published_at is None or session.state != LiveSession.ENDED:
        return None
    return PublishedMinutes(
        session_id=session.id,
        consultation_slug=session.consultation.slug,
        title_fr=session.title_fr,
        title_en=session.title_en,
        starts_at=session.starts_at,
        started_at=session.started_at,
        ended_at=session.ended_at,
        place=session.place,
        online_url=session.online_url,
        markdown=session.minutes,
        html=session.minutes_html,
        lang=session.minutes_lang,
        published_at=session.minutes_published_at,
    )


def published_minutes_of(consultation: Consultation) -> list[PublishedMinutes]:
    """Every published minutes of a consultation, the latest session first."""
    found = db.session.scalars(
        select(LiveSession)
        .where(LiveSession.consultation_id == consultation.id, LiveSession.minutes_published_at.is_not(None))
        .order_by(LiveSession.starts_at.desc(), LiveSession.id.desc())
    )
    return [m for m in (published_minutes(s) for s in found) if m is not None]


@dataclass
class PollRow:
    poll: QuickPoll
    answers: int
    labels: list[str]
    hands: int  # fields of a show of hands (0: none for this kind)


@dataclass
class ConsoleView:
    """Everything the facilitator's console shows."""

    state: dict[str, Any]
    polls: list[PollRow]
    pending: list[Question]
    approved: list[Question]
    answered: list[Question]
    waiting: list[Speaker]
    speaker: Speaker | None
    times: list[dict[str, Any]]
    authors: dict[int, str]


def console_view(session: LiveSession) -> ConsoleView:
    from civic.deliberation.live.minutes import answer_labels

    polls = list(
        db.session.scalars(select(QuickPoll).where(QuickPoll.session_id == session.id).order_by(QuickPoll.id))
    )
    counts = (
        dict(
            db.session.execute(
                select(QuickAnswer.poll_id, func.count(QuickAnswer.id))
                .where(QuickAnswer.poll_id.in_([p.id for p in polls]))
                .group_by(QuickAnswer.poll_id)
            ).all()
        )
        if polls
        else {}
    )
    questions = list(
        db.session.scalars(
            select(Question)
            .where(Question.session_id == session.id, Question.state != Question.REJECTED)
            .order_by(Question.support_count.desc(), Question.id)
        )
    )
    author_ids = {q.author_id for q in questions if q.author_id}
    authors = (
        {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
        if author_ids
        else {}
    )
    return ConsoleView(
        state=states.public_state(session),
        polls=[PollRow(p, int(counts.get(p.id, 0)), answer_labels(p), tallies.answers_of(p)) for p in polls],
        pending=sorted((q for q in questions if q.state == Question.PENDING), key=lambda q: q.id),
        approved=[q for q in questions if q.state == Question.APPROVED],
        answered=[q for q in questions if q.state == Question.ANSWERED],
        waiting=states.queue(session.id),
        speaker=states.current_speaker(session.id),
        times=states.speaking_times(session.id, utcnow()),
        authors=authors,
    )


def remaining(started_at_ms: int | None, seconds: int | None, now_ms: int) -> int | None:
    """Seconds left on a countdown (negative: over time), or None without one."""
    if started_at_ms is None or not seconds:
        return None
    return (started_at_ms + seconds * 1000 - now_ms) // 1000
