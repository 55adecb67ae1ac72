"""What benchmarks/bench_drafting.py measures with: shared memory, histograms, CPU, the disk, the machine."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.machine import reference_ms as reference_ms
from benchmarks.machine import wait_for as wait_for

BUCKETS = 60_000  # latency histograms: 1 ms buckets up to 60 s


class Shared:
    """Memory shared by the client processes (created before forking)."""

    def __init__(self, editors: int, keystrokes: int) -> None:
        self.send_times = mp.RawArray(ctypes.c_double, editors * keystrokes)
        self.sent = mp.RawArray(ctypes.c_int, editors)
        self.go = mp.Event()
        self.collect = mp.Event()
        self.start_at = mp.RawValue(ctypes.c_double, 0.0)
        self.results: Any = mp.Queue()


def merge(reports: dict[int, Any], name: str) -> dict[int, int]:
    """The client processes' histograms of one kind, added up (bucket -> count)."""
    merged: dict[int, int] = {}
    for report in reports.values():
        for bucket, count in enumerate(report[name]):
            if count:
                merged[bucket] = merged.get(bucket, 0) + count
    return merged


def percentile(histogram: dict[int, int], share: float) -> float:
    total = sum(histogram.values())
    if not total:
        return float("nan")
    rank, running = share * total, 0
    for bucket in sorted(histogram):
        running += histogram[bucket]
        if running >= rank:
            return bucket + 0.5
    return float(max(histogram))


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) these processes have used."""
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (all cores, every process) since it started."""
    times = psutil.cpu_times()
    return float(sum(times)) - times.idle - getattr(times, "iowait", 0.0)


class FsyncProbe:
    """Time fdatasync of a small file every 20 ms while the editors type (a thread of the parent).

    Every Civic edit is committed before it is acknowledged or relayed, so a stall of the disk's fsync
    holds up every acknowledgement and relay meanwhile: printed with the latencies so that a run can be
    read.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "fsync-probe"
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self.stop.wait(0.02):
                os.pwrite(fd, os.urandom(8192), 0)
                started = time.perf_counter()
                os.fdatasync(fd)
                self.times.append(time.perf_counter() - started)
        finally:
            os.close(fd)

    def summary(self) -> dict[str, float]:
        slow = [t for t in self.times if t > 0.1]
        return {"fsync_slow": len(slow), "fsync_max": 1000 * max(self.times, default=0.0)}
