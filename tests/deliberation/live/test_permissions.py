"""Who may do what in a live session: the predicates as role × state tables, then every service as a role ×
action table (refused actions change nothing: the same version, the same rows)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from civic.accounts.models import Sanction, User
from civic.accounts.sanctions import Sanctioned
from civic.consultations.models import Consultation
from civic.deliberation.live import agenda, permissions, questions, quickpolls, sessions, speakers
from civic.deliberation.live.models import LiveSession, Question, QuickPoll, Speaker
from civic.errors import CivicError, Forbidden, NotFound
from civic.extensions import db
from civic.timestamps import utcnow
from tests.deliberation.live.factories import live_consultation, make_session
from tests.factories import make_user

ROLES = ["anonymous", "participant", "facilitator", "admin", "other-moderator"]


def _people(consultation: Consultation, moderator: User) -> dict[str, User | None]:
    other = make_user(name="Autre modératrice")
    live_consultation(moderators=[other])
    return {
        "anonymous": None,
        "participant": make_user(name="Participante"),
        "facilitator": moderator,
        "admin": make_user(name="Admin", admin=True),
        "other-moderator": other,
    }


# predicate -> (role answers for ROLES) per session state, in an open public consultation.
PREDICATES: dict[str, Callable[[User | None, LiveSession, Consultation], bool]] = {
    "view": lambda u, s, c: permissions.can_view_session(u, c),
    "facilitate": lambda u, s, c: permissions.can_facilitate(u, c),
    "prepare": lambda u, s, c: permissions.can_prepare(u, s, c),
    "start": lambda u, s, c: permissions.can_start(u, s, c),
    "run": lambda u, s, c: permissions.can_run(u, s, c),
    "take part": lambda u, s, c: permissions.can_take_part(u, s, c),
    "edit minutes": lambda u, s, c: permissions.can_edit_minutes(u, s, c),
    "read minutes (unpublished)": lambda u, s, c: permissions.can_read_minutes(u, s, c),
}
T, F = True, False
TABLE = {
    "planned": {
        "view": [T, T, T, T, T],
        "facilitate": [F, F, T, T, F],
        "prepare": [F, F, T, T, F],
        "start": [F, F, T, T, F],
        "run": [F, F, F, F, F],
        "take part": [F, F, F, F, F],
        "edit minutes": [F, F, F, F, F],
        "read minutes (unpublished)": [F, F, F, F, F],
    },
    "running": {
        "view": [T, T, T, T, T],
        "facilitate": [F, F, T, T, F],
        "prepare": [F, F, T, T, F],
        "start": [F, F, F, F, F],
        "run": [F, F, T, T, F],
        "take part": [F, T, T, T, T],
        "edit minutes": [F, F, F, F, F],
        "read minutes (unpublished)": [F, F, F, F, F],
    },
    "ended": {
        "view": [T, T, T, T, T],
        "facilitate": [F, F, T, T, F],
        "prepare": [F, F, F, F, F],
        "start": [F, F, F, F, F],
        "run": [F, F, F, F, F],
        "take part": [F, F, F, F, F],
        "edit minutes": [F, F, T, T, F],
        "read minutes (unpublished)": [F, F, T, T, F],
    },
}


@pytest.mark.parametrize("state", list(TABLE))
def test_predicates_by_role_and_state(app: object, state: str) -> None:
    moderator = make_user(name="Modératrice")
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator, start=state != "planned")
    if state == "ended":
        sessions.end_session(moderator, session)
    people = _people(consultation, moderator)
    for predicate, check in PREDICATES.items():
        got = [check(people[role], session, consultation) for role in ROLES]
        assert got == TABLE[state][predicate], (state, predicate, dict(zip(ROLES, got, strict=True)))


def test_a_session_starts_only_in_a_phase_with_live_sessions(app: object) -> None:
    moderator = make_user()
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator, start=False)
    assert permissions.can_start(moderator, session, consultation)
    consultation.phases[0].components = "discussion"
    db.session.commit()
    assert not permissions.can_start(moderator, session, consultation)
    with pytest.raises(Forbidden, match="phase"):
        sessions.start_session(moderator, session)
    db.session.refresh(session)
    assert session.state == LiveSession.PLANNED


def test_members_only_and_draft_consultations(app: object) -> None:
    moderator, citizen = make_user(), make_user()
    members = live_consultation(moderators=[moderator], visibility="registered")
    session = make_session(members, moderator)
    assert not permissions.can_view_session(None, members)
    assert permissions.can_take_part(citizen, session, members)
    members.status = "draft"
    db.session.commit()
    assert not permissions.can_view_session(citizen, members)
    assert not permissions.can_take_part(citizen, session, members)
    assert permissions.can_view_session(moderator, members)


def test_a_closed_consultation_takes_no_part(app: object) -> None:
    moderator, citizen = make_user(), make_user()
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator)
    consultation.status = "closed"
    db.session.commit()
    assert not permissions.can_take_part(citizen, session, consultation)
    with pytest.raises(Forbidden):
        speakers.raise_hand(citizen, session)


# ---- services: role × action -------------------------------------------------------------------------

SERVICE_ROLES = [*ROLES, "suspended", "banned", "suspended-facilitator"]


@dataclass
class World:
    consultation: Consultation
    session: LiveSession
    people: dict[str, User | None]
    poll: QuickPoll  # open
    ready: QuickPoll  # prepared, not opened
    waiting: Speaker  # someone else's raised hand
    second: Speaker  # after them
    pending: Question  # someone else's, awaiting approval
    approved: Question  # someone else's, on the screens
    item: int  # the second agenda item


def _world() -> World:
    moderator = make_user(name="Modératrice")
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator)
    people = _people(consultation, moderator)
    for role in ("suspended", "banned"):
        people[role] = make_user(name=role)
    people["suspended-facilitator"] = make_user(name="Modératrice suspendue")
    consultation.moderators.append(people["suspended-facilitator"])  # type: ignore[arg-type]
    db.session.commit()
    someone = make_user(name="Quelqu'une")
    waiting = db.session.get(Speaker, speakers.raise_hand(someone, session).speaker_id)
    second = db.session.get(Speaker, speakers.raise_hand(make_user(name="Deuxième"), session).speaker_id)
    speakers.give_floor(moderator, session, second.id if second else None)
    second = db.session.get(Speaker, speakers.raise_hand(make_user(name="Troisième"), session).speaker_id)
    ready = quickpolls.create_poll(
        moderator, session, quickpolls.PollData(question_fr="Prête ?", open_now=False)
    )
    poll = quickpolls.create_poll(moderator, session, quickpolls.PollData(question_fr="D'accord ?"))
    pending = questions.ask(someone, session, "En attente ?")
    approved = questions.ask(someone, session, "Approuvée ?")
    questions.decide(moderator, session, approved.id, Question.APPROVED)
    items = agenda.add_item(moderator, session, agenda.ItemData("Trois", "Three", 5))
    for role, kind in (
        ("suspended", "suspension"),
        ("banned", "ban"),
        ("suspended-facilitator", "suspension"),
    ):
        ends = utcnow() + timedelta(days=2) if kind == "suspension" else None
        db.session.add(Sanction(user_id=people[role].id, kind=kind, reason=f"Raison {role}", ends_at=ends))  # type: ignore[union-attr]
    db.session.commit()
    assert waiting is not None and second is not None
    return World(consultation, session, people, poll, ready, waiting, second, pending, approved, items.id)


Action = Callable[[User | None, World], Any]
CONSOLE: dict[str, Action] = {
    "end": lambda u, w: sessions.end_session(u, w.session),
    "update": lambda u, w: sessions.update_session(
        u, w.session, sessions.SessionData("Nouveau", "", utcnow(), speaking_seconds=60)
    ),
    "announce": lambda u, w: sessions.pin_announcement(u, w.session, "Pause"),
    "newcomers": lambda u, w: sessions.set_newcomers_first(u, w.session, True),
    "add item": lambda u, w: agenda.add_item(u, w.session, agenda.ItemData("Quatre", "", 5)),
    "edit item": lambda u, w: agenda.update_item(u, w.session, w.item, agenda.ItemData("Trois bis", "", 5)),
    "move item": lambda u, w: agenda.move_item(u, w.session, w.item, "up"),
    "remove item": lambda u, w: agenda.remove_item(u, w.session, w.item),
    "start item": lambda u, w: agenda.start_item(u, w.session, w.item),
    "next item": lambda u, w: agenda.next_item(u, w.session),
    "item time": lambda u, w: agenda.change_item_time(u, w.session, 60),
    "floor": lambda u, w: speakers.give_floor(u, w.session),
    "add in room": lambda u, w: speakers.add_in_room(u, w.session, "Louise"),
    "move speaker": lambda u, w: speakers.move_speaker(u, w.session, w.second.id, "top"),
    "remove speaker": lambda u, w: speakers.remove_speaker(u, w.session, w.waiting.id),
    "end turn": lambda u, w: speakers.finish_turn(u, w.session),
    "open poll": lambda u, w: (
        quickpolls.close_poll(u, w.session, w.poll.id),
        quickpolls.open_poll(u, w.session, w.ready.id),
    ),
    "hide results": lambda u, w: (
        quickpolls.close_poll(u, w.session, w.poll.id),
        sessions.hide_results(u, w.session),
    ),
    "new poll": lambda u, w: quickpolls.create_poll(
        u, w.session, quickpolls.PollData(question_fr="Encore ?", open_now=False)
    ),
    "close poll": lambda u, w: quickpolls.close_poll(u, w.session, w.poll.id),
    "tally": lambda u, w: quickpolls.enter_tally(u, w.session, w.poll.id, [1, 2, 3]),
    "approve": lambda u, w: questions.decide(u, w.session, w.pending.id, Question.APPROVED),
    "answered": lambda u, w: questions.decide(u, w.session, w.approved.id, Question.ANSWERED),
}
PARTICIPANT: dict[str, Action] = {
    "raise hand": lambda u, w: speakers.raise_hand(u, w.session),
    "point of order": lambda u, w: speakers.raise_hand(u, w.session, "order"),
    "answer": lambda u, w: quickpolls.answer(u, w.session, w.poll.id, 0),
    "ask": lambda u, w: questions.ask(u, w.session, "Une question ?"),
    "support": lambda u, w: questions.support(u, w.session, w.approved.id),
}
FACILITATORS = {"facilitator", "admin"}
PARTICIPANTS = {"participant", "facilitator", "admin", "other-moderator"}


def _fingerprint() -> str:
    db.session.rollback()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name.startswith("live_"):
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("action", [*CONSOLE, *PARTICIPANT])
def test_every_service_by_role(app: object, action: str) -> None:
    allowed = FACILITATORS if action in CONSOLE else PARTICIPANTS
    perform = CONSOLE.get(action) or PARTICIPANT[action]
    # Refusals change nothing, so one world serves them all; each allowed role gets a world of its own.
    world = _world()
    for role in [r for r in SERVICE_ROLES if r not in allowed]:
        user = world.people[role]
        before, version = _fingerprint(), world.session.version
        with pytest.raises(CivicError) as refused:
            perform(user, world)
        assert _fingerprint() == before, (action, role, "something was written")
        db.session.refresh(world.session)
        assert world.session.version == version
        # The permission comes first: a suspended person who runs nothing is refused as anyone would be.
        sanctioned = role == "suspended-facilitator" or (
            action in PARTICIPANT and role in ("suspended", "banned")
        )
        if sanctioned:
            assert isinstance(refused.value, Sanctioned), (action, role, refused.value)
            assert f"Raison {role}" in refused.value.message
        else:
            assert isinstance(refused.value, Forbidden | NotFound), (action, role, refused.value)
    for number, role in enumerate(sorted(allowed)):
        world = world if number == 0 else _world()
        before = _fingerprint()
        perform(world.people[role], world)
        assert _fingerprint() != before, (action, role, "wrote nothing")


def test_a_sanctioned_person_takes_back_a_raised_hand_and_a_support(app: object) -> None:
    """Taking back what one gave stays open under a suspension (civic.accounts.sanctions); giving does not."""
    world = _world()
    person = make_user(name="Bientôt suspendue")
    speakers.raise_hand(person, world.session)
    questions.support(person, world.session, world.approved.id)
    db.session.add(
        Sanction(user_id=person.id, kind="suspension", reason="Pause", ends_at=utcnow() + timedelta(days=1))
    )
    db.session.commit()
    assert questions.support(person, world.session, world.approved.id) is False  # withdrawn
    speakers.lower_hand(person, world.session)
    with pytest.raises(Sanctioned):
        questions.support(person, world.session, world.approved.id)
    with pytest.raises(Sanctioned):
        speakers.raise_hand(person, world.session)
