"""What every benchmark shares: how fast the machine is today, and waiting for its client processes."""

from __future__ import annotations

import time
from typing import Any, Protocol


class WithResults(Protocol):
    """Memory shared with client processes, with the queue they report on: (kind, number, payload)."""

    results: Any


def reference_ms() -> float:
    """Milliseconds for a fixed piece of pure Python, best of 5: how fast the cores are today (the same
    loop in every benchmark, so runs on different days and of different benchmarks compare)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        table: dict[int, int] = {}
        for i in range(200_000):
            total += i
            table[i & 1023] = total
        best = min(best, time.perf_counter() - started)
    return best * 1000


def wait_for(shared: WithResults, kind: str, count: int, timeout: float) -> dict[int, Any]:
    """The reports of `count` client processes of one kind (e.g. "ready", "done")."""
    got: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while len(got) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{len(got)}/{count} client processes {kind} in {timeout} s")
        what, number, payload = shared.results.get(timeout=left)
        if what == "failed":
            raise RuntimeError(f"client process {number} failed: {payload}")
        if what == kind:
            got[number] = payload
    return got
