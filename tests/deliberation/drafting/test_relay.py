"""The relay's batch window: wider for a busy room, widest when the process's CPU is full."""

from __future__ import annotations

import time

import pytest

from civic.deliberation.drafting import live
from civic.deliberation.drafting.live import LAG_SATURATED, Relay


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def test_the_window_widens_with_the_senders_and_again_when_timers_fire_late() -> None:
    relay = Relay(0.05, 0.1, busy_senders=10, crowd_seconds=0.15)
    relay._last_senders.update({1: 1, 2: 20})
    assert relay.window(1) == 0.05 and relay.window(2) == 0.1
    relay.lag = LAG_SATURATED * 2
    assert relay.window(2) == 0.15
    assert relay.window(1) == 0.05  # someone typing alone never waits longer


def test_late_timers_are_noticed_and_punctual_ones_calm_it_down(monkeypatch: pytest.MonkeyPatch) -> None:
    relay = Relay(0.001, crowd_seconds=0.15)
    monkeypatch.setattr(relay, "flush", lambda document_id: None)
    monkeypatch.setattr(live.socketio, "sleep", lambda seconds: time.sleep(seconds + 0.03))  # a full CPU
    for _ in range(10):
        relay._flush_later(1, 0.001)
    assert relay.lag > LAG_SATURATED
    monkeypatch.setattr(live.socketio, "sleep", time.sleep)
    for _ in range(30):
        relay._flush_later(1, 0.001)
    assert relay.lag < LAG_SATURATED
