"""The relay's batch window: wider for a busy room in a busy process, widest when its CPU is full."""

from __future__ import annotations

import time

import pytest

from civic.deliberation.drafting import live
from civic.deliberation.drafting.live import LAG_BUSY, LAG_SATURATED, Relay


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def test_the_window_widens_with_the_senders_as_timers_fire_late_and_most_when_the_cpu_is_full() -> None:
    relay = Relay(0.05, 0.1, busy_senders=10, crowd_seconds=0.15)
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
