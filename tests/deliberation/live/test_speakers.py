"""The speakers' list: lanes, the newcomers rule, the floor, turns, moves, and refusals that change nothing."""

from __future__ import annotations

import pytest

from civic.deliberation.live import speakers, state
from civic.deliberation.live.changes import SessionEnded
from civic.deliberation.live.models import LiveSession, Speaker
from civic.errors import Conflict, Invalid, NotFound
from civic.extensions import db
from tests.deliberation.live.factories import live_consultation, make_session, people
from tests.factories import make_user


def _names(session: LiveSession) -> list[str]:
    return [entry["name"] for entry in state.public_state(session)["queue"]]


def _setup(**settings: object) -> tuple[LiveSession, list]:  # type: ignore[type-arg]
    moderator = make_user(name="Modératrice")
    session = make_session(live_consultation(moderators=[moderator]), moderator, **settings)
    return session, [moderator, *people(4)]


def test_points_of_order_go_first_then_replies_then_the_others(app: object) -> None:
    session, (moderator, a, b, c, d) = _setup()
    speakers.raise_hand(a, session)
    speakers.raise_hand(b, session)
    speakers.give_floor(moderator, session)  # a speaks
    speakers.raise_hand(c, session, "reply")
    speakers.raise_hand(d, session, "order")
    assert _names(session) == ["Personne 3", "Personne 2", "Personne 1"]
    place = speakers.raise_hand(a, session)
    assert place.place == 4
    assert _names(session)[-1] == "Personne 0"


def test_newcomers_go_ahead_of_those_who_spoke_when_the_rule_is_on(app: object) -> None:
    session, (moderator, a, b, c, _d) = _setup(newcomers_first=True)
    speakers.raise_hand(a, session)
    speakers.give_floor(moderator, session)
    speakers.finish_turn(moderator, session)
    speakers.raise_hand(a, session)  # has spoken
    speakers.raise_hand(b, session)  # has not: goes ahead
    speakers.add_in_room(moderator, session, "Louise")  # nor has she
    assert _names(session) == ["Personne 1", "Louise", "Personne 0"]


def test_turning_the_rule_on_sorts_the_list_and_off_keeps_it(app: object) -> None:
    from civic.deliberation.live import sessions

    session, (moderator, a, b, _c, _d) = _setup()
    speakers.raise_hand(a, session)
    speakers.give_floor(moderator, session)
    speakers.finish_turn(moderator, session)
    speakers.raise_hand(a, session)
    speakers.raise_hand(b, session)
    assert _names(session) == ["Personne 0", "Personne 1"]
    sessions.set_newcomers_first(moderator, session, True)
    assert _names(session) == ["Personne 1", "Personne 0"]
    sessions.set_newcomers_first(moderator, session, False)
    assert _names(session) == ["Personne 1", "Personne 0"]
    with pytest.raises(Conflict):
        sessions.set_newcomers_first(moderator, session, False)


def test_a_second_hand_in_the_same_lane_is_refused_and_changes_nothing(app: object) -> None:
    session, (_moderator, a, _b, _c, _d) = _setup()
    speakers.raise_hand(a, session)
    db.session.refresh(session)
    version = session.version
    with pytest.raises(Conflict, match="already"):
        speakers.raise_hand(a, session)
    db.session.refresh(session)
    assert session.version == version
    assert _names(session) == ["Personne 0"]
    speakers.raise_hand(a, session, "order")  # another lane is another request
    assert _names(session) == ["Personne 0", "Personne 0"]


def test_the_database_refuses_two_waiting_places_in_one_lane(app: object) -> None:
    from sqlalchemy.exc import IntegrityError

    session, (_moderator, a, _b, _c, _d) = _setup()
    speakers.raise_hand(a, session)
    db.session.add(Speaker(session_id=session.id, user_id=a.id, name="x", lane="normal", state="waiting"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_lowering_a_hand_takes_the_place_back(app: object) -> None:
    session, (_moderator, a, b, _c, _d) = _setup()
    speakers.raise_hand(a, session)
    speakers.raise_hand(b, session)
    speakers.lower_hand(a, session)
    assert _names(session) == ["Personne 1"]
    with pytest.raises(Conflict, match="not on"):
        speakers.lower_hand(a, session)


def test_a_direct_reply_needs_someone_speaking_and_not_oneself(app: object) -> None:
    session, (moderator, a, b, _c, _d) = _setup()
    with pytest.raises(Conflict, match="No one has the floor"):
        speakers.raise_hand(a, session, "reply")
    speakers.raise_hand(a, session)
    speakers.give_floor(moderator, session)
    with pytest.raises(Conflict, match="yourself"):
        speakers.raise_hand(a, session, "reply")
    speakers.raise_hand(b, session, "reply")
    entry = db.session.scalar(db.select(Speaker).where(Speaker.user_id == b.id))
    assert entry is not None and entry.reply_to_id is not None


def test_unknown_lanes_and_blank_names_are_refused(app: object) -> None:
    session, (moderator, a, _b, _c, _d) = _setup()
    with pytest.raises(Invalid):
        speakers.raise_hand(a, session, "vip")
    with pytest.raises(Invalid):
        speakers.add_in_room(moderator, session, " \u200b ")
    with pytest.raises(Invalid):
        speakers.add_in_room(moderator, session, "x" * 101)
    assert _names(session) == []


def test_giving_the_floor_ends_the_current_turn_and_records_times(app: object) -> None:
    session, (moderator, a, b, _c, _d) = _setup(speaking_seconds=90)
    speakers.raise_hand(a, session)
    speakers.raise_hand(b, session)
    first = speakers.give_floor(moderator, session)
    assert first.name == "Personne 0" and first.allowed_seconds == 90
    assert first.item_id == session.current_item_id
    second = speakers.give_floor(moderator, session)
    db.session.refresh(first)
    assert first.state == Speaker.DONE and first.ended_at is not None
    assert second.state == Speaker.SPEAKING
    public = state.public_state(session)
    assert public["speaker"]["name"] == "Personne 1" and public["speaker"]["seconds"] == 90
    assert sorted((t["name"], t["turns"]) for t in public["times"]) == [("Personne 0", 1), ("Personne 1", 1)]
    with pytest.raises(Conflict, match="No one is waiting"):
        speakers.give_floor(moderator, session)


def test_the_floor_to_someone_chosen_and_moves(app: object) -> None:
    session, (moderator, a, b, c, _d) = _setup()
    entries = [speakers.raise_hand(p, session).speaker_id for p in (a, b, c)]
    speakers.move_speaker(moderator, session, entries[2], "top")
    assert _names(session) == ["Personne 2", "Personne 0", "Personne 1"]
    speakers.move_speaker(moderator, session, entries[0], "down")
    assert _names(session) == ["Personne 2", "Personne 1", "Personne 0"]
    with pytest.raises(Conflict, match="last"):
        speakers.move_speaker(moderator, session, entries[0], "down")
    with pytest.raises(Conflict, match="first"):
        speakers.move_speaker(moderator, session, entries[2], "up")
    speakers.give_floor(moderator, session, entries[1])
    assert _names(session) == ["Personne 2", "Personne 0"]
    speakers.remove_speaker(moderator, session, entries[0])
    assert _names(session) == ["Personne 2"]
    with pytest.raises(Conflict, match="no longer waiting"):
        speakers.give_floor(moderator, session, entries[0])


def test_entries_of_another_session_are_not_found(app: object) -> None:
    session, (moderator, a, _b, _c, _d) = _setup()
    other = make_session(session.consultation, moderator, title="Autre")
    theirs = speakers.raise_hand(a, other).speaker_id
    with pytest.raises(NotFound):
        speakers.give_floor(moderator, session, theirs)
    with pytest.raises(NotFound):
        speakers.remove_speaker(moderator, session, theirs)
    db.session.refresh(other)
    assert [e["name"] for e in state.public_state(other)["queue"]] == ["Personne 0"]


def test_more_time_for_a_turn(app: object) -> None:
    session, (moderator, a, _b, _c, _d) = _setup(speaking_seconds=60)
    with pytest.raises(Conflict):
        speakers.extend_turn(moderator, session)
    speakers.raise_hand(a, session)
    speakers.give_floor(moderator, session)
    speakers.extend_turn(moderator, session)
    assert state.public_state(session)["speaker"]["seconds"] == 90


def test_nothing_happens_in_an_ended_session(app: object) -> None:
    from civic.deliberation.live import sessions

    session, (moderator, a, b, _c, _d) = _setup()
    speakers.raise_hand(b, session)
    sessions.end_session(moderator, session)
    for attempt in (
        lambda: speakers.raise_hand(a, session),
        lambda: speakers.give_floor(moderator, session),
        lambda: speakers.add_in_room(moderator, session, "Louise"),
    ):
        with pytest.raises(SessionEnded):
            attempt()
    db.session.refresh(session)
    assert state.public_state(session)["queue"] == []  # the waiting list was closed with the session
