"""Who is on a document, how many edit it, and each person's message budget: shared by all processes.

With REDIS_URL every process reads and writes the same Redis keys; without it a process keeps them in
memory (one process only). Entries carry an expiry so a crashed process's connections fade away.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

# Seconds a connection's entry lives without being refreshed (events refresh it while it talks).
TTL = 90.0

# A message is admitted while the bucket holds a token, and then pays its cost, which may leave the
# bucket in debt (work done after admitting it is charged the same way, ARGV[6] = 1: never refused).
# An admitted message also takes up to ARGV[5] more whole tokens, leased to the process. Returns the
# tokens leased, or -1: refused.
_BUCKET_SCRIPT = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cost, lease, charge = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local stamp = tonumber(redis.call('HGET', KEYS[1], 's') or ARGV[3])
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local leased = -1
if charge or tokens >= 1 then
  tokens = math.max(tokens - cost, -burst)
  leased = math.max(0, math.min(lease, math.floor(tokens)))
  tokens = tokens - leased
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(2 * burst / rate) + 1)
return leased
"""

# The Redis bucket hands a process a few tokens at once (a lease), spent locally for at most
# LEASE_SECONDS: one Redis round trip per LEASE_TOKENS messages instead of one per message (someone
# typing 5 characters a second: one every 5 s; each costs the server 0.3-0.5 ms of CPU: 7-10 % of a
# busy one's time at 300 editors with leases of 10 tokens for 2 s). Tokens are only ever taken from the
# shared bucket, so a person never gets more than it grants; a lease unused within LEASE_SECONDS is
# dropped (a person who stops typing loses at most LEASE_TOKENS - 1 tokens, against a budget of
# DRAFTING_RATE, 40 a second by default).
LEASE_TOKENS = 25
LEASE_SECONDS = 5.0
REDIS_CONNECTIONS = 32  # per process

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
    def claim_editor(self, document_id: int, sid: str, cap: int) -> bool: ...
    def enter(self, document_id: int, sid: str, person: dict[str, Any]) -> None: ...
    def touch(self, document_id: int, sid: str) -> None: ...
    def leave(self, document_id: int, sid: str) -> None: ...
    def people(self, document_id: int) -> list[dict[str, Any]]: ...
    def editor_count(self, document_id: int) -> int: ...
    def allow(self, key: str, rate: float, burst: float, cost: int = 1) -> bool: ...
    def charge(self, key: str, rate: float, burst: float, cost: int) -> None: ...
    def clear(self) -> None: ...


class MemoryPresence:
    """One process: plain dictionaries behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._editors: dict[int, dict[str, float]] = {}
        self._people: dict[int, dict[str, tuple[float, dict[str, Any]]]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}

    def claim_editor(self, document_id: int, sid: str, cap: int) -> bool:
        now = time.time()
        with self._lock:
            editors = self._editors.setdefault(document_id, {})
            for other in [s for s, expiry in editors.items() if expiry <= now]:
                del editors[other]
            if sid not in editors and len(editors) >= cap:
                return False
            editors[sid] = now + TTL
            return True

    def enter(self, document_id: int, sid: str, person: dict[str, Any]) -> None:
        with self._lock:
            self._people.setdefault(document_id, {})[sid] = (time.time() + TTL, person)

    def touch(self, document_id: int, sid: str) -> None:
        expiry = time.time() + TTL
        with self._lock:
            editors = self._editors.get(document_id, {})
            if sid in editors:
                editors[sid] = expiry
            people = self._people.get(document_id, {})
            if sid in people:
                people[sid] = (expiry, people[sid][1])

    def leave(self, document_id: int, sid: str) -> None:
        with self._lock:
            self._editors.get(document_id, {}).pop(sid, None)
            self._people.get(document_id, {}).pop(sid, None)

    def people(self, document_id: int) -> list[dict[str, Any]]:
        now = time.time()
        with self._lock:
            return [p for expiry, p in self._people.get(document_id, {}).values() if expiry > now]

    def editor_count(self, document_id: int) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for expiry in self._editors.get(document_id, {}).values() if expiry > now)

    def allow(self, key: str, rate: float, burst: float, cost: int = 1) -> bool:
        """Admit a message while a token is left; it pays `cost` (the bucket may go into debt)."""
        return self._take(key, rate, burst, cost, charge=False)

    def charge(self, key: str, rate: float, burst: float, cost: int) -> None:
        """Take `cost` tokens for work done after admitting a message (never refused)."""
        self._take(key, rate, burst, cost, charge=True)

    def _take(self, key: str, rate: float, burst: float, cost: int, charge: bool) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            allowed = charge or tokens >= 1
            self._buckets[key] = (max(tokens - cost, -burst) if allowed else tokens, now)
            return allowed

    def clear(self) -> None:
        with self._lock:
            self._editors.clear()
            self._people.clear()
            self._buckets.clear()


class RedisPresence:
    """Several processes: sorted sets of connections scored by expiry, hashes of people, Lua buckets."""

    def __init__(self, url: str, prefix: str = "civic:drafting:") -> None:
        import redis

        # Blocking: under load many green threads ask at once; redis-py's default pool raises "Too many
        # connections" past 100 (each such message went unanswered), this one makes them wait their turn.
        pool = redis.BlockingConnectionPool.from_url(url, max_connections=REDIS_CONNECTIONS, timeout=10)
        self._redis = redis.Redis(connection_pool=pool)
        self._prefix = prefix
        self._bucket = self._redis.register_script(_BUCKET_SCRIPT)
        self._claim = self._redis.register_script(_CLAIM_EDITOR)
        self._lock = threading.Lock()
        # key -> (tokens leased and not yet spent, lease expiry or refusal end, monotonic)
        self._leases: dict[str, tuple[int, float]] = {}
        self._asking: dict[str, threading.Event] = {}  # keys whose lease is being asked for

    def _key(self, kind: str, ident: object) -> str:
        return f"{self._prefix}{kind}:{ident}"

    def claim_editor(self, document_id: int, sid: str, cap: int) -> bool:
        now = time.time()
        return bool(self._claim(keys=[self._key("editors", document_id)], args=[now, now + TTL, sid, cap]))

    def enter(self, document_id: int, sid: str, person: dict[str, Any]) -> None:
        key = self._key("people", document_id)
        pipe = self._redis.pipeline()
        pipe.hset(key, sid, json.dumps({**person, "expires": time.time() + TTL}))
        pipe.expire(key, 86400)
        pipe.execute()

    def touch(self, document_id: int, sid: str) -> None:
        expiry = time.time() + TTL
        editors = self._key("editors", document_id)
        people = self._key("people", document_id)
        raw = self._redis.hget(people, sid)
        pipe = self._redis.pipeline()
        pipe.zadd(editors, {sid: expiry}, xx=True)
        if raw is not None:
            pipe.hset(people, sid, json.dumps({**json.loads(raw), "expires": expiry}))
        pipe.execute()

    def leave(self, document_id: int, sid: str) -> None:
        pipe = self._redis.pipeline()
        pipe.zrem(self._key("editors", document_id), sid)
        pipe.hdel(self._key("people", document_id), sid)
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

    def _spend_lease(self, key: str, cost: int) -> tuple[bool | None, int]:
        """Pay from this process's lease: (True, 0) paid; (False, 0) refused a moment ago (no token can
        have come back yet); (None, n): n leased tokens went towards the cost, Redis is owed the rest."""
        now = time.monotonic()
        with self._lock:
            tokens, until = self._leases.get(key, (0, 0.0))
            if now >= until:
                return None, 0
            if tokens >= cost:
                self._leases[key] = (tokens - cost, until)
                return True, 0
            if tokens < 0:
                return False, 0
            self._leases[key] = (0, until)
            return None, tokens

    def _script(self, key: str, rate: float, burst: float, cost: int, lease: int, charge: bool) -> int:
        args = [rate, burst, time.time(), cost, lease, 1 if charge else 0]
        return int(self._bucket(keys=[self._key("rate", key)], args=args))

    def charge(self, key: str, rate: float, burst: float, cost: int) -> None:
        paid, held = self._spend_lease(key, cost)
        if paid is not True:
            self._script(key, rate, burst, cost - held, 0, charge=True)

    def allow(self, key: str, rate: float, burst: float, cost: int = 1) -> bool:
        paid, held = self._spend_lease(key, cost)
        if paid is not None:
            return paid
        if held:  # the bucket had tokens for this process: admitted, the rest of the cost is owed
            self._script(key, rate, burst, cost - held, 0, charge=True)
            return True
        # One request per key at a time: a person's messages arriving together wait for its lease
        # instead of each asking Redis (under load that herd exhausted the connection pool).
        with self._lock:
            asking = self._asking.get(key)
            if asking is None:
                asking = self._asking[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            asking.wait(10)
            paid, held = self._spend_lease(key, cost)
            if paid is not None:
                return paid
            if held:
                self._script(key, rate, burst, cost - held, 0, charge=True)
                return True
        try:
            return self._lease(key, rate, burst, cost)
        finally:
            if mine:
                with self._lock:
                    self._asking.pop(key, None)
                asking.set()

    def _lease(self, key: str, rate: float, burst: float, cost: int) -> bool:
        now = time.monotonic()
        leased = self._script(key, rate, burst, cost, max(0, min(LEASE_TOKENS, int(burst)) - 1), charge=False)
        with self._lock:
            if len(self._leases) > 10_000:  # drop expired leases now and then
                self._leases = {k: v for k, v in self._leases.items() if v[1] > now}
            if leased >= 0:
                self._leases[key] = (leased, now + LEASE_SECONDS)
            else:
                self._leases[key] = (-1, now + min(LEASE_SECONDS, 1 / rate if rate > 0 else LEASE_SECONDS))
        return leased >= 0

    def clear(self) -> None:
        with self._lock:
            self._leases.clear()
        for key in self._redis.scan_iter(f"{self._prefix}*"):
            self._redis.delete(key)


def presence_for(redis_url: str | None) -> Presence:
    return RedisPresence(redis_url) if redis_url else MemoryPresence()
