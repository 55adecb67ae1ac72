"""The relay's batch window: wider for a busy room in a busy process, widest when its CPU is full."""

from __future__ import annotations

import time

import pytest

from civic.deliberation.drafting.sync import protocol, room
from civic.deliberation.drafting.sync.room import LAG_BUSY, LAG_SATURATED, Relay, Rooms


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def _nowhere(document_id: int, message: bytes, skip: str | None) -> None:
    """Where a relay whose batches are not looked at delivers them."""


def test_the_window_widens_with_the_senders_as_timers_fire_late_and_most_when_the_cpu_is_full() -> None:
    relay = Relay(0.05, _nowhere, 0.1, busy_senders=10, crowd_seconds=0.15)
    relay._last_senders.update({1: 1, 2: 20, 3: 5})
    # Punctual timers: the process has CPU to spare, a busy room is relayed as often as a quiet one.
    assert relay.window(1) == relay.window(2) == relay.window(3) == 0.05
    relay.lag = LAG_BUSY / 2
    assert relay.window(2) == pytest.approx(0.075)
    assert relay.window(3) == pytest.approx(0.05 + 0.05 * 4 / 9 / 2)  # fewer senders, less widening
    relay.lag = LAG_BUSY
    assert relay.window(2) == pytest.approx(0.1)
    relay.lag = (LAG_BUSY + LAG_SATURATED) / 2
    assert relay.window(2) == pytest.approx(0.1)  # the busy window at most, until the CPU is full
    relay.lag = LAG_SATURATED * 2
    assert relay.window(2) == relay.window(3) == 0.15
    assert relay.window(1) == 0.05  # someone typing alone never waits longer


def test_late_timers_are_noticed_and_punctual_ones_calm_it_down(monkeypatch: pytest.MonkeyPatch) -> None:
    relay = Relay(0.001, _nowhere, crowd_seconds=0.15)
    monkeypatch.setattr(relay, "flush", lambda document_id: None)
    monkeypatch.setattr(room.socketio, "sleep", lambda seconds: time.sleep(seconds + 0.03))  # a full CPU
    for _ in range(10):
        relay._flush_later(1, 0.001)
    assert relay.lag > LAG_SATURATED
    monkeypatch.setattr(room.socketio, "sleep", time.sleep)
    for _ in range(30):
        relay._flush_later(1, 0.001)
    assert relay.lag < LAG_SATURATED


def test_presence_sent_alone_gathers_apart_for_longer_and_flush_sends_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timers: list[tuple[int, float, bool]] = []
    sent: list[bytes] = []
    monkeypatch.setattr(room.socketio, "start_background_task", lambda task, *args: timers.append(args))
    relay = Relay(
        0.05, lambda document_id, message, skip: sent.append(message), 0.1, busy_senders=10,
        crowd_seconds=0.15, presence_seconds=0.25,
    )  # fmt: skip
    cursor = protocol.AwarenessEntry(7, 3, {"cursor": {"anchor": 1, "head": 1}})
    relay.send_update(1, b"\x00\x00", "a")
    relay.send_awareness(1, [cursor], "b")
    relay.send_awareness(1, [protocol.AwarenessEntry(8, 1, {"cursor": None})], "c")  # same presence batch
    assert timers == [(1, 0.05, False), (1, 0.25, True)]
    relay.lag = LAG_SATURATED * 2
    relay._last_senders[2] = 20
    relay.receive(2, b"\x00\x00", [cursor])  # from another process: an update and presence
    assert timers[2:] == [(2, 0.15, False), (2, 0.25, True)]
    relay.flush(1)
    assert len(sent) == 2
    assert protocol.parse_message(sent[0]).kind == "update"
    assert [e.client_id for e in protocol.parse_awareness(protocol.parse_message(sent[1]).payload)] == [7, 8]
    relay._flush(2, True)  # the presence timer fires first: the update batch waits for its own
    assert protocol.parse_message(sent[2]).kind == "awareness" and len(sent) == 3


def test_a_room_delivers_to_its_connections_but_the_one_left_out() -> None:
    rooms = Rooms()
    got: dict[str, list[bytes]] = {"a": [], "b": [], "c": []}
    for name in ("a", "b"):
        rooms.enter(1, name, lambda message, name=name: got[name].append(message) is None)
    rooms.enter(2, "c", lambda message: got["c"].append(message) is None)
    rooms.deliver(1, b"x", skip="a")
    rooms.deliver(1, b"y")
    assert got == {"a": [b"y"], "b": [b"x", b"y"], "c": []}
    rooms.leave(1, "a")
    rooms.leave(1, "b")
    assert rooms.count(1) == 0 and rooms.count(2) == 1
