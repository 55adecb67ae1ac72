"""What a session's screens show, as data: the state everyone receives, and what is one person's own.

The state is the same for every reader (it is sent once to a room): texts come in both languages and
the page picks its own; people are named as they chose to be named, and a registered person's entries
carry `who`, a token only that person learns (their own place in the queue), never their account id.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.deliberation.live import links
from civic.deliberation.live.models import (
    AgendaItem,
    LiveSession,
    Question,
    QuestionSupport,
    QuickAnswer,
    QuickPoll,
    Speaker,
)
from civic.extensions import db
from civic.timestamps import utcnow

QUEUE_SHOWN = 100  # waiting places sent with the state (the length is always sent)
QUESTIONS_SHOWN = 30
TIMES_SHOWN = 50


def ms(moment: datetime | None) -> int | None:
    """Milliseconds since the epoch, as browsers count time."""
    return None if moment is None else int(moment.timestamp() * 1000)


def who(session_id: int, user_id: int | None) -> str | None:
    """The token that marks a person's entries in one session's state."""
    if user_id is None:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"live:{session_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:12]


def agenda(session_id: int) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.session_id == session_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def queue(session_id: int) -> list[Speaker]:
    """The waiting places, in the order they will speak."""
    return list(
        db.session.scalars(
            select(Speaker)
            .where(Speaker.session_id == session_id, Speaker.state == Speaker.WAITING)
            .order_by(Speaker.position, Speaker.id)
        )
    )


def current_speaker(session_id: int) -> Speaker | None:
    return db.session.scalar(
        select(Speaker).where(Speaker.session_id == session_id, Speaker.state == Speaker.SPEAKING).limit(1)
    )


def speaking_times(session_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each person's turns and seconds spoken (the current turn so far included), most first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Speaker.user_id, Speaker.name, Speaker.started_at, Speaker.ended_at).where(
            Speaker.session_id == session_id, Speaker.started_at.is_not(None)
        )
    )
    people: dict[tuple[int | None, str], dict[str, Any]] = {}
    for user_id, name, started_at, ended_at in rows:
        if started_at is None:
            continue
        key = (user_id, name if user_id is None else "")
        entry = people.setdefault(key, {"name": name, "turns": 0, "seconds": 0})
        entry["name"] = name
        entry["turns"] += 1
        entry["seconds"] += max(0, int(((ended_at or now) - started_at).total_seconds()))
    return sorted(people.values(), key=lambda p: (-p["seconds"], p["name"]))


def answer_count(poll_id: int) -> int:
    return int(
        db.session.scalar(select(func.count(QuickAnswer.id)).where(QuickAnswer.poll_id == poll_id)) or 0
    )


def approved_questions(session_id: int, limit: int | None = QUESTIONS_SHOWN) -> list[Question]:
    """Approved questions, the most supported first (then the oldest)."""
    query = (
        select(Question)
        .where(Question.session_id == session_id, Question.state == Question.APPROVED)
        .order_by(Question.support_count.desc(), Question.id)
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


def _speaker(session: LiveSession, speaker: Speaker) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": speaker.id,
        "name": speaker.name,
        "lane": speaker.lane,
        "who": who(session.id, speaker.user_id),
        "room": speaker.user_id is None,
    }
    if speaker.state == Speaker.SPEAKING:
        data["started_at"] = ms(speaker.started_at)
        data["seconds"] = speaker.allowed_seconds
    return data


def poll_data(poll: QuickPoll, with_result: bool = True) -> dict[str, Any]:
    return {
        "id": poll.id,
        "kind": poll.kind,
        "method": poll.method,
        "question": [poll.question_fr, poll.question_en],
        "options": poll.options,
        "max_score": poll.max_score,
        "state": poll.state,
        "result": poll.result if with_result and poll.state == QuickPoll.CLOSED else None,
    }


def shown_poll(session: LiveSession) -> QuickPoll | None:
    """The open poll, or the last one closed while its results stay up."""
    return db.session.scalar(
        select(QuickPoll).where(QuickPoll.session_id == session.id, QuickPoll.shown.is_(True)).limit(1)
    )


def public_state(session: LiveSession) -> dict[str, Any]:
    """Everything every screen of the session shows, with the version it is."""
    now = utcnow()
    items = agenda(session.id)
    current = next((i for i in items if i.id == session.current_item_id), None)
    waiting = queue(session.id)
    speaker = current_speaker(session.id)
    poll = shown_poll(session)
    times = speaking_times(session.id, now)
    return {
        "session": session.id,
        "version": session.version,
        "state": session.state,
        "now": ms(now),
        "started_at": ms(session.started_at),
        "ended_at": ms(session.ended_at),
        "item": None
        if current is None
        else {
            "id": current.id,
            "title": [current.title_fr, current.title_en],
            "started_at": ms(current.started_at),
            "seconds": current.seconds - current.spent_seconds,
            "link": links.describe(current),
        },
        "agenda": [
            {
                "id": item.id,
                "title": [item.title_fr, item.title_en],
                "minutes": item.planned_minutes,
                "done": item.ended_at is not None,
            }
            for item in items
        ],
        "announcement": session.announcement_html,
        "speaker": None if speaker is None else _speaker(session, speaker),
        "queue": [_speaker(session, s) for s in waiting[:QUEUE_SHOWN]],
        "waiting": len(waiting),
        "newcomers_first": session.newcomers_first,
        "poll": None if poll is None else poll_data(poll),
        "questions": [
            {"id": q.id, "html": q.body_html, "supports": q.support_count}
            for q in approved_questions(session.id)
        ],
        "times": times[:TIMES_SHOWN],
        "spoken_seconds": sum(t["seconds"] for t in times),
    }


def own(session: LiveSession, user: User | None) -> dict[str, Any]:
    """What is this person's own in a session: their token, places, answers, supports, questions waiting."""
    if user is None:
        return {"who": None, "places": {}, "answered": [], "supported": [], "asked": [], "pending": []}
    places = {
        s.lane: s.id
        for s in db.session.scalars(
            select(Speaker).where(
                Speaker.session_id == session.id, Speaker.user_id == user.id, Speaker.state == Speaker.WAITING
            )
        )
    }
    polls = select(QuickPoll.id).where(QuickPoll.session_id == session.id)
    answered = db.session.scalars(
        select(QuickAnswer.poll_id).where(QuickAnswer.user_id == user.id, QuickAnswer.poll_id.in_(polls))
    )
    questions = select(Question.id).where(Question.session_id == session.id)
    supported = db.session.scalars(
        select(QuestionSupport.question_id).where(
            QuestionSupport.user_id == user.id, QuestionSupport.question_id.in_(questions)
        )
    )
    mine = list(
        db.session.scalars(
            select(Question).where(Question.session_id == session.id, Question.author_id == user.id)
        )
    )
    return {
        "who": who(session.id, user.id),
        "places": places,
        "answered": sorted(answered),
        "supported": sorted(supported),
        "asked": sorted(q.id for q in mine),
        "pending": [{"id": q.id, "html": q.body_html} for q in mine if q.state == Question.PENDING],
    }
