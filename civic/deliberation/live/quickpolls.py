"""Quick polls: prepared or launched by the facilitator, answered online (once per person) and perhaps by a
show of hands in the room, counted once at close; results stay hidden until then.

Answers do not take the session's row (a thousand may arrive in a few seconds): each takes the poll's
row for sharing, and closing takes it for itself, so an answer is either in the count or refused as
late. Their number reaches consoles and projectors at most every LIVE_PUBLISH_MS (broadcast.count_soon).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.deliberation.live import broadcast, tallies
from civic.deliberation.live.changes import Change, change, facilitator, participant, preparing, running
from civic.deliberation.live.models import LiveSession, QuickAnswer, QuickPoll
from civic.errors import Conflict, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank
from civic.timestamps import utcnow
from civic.voting.audit.tally import FIXED_MAX
from civic.voting.counting.registry import METHODS

QUESTION_MAX = 300
OPTION_MAX = 200
MAX_OPTIONS = 10
MAX_SCORE = 10
MAX_HANDS = 100_000


class PollClosed(Conflict):
    code = "poll_closed"


@dataclass(slots=True)
class PollData:
    """A quick poll as the facilitator writes it; options one per line (choice and method kinds)."""

    kind: str = "yes-no"
    method: str = ""
    question_fr: str = ""
    question_en: str = ""
    options_fr: str = ""
    options_en: str = ""
    max_score: int = 5
    open_now: bool = True


class PollInvalid(Invalid):
    """A poll with problems, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def _check(data: PollData) -> tuple[list[list[str]], int]:
    """Return the options ([french, english] each) and the scale; PollInvalid with every problem."""
    errors: dict[str, str] = {}
    if data.kind not in QuickPoll.KINDS:
        errors["kind"] = _("Choose a kind of poll.")
    if data.kind == "method" and data.method not in METHODS:
        errors["method"] = _("Choose a counting method.")
    question_fr, question_en = data.question_fr.strip(), data.question_en.strip()
    if not (question_fr or question_en) or is_blank(question_fr + question_en):
        errors["question_fr"] = _("Write the question in at least one language.")
    for name, question in (("question_fr", question_fr), ("question_en", question_en)):
        if len(question) > QUESTION_MAX:
            errors[name] = _("At most %(n)d characters.", n=QUESTION_MAX)
    options: list[list[str]] = []
    if data.kind in ("choice", "method"):
        fr, en = _lines(data.options_fr), _lines(data.options_en)
        if fr and en and len(fr) != len(en):
            errors["options_en"] = _(
                "Give as many options in English (%(en)d) as in French (%(fr)d), in the same order.",
                en=len(en),
                fr=len(fr),
            )
        options = [list(pair) for pair in zip(fr or [""] * len(en), en or [""] * len(fr), strict=False)]
        if not 2 <= len(options) <= MAX_OPTIONS:
            errors["options_fr"] = _("Give from 2 to %(n)d options, one per line.", n=MAX_OPTIONS)
        elif any(len(text) > OPTION_MAX or (text and is_blank(text)) for pair in options for text in pair):
            errors["options_fr"] = _("An option has at most %(n)d visible characters.", n=OPTION_MAX)
    scale = FIXED_MAX.get(data.method, data.max_score) if data.kind == "method" else 0
    if data.kind == "method" and data.method == "score" and not 1 <= data.max_score <= MAX_SCORE:
        errors["max_score"] = _("Between 1 and %(n)d.", n=MAX_SCORE)
    if errors:
        raise PollInvalid(errors)
    return options, scale


def get_poll(session: LiveSession, poll_id: int) -> QuickPoll:
    """Return one of the session's polls; NotFound otherwise."""
    return _poll(session.id, poll_id)


def _poll(session_id: int, poll_id: int | None) -> QuickPoll:
    poll = db.session.get(QuickPoll, poll_id) if poll_id is not None else None
    if poll is None or poll.session_id != session_id:
        raise NotFound(_("This poll is not one of this session's."))
    return poll


def _open(now: Change, poll: QuickPoll, moment: datetime) -> None:
    already = db.session.scalar(
        select(QuickPoll.id).where(QuickPoll.session_id == now.session.id, QuickPoll.state == QuickPoll.OPEN)
    )
    if already is not None:
        raise Conflict(_("Another poll is open: close it first."))
    db.session.execute(update(QuickPoll).where(QuickPoll.session_id == now.session.id).values(shown=False))
    poll.state, poll.opened_at, poll.shown = QuickPoll.OPEN, moment, True
    poll.item_id = now.session.current_item_id
    now.log("poll-opened", poll=poll.id, question=[poll.question_fr, poll.question_en])


def create_poll(user: User | None, session: LiveSession, data: PollData) -> QuickPoll:
    """Prepare a poll, and open it at once if asked (the session must then be running)."""
    person, _consultation = facilitator(user, session)
    options, scale = _check(data)
    with change(session.id, person) as now:
        preparing(now.session)
        poll = QuickPoll(
            session_id=now.session.id,
            kind=data.kind,
            method=data.method if data.kind == "method" else "",
            question_fr=data.question_fr.strip(),
            question_en=data.question_en.strip(),
            options_json=json.dumps(options, ensure_ascii=False),
            max_score=scale,
            state=QuickPoll.READY,
        )
        db.session.add(poll)
        db.session.flush()
        now.log("poll-prepared", poll=poll.id, question=[poll.question_fr, poll.question_en])
        if data.open_now:
            running(now.session)
            _open(now, poll, utcnow())
        return poll


def open_poll(user: User | None, session: LiveSession, poll_id: int | None) -> None:
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        poll = _poll(now.session.id, poll_id)
        if poll.state != QuickPoll.READY:
            raise Conflict(_("This poll has already been opened."))
        _open(now, poll, utcnow())


def _close(now: Change, poll: QuickPoll, moment: datetime) -> None:
    # Waits for the answers being written (they hold the poll's row for sharing): all are counted.
    db.session.execute(select(QuickPoll.id).where(QuickPoll.id == poll.id).with_for_update())
    poll.state, poll.closed_at = QuickPoll.CLOSED, moment
    poll.result_json = json.dumps(tallies.count(poll, _choices(poll.id)))
    now.log("poll-closed", poll=poll.id, question=[poll.question_fr, poll.question_en])


def _choices(poll_id: int) -> list[Any]:
    return [
        json.loads(c)
        for c in db.session.scalars(select(QuickAnswer.choice).where(QuickAnswer.poll_id == poll_id))
    ]


def close_poll(user: User | None, session: LiveSession, poll_id: int | None) -> None:
    """Close a poll and count it; its results go up on every screen."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        poll = _poll(now.session.id, poll_id)
        if poll.state != QuickPoll.OPEN:
            raise Conflict(_("This poll is not open."))
        _close(now, poll, utcnow())


def close_open_polls(now: Change, moment: datetime) -> None:
    """Close and count the session's open poll, if any (the session is ending)."""
    for poll in db.session.scalars(
        select(QuickPoll).where(QuickPoll.session_id == now.session.id, QuickPoll.state == QuickPoll.OPEN)
    ).all():
        _close(now, poll, moment)


def enter_tally(user: User | None, session: LiveSession, poll_id: int | None, counts: list[int]) -> None:
    """Record the show of hands counted in the room (yes-no, choice and consent polls); it adds to the
    answers online and is marked as a show of hands on the screens and in the minutes."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        poll = _poll(now.session.id, poll_id)
        size = tallies.answers_of(poll)
        if size == 0:
            raise Invalid(_("A show of hands can only be counted for yes-no, choice and consent polls."))
        if len(counts) != size or any(not 0 <= n <= MAX_HANDS for n in counts):
            raise Invalid(_("Give a number of hands, from 0 to %(n)d, for every answer.", n=MAX_HANDS))
        if poll.state == QuickPoll.READY:
            raise Conflict(_("Open the poll before counting hands."))
        poll.tally_json = json.dumps({"counts": counts})
        if poll.state == QuickPoll.CLOSED:
            poll.result_json = json.dumps(tallies.count(poll, _choices(poll.id)))
        now.log("poll-tally", poll=poll.id, counts=counts)


def _hold_open(poll_id: int) -> bool:
    """Hold the poll's row against closing until this transaction ends; tell whether it is open.

    PostgreSQL: a shared row lock, taken by every answer at once and waited for by the close. SQLite has
    no row locks: a no-op update takes its write lock first, which closing needs too.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        held = db.session.execute(
            update(QuickPoll)
            .where(QuickPoll.id == poll_id, QuickPoll.state == QuickPoll.OPEN)
            .values(state=QuickPoll.state)
        )
        return bool(held.rowcount)  # type: ignore[attr-defined]
    state = db.session.scalar(
        select(QuickPoll.state).where(QuickPoll.id == poll_id).with_for_update(read=True)
    )
    return state == QuickPoll.OPEN


def answer(user: User | None, session: LiveSession, poll_id: int | None, choice: Any) -> None:
    """Answer the open poll, once."""
    person, _consultation = participant(user, session)
    poll = _poll(session.id, poll_id)
    value = tallies.check_choice(poll, choice)
    try:
        if not _hold_open(poll.id):
            state = db.session.scalar(select(QuickPoll.state).where(QuickPoll.id == poll.id))
            raise PollClosed(
                _("This poll is closed.") if state == QuickPoll.CLOSED else _("This poll is not open yet.")
            )
        db.session.add(QuickAnswer(poll_id=poll.id, user_id=person.id, choice=json.dumps(value)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("You have already answered this poll.")) from None
    except BaseException:
        db.session.rollback()
        raise
    broadcast.count_soon(session.id, poll.id)


def has_answered(user: User | None, poll: QuickPoll) -> bool:
    if user is None:
        return False
    found = db.session.scalar(
        select(func.count(QuickAnswer.id)).where(
            QuickAnswer.poll_id == poll.id, QuickAnswer.user_id == user.id
        )
    )
    return bool(found)
