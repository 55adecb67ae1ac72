"""Each person's message budget: a token bucket shared by all processes, charged by what messages cost.

A message costs one token plus one per COST_BYTES it carries or is answered with (reading and storing
an update, or encoding a sync's answer, take time in proportion to their bytes, however few messages
carry them). It is admitted while a token is left, whatever it costs (at most a burst): a large paste
or sync is never refused for good, what follows waits until the budget refills. Guests are counted
per connection. With REDIS_URL the bucket is in Redis and each process leases a few tokens at once.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

COST_BYTES = 1024


def message_cost(size: int) -> int:
    """The tokens a message of `size` bytes (or an answer of that size) costs."""
    return 1 + size // COST_BYTES


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
# LEASE_SECONDS: one Redis round trip per LEASE_TOKENS messages instead of one per message, each a
# measurable share of a busy server's time (docs/performance.md). Tokens are only ever taken from the
# shared bucket, so a person never gets more than it grants; a lease unused within LEASE_SECONDS is
# dropped (a person who stops typing loses at most LEASE_TOKENS - 1 tokens of their budget).
LEASE_TOKENS = 25
LEASE_SECONDS = 5.0


class Budget(Protocol):
    def allow(self, key: str, rate: float, burst: float, cost: int = 1) -> bool: ...
    def charge(self, key: str, rate: float, burst: float, cost: int) -> None: ...
    def clear(self) -> None: ...


class MemoryBudget:
    """One process: buckets in a dictionary behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

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
            self._buckets.clear()


class RedisBudget:
    """Several processes: a Lua bucket per person in Redis, leased a few tokens at a time."""

    def __init__(self, client: Any, prefix: str = "civic:drafting:") -> None:
        self._redis = client
        self._prefix = prefix
        self._bucket = self._redis.register_script(_BUCKET_SCRIPT)
        self._lock = threading.Lock()
        # key -> (tokens leased and not yet spent, lease expiry or refusal end, monotonic)
        self._leases: dict[str, tuple[int, float]] = {}
        self._asking: dict[str, threading.Event] = {}  # keys whose lease is being asked for

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
        return int(self._bucket(keys=[f"{self._prefix}rate:{key}"], args=args))

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
        for key in self._redis.scan_iter(f"{self._prefix}rate:*"):
            self._redis.delete(key)


def budget_for(client: Any | None) -> Budget:
    """The buckets of a site: in Redis when `client` (a redis.Redis) is given, else in memory."""
    return RedisBudget(client) if client is not None else MemoryBudget()
