"""The /live namespace: joining answers with the current state; actions are answered one by one, a refusal
with a clear error and no change; every screen hears each newer state, and never an answer or a result
before the close."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient

from civic.deliberation.live import events, quickpolls, sessions, speakers, state
from civic.deliberation.live.models import LiveSession
from civic.extensions import db, socketio
from tests.conftest import sign_in
from tests.deliberation.live.factories import live_consultation, make_session, people
from tests.factories import make_user

NS = "/live"


class _Socket:
    """A Socket.IO test client whose events each load their own signed-in person.

    The test's app context is shared by every event handled here (in production each event has its
    own), and Flask-Login keeps the person it loaded in `g`: forget it before each event.
    """

    def __init__(self, app: Flask, user: Any) -> None:
        http: FlaskClient = app.test_client()
        if user is not None:
            sign_in(http, user.email)
        self.client = socketio.test_client(app, namespace=NS, flask_test_client=http)

    def emit(self, event: str, payload: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return self.client.emit(event, payload, **kwargs)

    def get_received(self, namespace: str) -> Any:
        return self.client.get_received(namespace)

    def disconnect(self, namespace: str) -> None:
        self.client.disconnect(namespace=namespace)


def _socket(app: Flask, user: Any = None) -> Any:
    return _Socket(app, user)


def _states(socket: Any) -> list[dict[str, Any]]:
    return [e["args"][0] for e in socket.get_received(NS) if e["name"] == "live.state"]


def _setup() -> tuple[LiveSession, list[Any]]:
    moderator = make_user(name="Modératrice")
    return make_session(live_consultation(moderators=[moderator]), moderator), [moderator, *people(3)]


def _act(socket: Any, session: LiveSession, action: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = socket.emit(
        "act", {"session": session.id, "action": action, **params}, namespace=NS, callback=True
    )
    return answer


def test_joining_answers_with_the_current_state_and_ones_own(app: Flask) -> None:
    session, (moderator, a, _b, _c) = _setup()
    speakers.raise_hand(a, session)
    socket = _socket(app, a)
    answer = socket.emit("join", {"session": session.id}, namespace=NS, callback=True)
    assert answer["ok"] and answer["state"]["version"] == state.public_state(session)["version"]
    assert answer["state"]["queue"][0]["who"] == answer["own"]["who"]
    assert list(answer["own"]["places"]) == ["normal"]
    assert answer["facilitator"] is False


def test_joining_a_hidden_or_unknown_session_is_refused(app: Flask) -> None:
    moderator = make_user()
    hidden = make_session(live_consultation(moderators=[moderator]), moderator)
    hidden.consultation.status = "draft"  # taken back to draft while a session ran
    db.session.commit()
    socket = _socket(app, make_user())
    for payload in (
        {"session": hidden.id},
        {"session": 10**12},
        {"session": "1"},
        {"session": True},
        "x",
        None,
    ):
        answer = socket.emit("join", payload, namespace=NS, callback=True)
        assert answer["ok"] is False and "state" not in answer, payload


def test_the_console_acts_and_every_screen_hears_the_newer_state(app: Flask) -> None:
    session, (moderator, a, b, _c) = _setup()
    console, participant = _socket(app, moderator), _socket(app, a)
    for socket, view in ((console, "console"), (participant, "participant")):
        assert socket.emit("join", {"session": session.id, "view": view}, namespace=NS, callback=True)["ok"]
    speakers.raise_hand(b, session)
    participant.get_received(NS)
    answer = _act(console, session, "floor")
    assert answer["ok"] and answer["message"]
    heard = _states(participant)
    assert heard and heard[-1]["speaker"]["name"] == "Personne 1"
    assert heard[-1]["version"] == answer["version"]


def test_console_actions_of_a_participant_are_refused_and_change_nothing(app: Flask) -> None:
    session, (_moderator, a, b, _c) = _setup()
    speakers.raise_hand(b, session)
    socket = _socket(app, a)
    socket.emit("join", {"session": session.id}, namespace=NS, callback=True)
    socket.get_received(NS)
    before = state.public_state(session)["version"]
    for action in ("floor", "end", "next-item", "announce", "close-poll"):
        answer = _act(socket, session, action, text="Pirate")
        assert answer["ok"] is False and answer["error"] == "forbidden" and answer["message"], action
    db.session.expire_all()
    assert state.public_state(session)["version"] == before
    assert _states(socket) == []


def test_a_hand_twice_a_closed_poll_an_ended_session_are_clear_errors(app: Flask) -> None:
    session, (moderator, a, _b, _c) = _setup()
    socket = _socket(app, a)
    assert _act(socket, session, "raise")["ok"]
    twice = _act(socket, session, "raise")
    assert (
        twice == {"ok": False, "error": "conflict", "message": twice["message"]}
        and "already" in twice["message"]
    )
    poll = quickpolls.create_poll(moderator, session, quickpolls.PollData(question_fr="Oui ?"))
    assert _act(socket, session, "answer", poll=poll.id, choice=0)["ok"]
    assert _act(socket, session, "answer", poll=poll.id, choice=1)["error"] == "conflict"
    quickpolls.close_poll(moderator, session, poll.id)
    db.session.expire_all()
    other = _socket(app, make_user())
    assert _act(other, session, "answer", poll=poll.id, choice=1)["error"] == "poll_closed"
    assert _act(socket, session, "ask", text="x" * 501)["error"] == "invalid"
    sessions.end_session(moderator, session)
    ended = _act(socket, session, "raise")
    assert ended["ok"] is False and ended["error"] == "session_ended"


def test_events_naming_another_sessions_objects_are_refused(app: Flask) -> None:
    session, (moderator, a, _b, _c) = _setup()
    other = make_session(session.consultation, moderator, title="Autre")
    theirs = speakers.raise_hand(a, other).speaker_id
    poll = quickpolls.create_poll(moderator, other, quickpolls.PollData(question_fr="Ailleurs ?"))
    console = _socket(app, moderator)
    assert _act(console, session, "floor", speaker=theirs)["error"] == "not_found"
    assert _act(console, session, "close-poll", poll=poll.id)["error"] == "not_found"
    assert _act(_socket(app, a), session, "answer", poll=poll.id, choice=0)["error"] == "not_found"
    for bad in ({"session": "x", "action": "floor"}, {"action": "floor"}, {"session": session.id, "action": None},
                {"session": session.id, "action": "drop-tables"}):  # fmt: skip
        answer = console.emit("act", bad, namespace=NS, callback=True)
        assert answer["ok"] is False, bad


def test_answers_are_never_broadcast_only_a_count_to_consoles(app: Flask) -> None:
    session, (moderator, a, b, c) = _setup()
    poll = quickpolls.create_poll(moderator, session, quickpolls.PollData(question_fr="Oui ?"))
    console, participant = _socket(app, moderator), _socket(app, c)
    console.emit("join", {"session": session.id, "view": "console"}, namespace=NS, callback=True)
    participant.emit("join", {"session": session.id}, namespace=NS, callback=True)
    console.get_received(NS), participant.get_received(NS)
    for person, choice in ((a, 0), (b, 2)):
        answer = _act(_socket(app, person), session, "answer", poll=poll.id, choice=choice)
        assert answer["ok"], answer
    to_console = console.get_received(NS)
    to_participant = participant.get_received(NS)
    assert [e["args"][0]["answers"] for e in to_console if e["name"] == "live.count"] == [1, 2]
    assert to_participant == []  # no state changed, no count, no answer
    assert "choice" not in str(to_console)


def test_a_participant_cannot_spam_gestures(app: Flask) -> None:
    session, (_moderator, a, _b, _c) = _setup()
    socket = _socket(app, a)
    answers = [_act(socket, session, "raise" if n % 2 == 0 else "lower") for n in range(events.BURST + 3)]
    assert all(answer["ok"] for answer in answers[: events.BURST])
    assert answers[-1]["error"] == "rate_limited"


def test_a_reconnected_screen_catches_up_at_once(app: Flask) -> None:
    session, (moderator, a, b, _c) = _setup()
    socket = _socket(app, a)
    socket.emit("join", {"session": session.id}, namespace=NS, callback=True)
    socket.disconnect(namespace=NS)
    speakers.raise_hand(b, session)
    speakers.give_floor(moderator, session)
    sessions.pin_announcement(moderator, session, "Nous reprenons")
    again = _socket(app, a)
    answer = again.emit("join", {"session": session.id}, namespace=NS, callback=True)
    assert answer["state"]["speaker"]["name"] == "Personne 1"
    assert "Nous reprenons" in answer["state"]["announcement"]
