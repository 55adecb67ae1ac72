"""The Redis rate limit's leases: one shared budget per person, one round trip per few messages."""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from civic.deliberation.drafting.sync import budget
from civic.deliberation.drafting.sync.budget import RedisBudget
from tests.conftest import TEST_REDIS_URL, service_missing


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def _redis_pair() -> tuple[RedisBudget, RedisBudget]:
    """Two processes' budgets (each its own connections) on the same keys."""
    if not TEST_REDIS_URL:
        service_missing("Redis budget tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    import redis

    prefix = f"civic:test:{secrets.token_hex(4)}:"
    first, second = (RedisBudget(redis.Redis.from_url(str(TEST_REDIS_URL)), prefix=prefix) for _ in range(2))
    return first, second


def test_two_processes_share_one_budget_through_leases() -> None:
    first, second = _redis_pair()
    burst = 3 * budget.LEASE_TOKENS + 2
    try:
        allowed = [store.allow("user:1", 0.001, burst) for _ in range(burst) for store in (first, second)]
        # Leased tokens are taken from the shared bucket: never more than it holds, and a token
        # leased by one process is not spent by the other.
        assert sum(allowed) <= burst
        assert sum(allowed) >= burst - 2 * (budget.LEASE_TOKENS - 1)
        assert not first.allow("user:1", 0.001, burst) and not second.allow("user:1", 0.001, burst)
    finally:
        first.clear()


def test_leases_spare_redis_a_round_trip_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _other = _redis_pair()
    calls = []
    script = store._bucket

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return script(*args, **kwargs)

    monkeypatch.setattr(store, "_bucket", counting)
    try:
        assert all(store.allow("user:3", 100, 200) for _ in range(3 * budget.LEASE_TOKENS))
        assert len(calls) == 3
    finally:
        store.clear()


def test_an_unused_lease_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _redis_pair()
    monkeypatch.setattr(budget, "LEASE_SECONDS", 0.05)
    try:
        assert first.allow("user:4", 0.001, 5)  # leases all 5 tokens: the other process gets none
        assert not second.allow("user:4", 0.001, 5)
        time.sleep(0.06)
        # The lease lapsed unused: its tokens are gone (not handed back), and nobody gets more.
        assert not first.allow("user:4", 0.001, 5)
    finally:
        first.clear()


def test_messages_arriving_together_share_one_lease_request(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _other = _redis_pair()
    calls = []
    script = store._bucket

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        time.sleep(0.05)  # the round trip during which the others arrive
        return script(*args, **kwargs)

    monkeypatch.setattr(store, "_bucket", slow)
    together = budget.LEASE_TOKENS + 5
    try:
        with ThreadPoolExecutor(together) as pool:
            allowed = list(pool.map(lambda _: store.allow("user:5", 100, 200), range(together)))
        assert all(allowed)
        # The first asks; the others wait for its lease: those it does not cover ask again.
        assert len(calls) <= together - (budget.LEASE_TOKENS - 1)
    finally:
        store.clear()
