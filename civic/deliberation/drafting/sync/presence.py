"""Who is on a document and how many edit it: shared by all processes.

With REDIS_URL every process reads and writes the same Redis keys; without it a process keeps them in
memory (one process only). Entries carry an expiry so a crashed process's connections fade away.
Connections are named by their id (sync/connection.py), unique across processes.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

# Seconds a connection's entry lives without being refreshed (its messages refresh it while it talks).
TTL = 90.0

_CLAIM_EDITOR = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]); return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], 86400)
return 1
"""


class Presence(Protocol):
    def claim_editor(self, document_id: int, connection: str, cap: int) -> bool: ...
    def enter(self, document_id: int, connection: str, person: dict[str, Any]) -> None: ...
    def touch(self, document_id: int, connection: str) -> None: ...
    def leave(self, document_id: int, connection: str) -> None: ...
    def people(self, document_id: int) -> list[dict[str, Any]]: ...
    def editor_count(self, document_id: int) -> int: ...
    def clear(self) -> None: ...


class MemoryPresence:
    """One process: plain dictionaries behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._editors: dict[int, dict[str, float]] = {}
        self._people: dict[int, dict[str, tuple[float, dict[str, Any]]]] = {}

    def claim_editor(self, document_id: int, connection: str, cap: int) -> bool:
        now = time.time()
        with self._lock:
            editors = self._editors.setdefault(document_id, {})
            for other in [s for s, expiry in editors.items() if expiry <= now]:
                del editors[other]
            if connection not in editors and len(editors) >= cap:
                return False
            editors[connection] = now + TTL
            return True

    def enter(self, document_id: int, connection: str, person: dict[str, Any]) -> None:
        with self._lock:
            self._people.setdefault(document_id, {})[connection] = (time.time() + TTL, person)

    def touch(self, document_id: int, connection: str) -> None:
        expiry = time.time() + TTL
        with self._lock:
            editors = self._editors.get(document_id, {})
            if connection in editors:
                editors[connection] = expiry
            people = self._people.get(document_id, {})
            if connection in people:
                people[connection] = (expiry, people[connection][1])

    def leave(self, document_id: int, connection: str) -> None:
        with self._lock:
            self._editors.get(document_id, {}).pop(connection, None)
            self._people.get(document_id, {}).pop(connection, None)

    def people(self, document_id: int) -> list[dict[str, Any]]:
        now = time.time()
        with self._lock:
            return [p for expiry, p in self._people.get(document_id, {}).values() if expiry > now]

    def editor_count(self, document_id: int) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for expiry in self._editors.get(document_id, {}).values() if expiry > now)

    def clear(self) -> None:
        with self._lock:
            self._editors.clear()
            self._people.clear()


class RedisPresence:
    """Several processes: sorted sets of connections scored by expiry, hashes of people."""

    def __init__(self, client: Any, prefix: str = "civic:drafting:") -> None:
        self._redis = client
        self._prefix = prefix
        self._claim = self._redis.register_script(_CLAIM_EDITOR)

    def _key(self, kind: str, ident: object) -> str:
        return f"{self._prefix}{kind}:{ident}"

    def claim_editor(self, document_id: int, connection: str, cap: int) -> bool:
        now = time.time()
        return bool(
            self._claim(keys=[self._key("editors", document_id)], args=[now, now + TTL, connection, cap])
        )

    def enter(self, document_id: int, connection: str, person: dict[str, Any]) -> None:
        key = self._key("people", document_id)
        pipe = self._redis.pipeline()
        pipe.hset(key, connection, json.dumps({**person, "expires": time.time() + TTL}))
        pipe.expire(key, 86400)
        pipe.execute()

    def touch(self, document_id: int, connection: str) -> None:
        expiry = time.time() + TTL
        editors = self._key("editors", document_id)
        people = self._key("people", document_id)
        raw = self._redis.hget(people, connection)
        pipe = self._redis.pipeline()
        pipe.zadd(editors, {connection: expiry}, xx=True)
        if raw is not None:
            pipe.hset(people, connection, json.dumps({**json.loads(raw), "expires": expiry}))
        pipe.execute()

    def leave(self, document_id: int, connection: str) -> None:
        pipe = self._redis.pipeline()
        pipe.zrem(self._key("editors", document_id), connection)
        pipe.hdel(self._key("people", document_id), connection)
        pipe.execute()

    def people(self, document_id: int) -> list[dict[str, Any]]:
        now = time.time()
        result = []
        for raw in self._redis.hvals(self._key("people", document_id)):
            person = json.loads(raw)
            if person.pop("expires", 0) > now:
                result.append(person)
        return result

    def editor_count(self, document_id: int) -> int:
        return int(self._redis.zcount(self._key("editors", document_id), time.time(), "+inf"))

    def clear(self) -> None:
        for kind in ("editors", "people"):
            for key in self._redis.scan_iter(f"{self._prefix}{kind}:*"):
                self._redis.delete(key)


def presence_for(client: Any | None) -> Presence:
    """The store for a site: in Redis when `client` (a redis.Redis) is given, else in memory."""
    return RedisPresence(client) if client is not None else MemoryPresence()
