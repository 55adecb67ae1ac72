"""Live sessions across two server processes (Redis, PostgreSQL): two facilitators, each on their own
process, act at the same moment; their actions happen one after the other, every screen on either
process ends on the same state and never goes back to an older one; a participant who lands on the
other process sees the current state at once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import socketio

from tests.scale import harness
from tests.scale.conftest import Cluster, eventually

NS = "/live"


@dataclass
class Screen:
    """A browser tab following a session over a real Socket.IO connection: the states it kept."""

    cookie: str
    session_id: int
    view: str = "participant"
    states: list[dict[str, Any]] = field(default_factory=list)  # newer ones only, as the page keeps them
    heard: list[int] = field(default_factory=list)  # every version received, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("live.state", self._on_state, namespace=NS)

    def _on_state(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.heard.append(state["version"])
            if not self.states or state["version"] > self.states[-1]["version"]:
                self.states.append(state)

    def open(self, url: str) -> dict[str, Any]:
        self.sio.connect(
            url, headers={"Cookie": self.cookie}, namespaces=[NS], transports=["websocket"], wait_timeout=20
        )
        answer: dict[str, Any] = self.sio.call(
            "join", {"session": self.session_id, "view": self.view}, namespace=NS, timeout=20
        )
        assert answer["ok"], answer
        self._on_state(answer["state"])
        return answer

    def act(self, action: str, **params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.sio.call(
            "act", {"session": self.session_id, "action": action, **params}, namespace=NS, timeout=30
        )
        return answer

    @property
    def latest(self) -> dict[str, Any]:
        with self.lock:
            return self.states[-1]

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


@dataclass
class Meeting:
    session_id: int
    facilitators: list[str]
    people: list[str]


def _meeting(cluster: Cluster, people: int) -> Meeting:
    """A consultation in a deliberation phase, two facilitators, `people` participants, a running session."""
    from civic.extensions import db
    from tests.deliberation.live.factories import live_consultation, make_session
    from tests.factories import make_user

    with cluster.app.app_context(), cluster.app.test_request_context("/"):
        tag = str(time.monotonic_ns())
        facilitators = [make_user(f"fac{n}-{tag}@example.org", f"Animatrice {n}") for n in range(2)]
        consultation = live_consultation(moderators=facilitators)
        session = make_session(consultation, facilitators[0], items=3)
        others = [make_user(f"p{n}-{tag}@example.org", f"Personne {n}").email for n in range(people)]
        meeting = Meeting(session.id, [f.email for f in facilitators], others)
        db.session.remove()
        return meeting


def _stored(cluster: Cluster, session_id: int) -> dict[str, Any]:
    """The session's state as the database holds it now."""
    from civic.deliberation.live import state as states
    from civic.deliberation.live.models import LiveSession
    from civic.extensions import db

    with cluster.app.app_context(), cluster.app.test_request_context("/"):
        try:
            session = db.session.get(LiveSession, session_id)
            assert session is not None
            return states.public_state(session)
        finally:
            db.session.remove()


def _screen(
    cluster: Cluster, email: str, session_id: int, server: harness.Server, view: str = "participant"
) -> Screen:
    screen = Screen(harness.sign_in(server.url, email), session_id, view)
    screen.open(server.url)
    return screen


def _plain(value: Any) -> Any:
    """A state without the `who` tokens (keyed by the servers' secret, not this process's)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "who"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _same(state: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("version", "speaker", "queue", "item", "announcement", "state", "agenda", "poll", "questions")
    return all(_plain(state[k]) == _plain(other[k]) for k in keys)


def test_two_facilitators_on_two_processes_act_at_once_and_every_screen_agrees(cluster: Cluster) -> None:
    meeting = _meeting(cluster, people=12)
    servers = [cluster.a, cluster.b]
    raising = [
        _screen(cluster, email, meeting.session_id, servers[n % 2]) for n, email in enumerate(meeting.people)
    ]
    try:
        for screen in raising:
            assert screen.act("raise")["ok"]
        consoles = [
            _screen(cluster, email, meeting.session_id, server, "console")
            for email, server in zip(meeting.facilitators, servers, strict=True)
        ]
        watchers = [_screen(cluster, meeting.people[n], meeting.session_id, servers[n]) for n in range(2)]
        eventually(
            lambda: all(len(w.latest["queue"]) == 12 for w in watchers),
            what="the 12 raised hands on both processes",
        )

        # Both facilitators press "give the floor to the next" six times, at the same moments.
        answers: list[list[dict[str, Any]]] = [[], []]
        start = threading.Barrier(2)

        def press(number: int) -> None:
            start.wait()
            for _ in range(6):
                answers[number].append(consoles[number].act("floor"))

        threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        flat = answers[0] + answers[1]
        assert all(a["ok"] for a in flat), [a for a in flat if not a["ok"]]
        versions = sorted(a["version"] for a in flat)
        assert len(set(versions)) == 12, versions  # one after the other, never two at once
        given = sorted(a["result"] for a in flat)
        assert len(set(given)) == 12  # twelve different people had the floor, each once

        stored = _stored(cluster, meeting.session_id)
        assert stored["queue"] == [] and stored["speaker"] is not None
        every = [*consoles, *watchers]
        eventually(
            lambda: all(s.latest["version"] == stored["version"] for s in every),
            what="every screen on the last version",
        )
        for screen in every:
            assert _same(screen.latest, stored)
            kept = [s["version"] for s in screen.states]
            assert kept == sorted(kept)  # a screen never went back to an older state
        # The speaking times the screens show: everyone spoke once, in the order of the list.
        assert sorted(t["turns"] for t in stored["times"]) == [1] * 12
    finally:
        for screen in raising:
            screen.close()


def test_a_participant_landing_on_the_other_process_sees_the_current_state(cluster: Cluster) -> None:
    meeting = _meeting(cluster, people=2)
    participant = _screen(cluster, meeting.people[0], meeting.session_id, cluster.a)
    console = _screen(cluster, meeting.facilitators[1], meeting.session_id, cluster.b, "console")
    try:
        assert participant.act("raise")["ok"]
        participant.close()  # the connection drops (a train tunnel)
        assert console.act("floor")["ok"]
        assert console.act("announce", text="Nous reprenons à 20 h 30")["ok"]
        assert console.act("next-item")["ok"]
        again = Screen(participant.cookie, meeting.session_id)
        answer = again.open(cluster.b.url)  # the load balancer sends it to the other process
        stored = _stored(cluster, meeting.session_id)
        assert _same(answer["state"], stored)
        assert (
            answer["state"]["speaker"]["who"] == answer["own"]["who"]
        )  # it is their turn (the server's tokens)
        assert "20 h 30" in answer["state"]["announcement"]
        again.close()
    finally:
        console.close()


def test_a_state_published_by_one_process_reaches_screens_of_the_other(cluster: Cluster) -> None:
    meeting = _meeting(cluster, people=1)
    watcher = _screen(cluster, meeting.people[0], meeting.session_id, cluster.b)
    console = _screen(cluster, meeting.facilitators[0], meeting.session_id, cluster.a, "console")
    try:
        before = watcher.latest["version"]
        answer = console.act("announce", text="Pause")
        assert answer["ok"]
        eventually(
            lambda: watcher.latest["version"] >= answer["version"], what="process b's screen to hear it"
        )
        assert watcher.latest["version"] > before and "Pause" in watcher.latest["announcement"]
    finally:
        watcher.close()
        console.close()
