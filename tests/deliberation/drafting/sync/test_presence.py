"""The shared presence store (editor seats, who is here) behaves the same in memory and in Redis."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from civic.deliberation.drafting.sync.presence import MemoryPresence, Presence, RedisPresence
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
    import redis

    client = redis.Redis.from_url(str(TEST_REDIS_URL))
    presence = RedisPresence(client, prefix=f"civic:test:{secrets.token_hex(4)}:")
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
