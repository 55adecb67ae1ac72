"""The speakers' list: raise and lower a hand, people in the room added by name, the floor, turns, order.

The waiting places are kept in one order (`position`), which is the order of speaking. A new place goes
where its lane and the session's rule put it: points of order ahead of everyone, then direct replies to
the current speaker, then the others, and with the newcomers rule those who have not spoken yet ahead
of those who have. The facilitator may then move anyone; turning the rule on sorts the list again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import User
from civic.deliberation.live.changes import Change, change, facilitator, participant, running
from civic.deliberation.live.models import NAME_MAX, LiveSession, Speaker
from civic.deliberation.live.state import current_speaker, queue
from civic.errors import Conflict, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank
from civic.timestamps import utcnow

LANE_RANK = {Speaker.ORDER: 0, Speaker.REPLY: 1, Speaker.NORMAL: 2}
EXTEND_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Place:
    """Where a raised hand stands: its entry and its place in the list (1: next to speak)."""

    speaker_id: int
    place: int


def _key(speaker: Speaker) -> tuple[str, str]:
    return (
        ("user", str(speaker.user_id)) if speaker.user_id is not None else ("name", speaker.name.casefold())
    )


def _spoken(session_id: int) -> set[tuple[str, str]]:
    """Who has had the floor in this session (people online by account, people in the room by name)."""
    return {
        _key(s)
        for s in db.session.scalars(
            select(Speaker).where(Speaker.session_id == session_id, Speaker.started_at.is_not(None))
        )
    }


def _rank(session: LiveSession, speaker: Speaker, spoken: set[tuple[str, str]]) -> tuple[int, int]:
    newcomer_rank = (
        1 if session.newcomers_first and speaker.lane == Speaker.NORMAL and _key(speaker) in spoken else 0
    )
    return LANE_RANK[speaker.lane], newcomer_rank


def _renumber(waiting: list[Speaker]) -> None:
    for position, speaker in enumerate(waiting, start=1):
        speaker.position = position


def reorder_waiting(session: LiveSession) -> None:
    """Put the waiting list in the order of the lanes and the rule (a stable sort: ties keep their order)."""
    spoken = _spoken(session.id)
    waiting = queue(session.id)
    _renumber(sorted(waiting, key=lambda s: _rank(session, s, spoken)))


def _insert(session: LiveSession, speaker: Speaker) -> int:
    """Place a new entry in the waiting list; return its place (1-based)."""
    waiting = [s for s in queue(session.id) if s is not speaker]
    spoken = _spoken(session.id)
    rank = _rank(session, speaker, spoken)
    at = next((i for i, other in enumerate(waiting) if _rank(session, other, spoken) > rank), len(waiting))
    waiting.insert(at, speaker)
    _renumber(waiting)
    return at + 1


def _lane(lane: str) -> str:
    if lane not in Speaker.LANES:
        raise Invalid(_("Unknown kind of request to speak."))
    return lane


def _reply_target(session: LiveSession, lane: str, user: User | None = None) -> Speaker | None:
    if lane != Speaker.REPLY:
        return None
    speaking = current_speaker(session.id)
    if speaking is None:
        raise Conflict(_("No one has the floor: there is no one to reply to."))
    if user is not None and speaking.user_id == user.id:
        raise Conflict(_("You have the floor: you cannot reply to yourself."))
    return speaking


def raise_hand(user: User | None, session: LiveSession, lane: str = Speaker.NORMAL) -> Place:
    """Ask to speak (online), in a lane; a second request in the same lane is refused."""
    person, _consultation = participant(user, session)
    lane = _lane(lane)
    with change(session.id, person, publish="soon") as now:
        running(now.session)
        target = _reply_target(now.session, lane, person)
        taken = db.session.scalar(
            select(Speaker.id).where(
                Speaker.session_id == now.session.id,
                Speaker.user_id == person.id,
                Speaker.lane == lane,
                Speaker.state == Speaker.WAITING,
            )
        )
        if taken is not None:
            raise Conflict(_("You are already on the speakers' list."))
        speaker = Speaker(
            session_id=now.session.id,
            user_id=person.id,
            name=person.display_name,
            lane=lane,
            reply_to_id=target.id if target else None,
            requested_at=utcnow(),
        )
        db.session.add(speaker)
        place = _insert(now.session, speaker)
        db.session.flush()
        now.log("hand", speaker=speaker.id, name=speaker.name, lane=lane)
        return Place(speaker.id, place)


def lower_hand(user: User | None, session: LiveSession, lane: str = Speaker.NORMAL) -> None:
    """Take back one's request to speak in a lane (a suspended or banned person may too)."""
    person, _consultation = participant(user, session, taking_back=True)
    lane = _lane(lane)
    with change(session.id, person, publish="soon") as now:
        running(now.session)
        speaker = db.session.scalar(
            select(Speaker).where(
                Speaker.session_id == now.session.id,
                Speaker.user_id == person.id,
                Speaker.lane == lane,
                Speaker.state == Speaker.WAITING,
            )
        )
        if speaker is None:
            raise Conflict(_("You are not on the speakers' list."))
        speaker.state = Speaker.WITHDRAWN
        _renumber(queue(now.session.id))
        now.log("hand-lowered", speaker=speaker.id, name=speaker.name, lane=lane)


def add_in_room(user: User | None, session: LiveSession, name: str, lane: str = Speaker.NORMAL) -> Place:
    """Put someone present in the room on the list by the name they gave."""
    person, _consultation = facilitator(user, session)
    name = " ".join(name.split())
    if not name or is_blank(name):
        raise Invalid(_("Write the person's name."))
    if len(name) > NAME_MAX:
        raise Invalid(_("A name has at most %(n)d characters.", n=NAME_MAX))
    lane = _lane(lane)
    with change(session.id, person) as now:
        running(now.session)
        target = _reply_target(now.session, lane)
        speaker = Speaker(
            session_id=now.session.id,
            name=name,
            lane=lane,
            reply_to_id=target.id if target else None,
            added_by_id=person.id,
            requested_at=utcnow(),
        )
        db.session.add(speaker)
        place = _insert(now.session, speaker)
        db.session.flush()
        now.log("hand", speaker=speaker.id, name=name, lane=lane, room=True)
        return Place(speaker.id, place)


def _waiting(now: Change, speaker_id: int | None) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id) if speaker_id is not None else None
    if speaker is None or speaker.session_id != now.session.id:
        raise NotFound(_("This person is not on this session's speakers' list."))
    if speaker.state != Speaker.WAITING:
        raise Conflict(_("This person is no longer waiting to speak."))
    return speaker


def _end_turn(now: Change, speaker: Speaker) -> None:
    speaker.state, speaker.ended_at = Speaker.DONE, utcnow()
    now.log("turn-ended", speaker=speaker.id, name=speaker.name)


def give_floor(user: User | None, session: LiveSession, speaker_id: int | None = None) -> Speaker:
    """Give the floor to the next in the list, or to a chosen waiting person; the current turn ends."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        waiting = queue(now.session.id)
        if speaker_id is None:
            if not waiting:
                raise Conflict(_("No one is waiting to speak."))
            chosen = waiting[0]
        else:
            chosen = _waiting(now, speaker_id)
        speaking = current_speaker(now.session.id)
        if speaking is not None:
            _end_turn(now, speaking)
        chosen.state, chosen.started_at = Speaker.SPEAKING, utcnow()
        chosen.item_id = now.session.current_item_id
        chosen.allowed_seconds = now.session.speaking_seconds
        _renumber([s for s in waiting if s.id != chosen.id])
        now.log("floor", speaker=chosen.id, name=chosen.name, lane=chosen.lane, room=chosen.user_id is None)
        return chosen


def finish_turn(user: User | None, session: LiveSession) -> None:
    """End the current turn (no one has the floor until it is given again)."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        speaking = current_speaker(now.session.id)
        if speaking is None:
            raise Conflict(_("No one has the floor."))
        _end_turn(now, speaking)


def extend_turn(user: User | None, session: LiveSession, seconds: int = EXTEND_SECONDS) -> None:
    """Give the current speaker more time."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        speaking = current_speaker(now.session.id)
        if speaking is None:
            raise Conflict(_("No one has the floor."))
        if speaking.allowed_seconds == 0:
            raise Conflict(_("This turn has no time limit."))
        speaking.allowed_seconds += seconds
        now.log("turn-extended", speaker=speaking.id, seconds=seconds)


def move_speaker(user: User | None, session: LiveSession, speaker_id: int | None, direction: str) -> None:
    """Move a waiting person up or down one place, or to the top of the list."""
    person, _consultation = facilitator(user, session)
    if direction not in ("up", "down", "top"):
        raise Invalid(_("Unknown move."))
    with change(session.id, person) as now:
        running(now.session)
        speaker = _waiting(now, speaker_id)
        waiting = queue(now.session.id)
        at = waiting.index(speaker)
        to = {"up": at - 1, "down": at + 1, "top": 0}[direction]
        if to < 0 or to >= len(waiting) or to == at:
            raise Conflict(
                _("This person is already first.") if to <= 0 else _("This person is already last.")
            )
        waiting.insert(to, waiting.pop(at))
        _renumber(waiting)
        now.log("moved", speaker=speaker.id, name=speaker.name, to=to + 1)


def remove_speaker(user: User | None, session: LiveSession, speaker_id: int | None) -> None:
    """Take someone off the waiting list."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        speaker = _waiting(now, speaker_id)
        speaker.state = Speaker.WITHDRAWN
        _renumber(queue(now.session.id))
        now.log("removed", speaker=speaker.id, name=speaker.name)
