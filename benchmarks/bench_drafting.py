"""Co-drafting under load, side by side in one run: Civic, the reference y-websocket server, Hocuspocus.

Run: `.venv/bin/python benchmarks/bench_drafting.py --editors 100,300 --servers civic,civic:2,y-websocket,hocuspocus
[--runs 3] [--socketio-tree DIR]` (PostgreSQL at TEST_DATABASE_URL or DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/test, where each Civic run creates and drops a database; two Civic
processes use Redis at --redis, default db 14; the peers come from `npm ci`).

Every server gets the same simulated editors (benchmarks/drafting_editors.py): N people typing --rate
characters a second each at the end of their own line of one document for --seconds, moving their
cursor every --cursor-every seconds, each sending as its server's browser client does. --clients
processes run them, each on one asyncio loop; typing times are shared in shared memory. The runs of a
round alternate between the servers, so a slow minute of this shared machine touches them all.

Printed per run and, at the end, as a table of medians: **delivered** (for every editor, the share of
the others' keystrokes in its document --settle seconds after the typing stops); latency from typing to
receipt by the others (p50 / p95 / p99 over --sample timing receivers, which apply every update as it
arrives, as a browser does; the others keep what they receive and apply it after the typing); whether
every editor's text is the same (and Civic's the one stored); server CPU (psutil, user + system, while
typing and settling) in all and per keystroke typed; the clients' CPU and how late their loops wake from
a 10 ms sleep (when the simulated browsers are what delays, it shows there); the rest of the machine's
CPU; and a **reference loop**: the best of 5 timings of a fixed piece of pure Python before the run,
which tells a slow machine from a slow server. --socketio-tree: a checkout of the last commit with the
Socket.IO transport (c9f08d7), whose own benchmark runs in the same rounds ("civic-socketio").
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import heapq
import multiprocessing as mp
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
import psutil  # noqa: E402

from benchmarks import drafting_servers as servers  # noqa: E402
from benchmarks.drafting_editors import CIVIC, Editor, Target  # noqa: E402
from benchmarks.drafting_measure import (  # noqa: E402
    BUCKETS,
    FsyncProbe,
    Shared,
    busy_cpu,
    cpu_of,
    merge,
    percentile,
    reference_ms,
    wait_for,
)
from tests.scale import clients  # noqa: E402

BASE = 1_000_000  # Yjs client id of editor i: BASE + i
LETTERS = string.ascii_lowercase


def worker(number: int, plan: dict[str, Any], targets: list[Target], mine: list[int], shared: Shared) -> None:
    """One client process: its editors connect, type on schedule, then report."""
    asyncio.run(_work(number, plan, targets, mine, shared))


async def _work(
    number: int, plan: dict[str, Any], targets: list[Target], mine: list[int], shared: Shared
) -> None:
    cpu_started = time.process_time()
    keystrokes, editors_count = plan["keystrokes"], plan["editors"]
    histogram, ack_histogram, lag_histogram = [0] * BUCKETS, [0] * BUCKETS, [0] * BUCKETS
    acks = {"ok": 0, "refused": 0}
    arrivals: list[tuple[int, float, bytes]] = []  # (receiver, when, its document's state vector)
    editors: dict[int, Editor] = {}
    typists: dict[int, clients.Typist] = {}
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        for i in mine:
            timed = i in plan["sample"]
            editor = Editor(targets[i], BASE + i, defer=not timed, one_in_flight=targets[i].kind == CIVIC)
            if timed:
                editor.on_update = lambda at, i=i: arrivals.append((i, at, editors[i].doc.get_state()))
            editors[i] = editor
        gate = asyncio.Semaphore(8)

        async def start(i: int) -> None:
            async with gate:
                role = await editors[i].start(session)
            if role != "editor":
                raise RuntimeError(f"editor {i} did not get an editor seat")
            typists[i] = clients.Typist(editors[i], servers.marker(i))  # type: ignore[arg-type]

        await asyncio.gather(*(start(i) for i in mine))
        shared.results.put(("ready", number, None))
    except Exception as error:  # report instead of hanging the parent
        shared.results.put(("failed", number, repr(error)))
        return
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, shared.go.wait)
    start_at, period = shared.start_at.value, 1 / plan["rate"]
    end = start_at + plan["seconds"]
    randomness = random.Random(number)
    due = [(start_at + randomness.random() * period, i, 0) for i in mine]
    heapq.heapify(due)

    async def probe_loop() -> None:
        while time.time() < end:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - started - 0.01
            lag_histogram[min(BUCKETS - 1, max(0, int(late * 1000)))] += 1

    prober = asyncio.ensure_future(probe_loop())
    cursor_every = max(1, round(plan["rate"] * plan["cursor_every"])) if plan["cursor_every"] > 0 else 0

    def answered(typed: list[float], ok: bool) -> None:
        now = time.time()
        acks["ok" if ok else "refused"] += len(typed)
        for typed_at in typed:
            ack_histogram[min(BUCKETS - 1, max(0, int((now - typed_at) * 1000)))] += 1

    while due:
        at, i, k = heapq.heappop(due)
        if at >= end or k >= keystrokes:
            continue
        pause = at - time.time()
        if pause > 0:
            await asyncio.sleep(pause)
        update = typists[i].type(LETTERS[k % 26])
        shared.send_times[i * keystrokes + k] = typed_at = time.time()
        shared.sent[i] = k + 1
        editors[i].enqueue(update, typed_at, answered)
        if cursor_every and k % cursor_every == i % cursor_every:
            editors[i].publish_cursor()
        heapq.heappush(due, (at + period, i, k + 1))
    await prober
    shared.results.put(("typed", number, None))
    await loop.run_in_executor(None, shared.collect.wait)
    seen = {i: [0] * editors_count for i in plan["sample"]}
    for receiver, received_at, state in arrivals:
        for client, clock in clients.decode_state_vector(state).items():
            other = client - BASE
            if not 0 <= other < editors_count or other == receiver or clock <= seen[receiver][other]:
                continue
            for k in range(seen[receiver][other], clock):
                latency = received_at - shared.send_times[other * keystrokes + k]
                histogram[min(BUCKETS - 1, max(0, int(latency * 1000)))] += 1
            seen[receiver][other] = clock
    delivered = expected = 0
    texts = {}
    for i, editor in editors.items():
        editor.apply_deferred()
        state = clients.decode_state_vector(editor.doc.get_state())
        for other in range(editors_count):
            if other != i:
                expected += shared.sent[other]
                delivered += min(state.get(BASE + other, 0), shared.sent[other])
        texts[i] = hashlib.sha256(editor.content().encode()).hexdigest()
    # All at once: a server that fell behind answers a close only after its backlog (up to aiohttp's 10 s
    # each), and one editor after another that outlasted the 300 s the parent waits.
    await asyncio.gather(*(editor.close() for editor in editors.values()))
    await session.close()
    report = {
        "delivered": delivered, "expected": expected, "texts": texts, "acks": acks,
        "histogram": histogram, "ack_histogram": ack_histogram, "lag_histogram": lag_histogram,
        "errors": sum(len(e.errors) for e in editors.values()),
        "batches": sum(e.batches for e in editors.values()),
        "retried": sum(e.retried for e in editors.values()),
        "cpu": time.process_time() - cpu_started,
    }  # fmt: skip
    shared.results.put(("done", number, report))


def run(kind: str, processes: int, editors: int, args: argparse.Namespace) -> dict[str, Any]:
    """One run against one server; returns its figures."""
    reference = reference_ms()
    keystrokes = int(args.rate * args.seconds) + 2
    folder = Path(tempfile.mkdtemp(prefix="bench-drafting-"))
    admin_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or args.database
    redis_url = args.redis if processes > 1 else None
    if redis_url:
        import redis

        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter("civic:drafting:*"):
            connection.delete(key)
    context = (
        servers.civic(editors, processes, admin_url, redis_url, folder)
        if kind == CIVIC
        else servers.peer(kind, editors, folder)
    )
    with context as running:
        plan = {
            "editors": editors, "rate": args.rate, "seconds": args.seconds, "keystrokes": keystrokes,
            "sample": set(range(0, editors, max(1, editors // args.sample))), "cursor_every": args.cursor_every,
        }  # fmt: skip
        shared = Shared(editors, keystrokes)
        workers = [
            mp.get_context("fork").Process(
                target=worker,
                args=(w, plan, running.targets, list(range(w, editors, args.clients)), shared),
                daemon=True,
            )
            for w in range(args.clients)
        ]
        for process in workers:
            process.start()
        wait_for(shared, "ready", args.clients, timeout=120 + editors)
        client_pids = [p.pid for p in workers if p.pid]
        server_cpu, client_cpu, machine_cpu = cpu_of(running.pids), cpu_of(client_pids), busy_cpu()
        wall = time.monotonic()
        probe = FsyncProbe(folder)
        probe.thread.start()
        shared.start_at.value = time.time() + 0.5
        shared.go.set()
        wait_for(shared, "typed", args.clients, timeout=args.seconds + 120)
        time.sleep(args.settle)
        server_cpu = cpu_of(running.pids) - server_cpu
        client_cpu = cpu_of(client_pids) - client_cpu
        machine_cpu = busy_cpu() - machine_cpu
        wall = time.monotonic() - wall
        probe.stop.set()
        probe.thread.join()
        shared.collect.set()
        reports = wait_for(shared, "done", args.clients, timeout=300)
        for process in workers:
            process.join(10)
        final = running.final_text()
    sent = sum(shared.sent)
    texts = [t for r in reports.values() for t in r["texts"].values()]
    lines = {line.split("]", 1)[0] + "]": len(line.split("]", 1)[1]) for line in final.splitlines()}
    histogram, acks = merge(reports, "histogram"), merge(reports, "ack_histogram")
    lag = merge(reports, "lag_histogram")
    return {
        "server": kind if processes == 1 else f"{kind}:{processes}", "editors": editors, "reference": reference,
        "sent": sent, "messages": sum(r["batches"] for r in reports.values()),
        "refused": sum(r["acks"]["refused"] for r in reports.values()),
        "errors": sum(r["errors"] for r in reports.values()),
        "delivered": 100 * sum(r["delivered"] for r in reports.values()) / max(1, sum(r["expected"] for r in reports.values())),
        "p50": percentile(histogram, 0.50), "p95": percentile(histogram, 0.95), "p99": percentile(histogram, 0.99),
        "ack_p50": percentile(acks, 0.50) if kind == CIVIC else float("nan"),
        "ack_p95": percentile(acks, 0.95) if kind == CIVIC else float("nan"),
        "lag_p50": percentile(lag, 0.50), "lag_p95": percentile(lag, 0.95),
        "server_cpu": server_cpu, "ms_per_keystroke": 1000 * server_cpu / sent if sent else float("nan"),
        "client_cpu": client_cpu, "other_cpu": machine_cpu - server_cpu - client_cpu, "wall": wall,
        "converged": len(texts) == editors and all(t == hashlib.sha256(final.encode()).hexdigest() for t in texts),
        "all_kept": sum(lines.get(servers.marker(i), -1) for i in range(editors)) == sent,
        **probe.summary(),
    }  # fmt: skip


def run_socketio(tree: Path, processes: int, editors: int, args: argparse.Namespace) -> dict[str, Any]:
    """The Socket.IO transport's own benchmark, from a checkout of the last commit that had it."""
    command = [
        sys.executable, str(tree / "benchmarks/bench_drafting.py"), "--editors", str(editors), "--rate",
        str(args.rate), "--seconds", str(args.seconds), "--processes", str(processes), "--clients",
        str(args.clients), "--sample", str(args.sample), "--cursor-every", str(args.cursor_every),
    ]  # fmt: skip
    output = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=900, check=True).stdout  # noqa: S603
    line = output.strip().splitlines()[-1]

    def number(pattern: str) -> float:
        found = re.search(pattern, line)
        return float(found.group(1).replace(",", "")) if found else float("nan")

    return {
        "server": "civic-socketio" if processes == 1 else f"civic-socketio:{processes}", "editors": editors,
        "reference": number(r"reference loop (\d+)"), "sent": number(r"typed (\d+)"),
        "messages": number(r"in (\d+) messages"), "refused": number(r"refused (\d+)"), "errors": float("nan"),
        "delivered": number(r"delivered ([\d.]+)%"), "p50": number(r"p50 (\d+) ms"),
        "p95": number(r"p95 (\d+) ms"), "p99": number(r"p99 (\d+) ms"),
        "ack_p50": number(r"acknowledged p50 (\d+)"), "ack_p95": number(r"acknowledged p50 \d+ ms p95 (\d+)"),
        "lag_p50": number(r"client loops late p50 (\d+)"), "lag_p95": number(r"client loops late p50 \d+ ms p95 (\d+)"),
        "server_cpu": number(r"server CPU ([\d.]+) s"), "ms_per_keystroke": number(r"\(([\d.]+) ms per keystroke\)"),
        "client_cpu": number(r"client CPU ([\d.]+) s"), "other_cpu": number(r"other CPU ([\d.]+) s"),
        "wall": float("nan"), "converged": "converged True" in line, "all_kept": "stored True" in line,
        "fsync_slow": number(r"over 100 ms while typing: (\d+)"), "fsync_max": float("nan"),
    }  # fmt: skip


ROW = (
    "{server:>16} {editors:>4} typed {sent:.0f} in {messages:.0f} messages, delivered {delivered:.1f}% "
    "p50 {p50:.0f} p95 {p95:.0f} p99 {p99:.0f} ms, ack p50 {ack_p50:.0f} p95 {ack_p95:.0f} ms, "
    "server CPU {server_cpu:.1f} s ({ms_per_keystroke:.2f} ms/keystroke), clients {client_cpu:.1f} s "
    "(loops late p50 {lag_p50:.0f} p95 {lag_p95:.0f} ms), other {other_cpu:.1f} s, converged {converged}, "
    "every keystroke kept {all_kept}, fsync > 100 ms {fsync_slow:.0f}, reference loop {reference:.0f} ms"
)
COLUMNS = ("p50", "p95", "p99", "delivered", "server_cpu", "ms_per_keystroke", "client_cpu", "reference")


def table(results: list[dict[str, Any]]) -> str:
    """Medians per server and size, as a markdown table (with the range of p95 over the runs)."""
    rows = ["| server | editors | runs | p50 | p95 (range) | p99 | delivered | converged | server CPU | ms / keystroke | client CPU | reference loop |",
            "|---|---:|---:|---:|---:|---:|---:|:--:|---:|---:|---:|---:|"]  # fmt: skip
    for key in sorted({(r["editors"], r["server"]) for r in results}):
        runs = [r for r in results if (r["editors"], r["server"]) == key]
        med = {c: statistics.median(r[c] for r in runs) for c in COLUMNS}
        p95s = sorted(r["p95"] for r in runs)
        rows.append(
            f"| {key[1]} | {key[0]} | {len(runs)} | {med['p50']:.0f} ms | **{med['p95']:.0f} ms** "
            f"({p95s[0]:.0f}-{p95s[-1]:.0f}) | {med['p99']:.0f} ms | {med['delivered']:.1f} % "
            f"| {'yes' if all(r['converged'] for r in runs) else 'no'} | {med['server_cpu']:.1f} s "
            f"| **{med['ms_per_keystroke']:.2f}** | {med['client_cpu']:.1f} s | {med['reference']:.0f} ms |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--editors", default="100", help="comma-separated sizes, e.g. 100,300")
    parser.add_argument(
        "--servers", default="civic,y-websocket,hocuspocus", help="civic, civic:2, y-websocket, hocuspocus"
    )
    parser.add_argument("--runs", type=int, default=1, help="rounds (each runs every server and size once)")
    parser.add_argument("--rate", type=float, default=5.0, help="characters per second per editor")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--sample", type=int, default=30, help="receivers that time latency")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after typing before collecting")
    parser.add_argument(
        "--cursor-every", type=float, default=5.0, help="seconds between cursor moves (0: none)"
    )
    parser.add_argument("--pause", type=float, default=8.0, help="seconds between two runs")
    parser.add_argument(
        "--socketio-tree", type=Path, help="a checkout with the Socket.IO transport (c9f08d7)"
    )
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    plan = [
        (name.split(":")[0], int(name.split(":")[1]) if ":" in name else 1)
        for name in args.servers.split(",")
    ]
    if args.socketio_tree:
        plan += [("civic-socketio", processes) for kind, processes in plan if kind == CIVIC]
    results = []
    for _round in range(args.runs):
        for editors in (int(n) for n in args.editors.split(",")):
            for kind, processes in plan:
                if kind == "civic-socketio":
                    result = run_socketio(args.socketio_tree, processes, editors, args)
                else:
                    result = run(kind, processes, editors, args)
                results.append(result)
                print(ROW.format(**result), flush=True)
                time.sleep(args.pause)
    print(f"\nload average {os.getloadavg()}, {psutil.cpu_count()} cores\n\n{table(results)}")


if __name__ == "__main__":
    main()
