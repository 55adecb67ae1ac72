"""The message budget behaves the same in memory and in Redis (several processes)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from civic.deliberation.drafting.sync.budget import Budget, MemoryBudget, RedisBudget
from tests.conftest import TEST_REDIS_URL, service_missing


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Budget]:
    if request.param == "memory":
        yield MemoryBudget()
        return
    if not TEST_REDIS_URL:
        service_missing("Redis budget tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    import redis

    budget = RedisBudget(
        redis.Redis.from_url(str(TEST_REDIS_URL)), prefix=f"civic:test:{secrets.token_hex(4)}:"
    )
    yield budget
    budget.clear()


def test_the_token_bucket_allows_a_burst_then_refuses(store: Budget) -> None:
    allowed = [store.allow("user:1", 0.001, 5) for _ in range(12)]
    assert allowed == [True] * 5 + [False] * 7
    assert store.allow("user:2", 0.001, 5)


def test_a_costly_message_is_admitted_on_the_last_token_and_leaves_the_bucket_in_debt(
    store: Budget,
) -> None:
    # 50 tokens: 31 and 31 are admitted (the second on the 19 left), then nothing until the debt is paid.
    assert [store.allow("user:3", 0.001, 50, cost=31) for _ in range(3)] == [True, True, False]
    assert not store.allow("user:3", 0.001, 50)
    assert store.allow("user:4", 0.001, 50, cost=31)


def test_work_done_after_admission_is_charged(store: Budget) -> None:
    assert store.allow("user:5", 0.001, 50)
    store.charge("user:5", 0.001, 50, 49)  # e.g. answering a step 1 with the whole document
    assert not store.allow("user:5", 0.001, 50)
    assert store.allow("user:6", 0.001, 50)
    store.charge("user:6", 0.001, 50, 10)  # paid from what is left (for Redis: the process's lease)
    assert sum(store.allow("user:6", 0.001, 50) for _ in range(50)) == 39
