"""The shared presence store behaves the same in memory and in Redis (several processes)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from civic.deliberation.drafting.presence import MemoryPresence, Presence, RedisPresence
from tests.conftest import TEST_REDIS_URL, service_missing


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Presence]:
    if request.param == "memory":
        yield MemoryPresence()
        return
    if not TEST_REDIS_URL:
        service_missing("Redis presence tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    presence = RedisPresence(str(TEST_REDIS_URL), prefix=f"civic:test:{secrets.token_hex(4)}:")
    yield presence
    presence.clear()


def test_the_editor_cap_is_shared_and_freed_on_leave(store: Presence) -> None:
    assert store.claim_editor(1, "a", 2) and store.claim_editor(1, "b", 2)
    assert not store.claim_editor(1, "c", 2)
    assert store.claim_editor(1, "a", 2)  # already seated
    assert store.editor_count(1) == 2
    store.leave(1, "a")
    assert store.claim_editor(1, "c", 2)


def test_people_enter_and_leave(store: Presence) -> None:
    store.enter(7, "a", {"id": 1, "name": "Alice", "color": "#1d4ed8", "role": "editor"})
    store.enter(7, "b", {"id": None, "name": "Invité", "color": "#595959", "role": "viewer"})
    store.touch(7, "a")
    assert sorted(p["name"] for p in store.people(7)) == ["Alice", "Invité"]
    store.leave(7, "b")
    assert [p["name"] for p in store.people(7)] == ["Alice"]


def test_the_token_bucket_allows_a_burst_then_refuses(store: Presence) -> None:
    allowed = [store.allow("user:1", 0.001, 5) for _ in range(12)]
    assert allowed == [True] * 5 + [False] * 7
    assert store.allow("user:2", 0.001, 5)


def test_a_costly_message_is_admitted_on_the_last_token_and_leaves_the_bucket_in_debt(
    store: Presence,
) -> None:
    # 50 tokens: 31 and 31 are admitted (the second on the 19 left), then nothing until the debt is paid.
    assert [store.allow("user:3", 0.001, 50, cost=31) for _ in range(3)] == [True, True, False]
    assert not store.allow("user:3", 0.001, 50)
    assert store.allow("user:4", 0.001, 50, cost=31)


def test_work_done_after_admission_is_charged(store: Presence) -> None:
    assert store.allow("user:5", 0.001, 50)
    store.charge("user:5", 0.001, 50, 49)  # e.g. answering a step 1 with the whole document
    assert not store.allow("user:5", 0.001, 50)
    assert store.allow("user:6", 0.001, 50)
    store.charge("user:6", 0.001, 50, 10)  # paid from what is left (for Redis: the process's lease)
    assert sum(store.allow("user:6", 0.001, 50) for _ in range(50)) == 39
