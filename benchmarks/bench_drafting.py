"""Co-drafting under load: N editors typing into one document over real Socket.IO connections.

Run: `.venv/bin/python benchmarks/bench_drafting.py --editors 100 --rate 5 --seconds 20 [--processes 2]`
(PostgreSQL at TEST_DATABASE_URL or DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test: a
fresh database is created and dropped; with 2 processes, or --with-redis, Redis at --redis, default db 14).

It starts the real server (`python app.py`, eventlet) once per process, creates the people, a
consultation in its co-drafting phase and an open document with one line per editor, then forks
--clients client processes. Each runs its editors as python-socketio AsyncClients on one asyncio loop
(threads per connection cost the shared cores as much as the server), signs them in over HTTP, joins and
syncs like the browser, and every editor types --rate characters a second at the end of its own line
for --seconds (editors spread over the server processes round-robin). Editors send as the browser's
editor does (static/src/js/drafting/session.js): one `update` message in flight, and what is typed
before its acknowledgement goes, merged, in the next one, so a slow server gets fewer, larger messages
instead of a growing backlog; while the server answers within the 200 ms between keystrokes, every
keystroke is a message of its own. --open-loop: every keystroke is sent at once on its own, whatever the
server's pace. Yjs client ids are fixed (BASE + editor number) so a receiver knows, from the state
vector of each update it applies, whose keystrokes arrived; typing times are shared between the client
processes in shared memory.

Like browsers, the connections offer permessage-deflate (--no-deflate: not), and every editor moves its
cursor every --cursor-every seconds (0: never), announced at once as an awareness message as the
browser's editor does (typing alone does not move a Yjs relative position: AsyncEditor.publish_cursor).
Presence received is counted, not read.

The --sample receivers that time latency apply every update as it arrives, as a browser does. The
others keep what they receive and apply it after the typing, before delivery and convergence are
checked (--apply-all: on receipt too): a browser applies updates on its own machine, while here 300
simulated clients applying ~20 merged updates a second each took more of the two shared cores than
the servers they measure.

Printed: delivered % (for every editor, the share of the others' keystrokes in its document after a
settling pause); keystrokes typed, messages sent, acknowledged and refused, and per keystroke the time
from typing to the acknowledgement of the message that carried it (stored); latency from typing to
receipt by the others (p50 / p95 / p99 over the --sample receivers; every receiver counts for
delivery); how late the client processes' event loops wake from a 10 ms sleep while typing (if the
simulated clients were what delays, it shows there); server, client and other CPU seconds (other:
PostgreSQL, Redis and the rest of the machine); whether every client's text and the text rebuilt from
the database are the same. Also: how often a probe's fdatasync took over 100 ms on the disk meanwhile
(--fsync-probe: a folder on the database's disk; the default temp folder is on the same disk on this
VM), since a stalled fsync stalls every commit; and how long a fixed piece of pure Python takes before
the run (reference loop): the machines this runs on differ in speed from one day to the next (up to
2.6 times, docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import hashlib
import heapq
import multiprocessing as mp
import os
import random
import string
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engineio  # noqa: E402
import psutil  # noqa: E402
import socketio  # noqa: E402
from pycrdt import Doc, Text, merge_updates  # noqa: E402

from civic.deliberation.drafting import crdt  # noqa: E402
from tests.scale import harness  # noqa: E402

BASE = 1_000_000  # Yjs client id of editor i: BASE + i
BUCKETS = 60_000  # latency histogram: 1 ms buckets up to 60 s
LETTERS = string.ascii_lowercase
RETRY = {"rate-limited"}  # as the browser's editor: sent again after RETRY_DELAY, not refused
RETRY_DELAY = 1.0
AWARENESS = crdt.write_uint(crdt.AWARENESS)  # first byte of an awareness message


@dataclass
class Plan:
    editors: int
    rate: float
    seconds: float
    keystrokes: int  # per editor, an upper bound
    document_id: int
    emails: list[str]
    urls: list[str]
    sample: set[int]
    defer: bool  # receivers outside the sample apply what they receive after the typing
    one_in_flight: bool  # editors send as the browser does (AsyncEditor.enqueue); else open loop
    deflate: bool  # connections offer permessage-deflate, as browsers do
    cursor_every: float  # seconds between two cursor moves an editor announces (0: none)


def marker(i: int) -> str:
    return f"[{i}]"


class Shared:
    """Memory shared by the client processes (created before forking)."""

    def __init__(self, editors: int, keystrokes: int, workers: int) -> None:
        self.send_times = mp.RawArray(ctypes.c_double, editors * keystrokes)
        self.sent = mp.RawArray(ctypes.c_int, editors)
        self.go = mp.Event()
        self.collect = mp.Event()
        self.start_at = mp.RawValue(ctypes.c_double, 0.0)
        self.results: Any = mp.Queue()


class _InOrderEngine(engineio.AsyncClient):
    """Hand each received frame to Socket.IO as it is read, in order (no task per frame)."""

    async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return await super()._trigger_event(event, *args, **kwargs)


class _Client(socketio.AsyncClient):
    closing = False

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return _InOrderEngine

    async def disconnect(self) -> None:
        # python-socketio forgets a half-received binary event when the connection drops, while its
        # reader may still hand it the attachment (a parse error after the run): read nothing more.
        self.closing = True
        await super().disconnect()

    async def _handle_eio_message(self, data: Any) -> None:
        if not self.closing:
            await super()._handle_eio_message(data)


class AsyncEditor:
    """A browser tab, on the client process's event loop: connection, pycrdt document, sync, typing.

    One asyncio loop carries all the editors of a process: a thread per connection (the threaded
    python-socketio client) cost the machine's two cores about as much CPU as the server itself.
    """

    def __init__(
        self,
        document_id: int,
        client_id: int,
        on_update: Any = None,
        defer: bool = False,
        one_in_flight: bool = True,
        deflate: bool = True,
    ) -> None:
        self.document_id, self.on_update = document_id, on_update
        # Updates received after the sync, kept to be applied after the typing (module docstring).
        self.deferred: list[bytes] | None = [] if defer else None
        self.doc = Doc(client_id=client_id)
        self.text = self.doc.get(crdt.BODY, type=Text)
        self.lock = contextlib.nullcontext()  # one thread: harness.Typist's changes need no lock
        self.synced = asyncio.Event()
        self.errors: list[Any] = []
        # Browsers offer permessage-deflate (aiohttp's "compress"), which changes what the server does.
        self.sio = _Client(reconnection=False, websocket_extra_options={"compress": 15} if deflate else {})
        self.sio.on("y", self._on_y, namespace=harness.NS)
        self.sio.on("error", self._on_error, namespace=harness.NS)
        self.one_in_flight = one_in_flight
        self.queue: list[bytes] = []  # typed, not yet sent
        self.typed: list[float] = []  # when each queued keystroke was typed
        self.inflight = False
        self.batches = 0
        self.retried = 0
        self.cursors = 0  # awareness messages sent (cursor positions)
        self.presences = 0  # awareness messages received (not read)
        self.cursor_clock = 0
        self.presence: dict[str, Any] = {}
        self.sending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    async def start(self, url: str, cookie: str) -> str:
        """Connect, join, send step 1 and wait for the server's step 2; return the role."""
        await self.sio.connect(
            url,
            headers={"Cookie": cookie},
            namespaces=[harness.NS],
            transports=["websocket"],
            wait_timeout=60,
        )
        answer = await self.sio.call("join", {"document": self.document_id}, namespace=harness.NS, timeout=60)
        if not answer.get("ok"):
            raise RuntimeError(f"join refused: {answer}")
        await self.send(crdt.step1(self.doc))
        await asyncio.wait_for(self.synced.wait(), 60)
        person = answer.get("user") or {}
        self.presence = {
            "user": {"id": person.get("id"), "name": person.get("name"), "color": person.get("color")}
        }
        return str(answer["role"])

    def publish_cursor(self) -> None:
        """Announce a new cursor position as the browser's editor does when the caret moves
        (static/src/js/drafting/editor.js: Yjs relative positions in the awareness, sent at once).
        Typing does not move it: a relative position names the character after the caret, which
        stays the same while one types before it; a click, an arrow key or a selection does."""
        self.cursor_clock += 1
        client = self.doc.client_id
        position = {
            "type": None,
            "tname": crdt.BODY,
            "item": {"client": client, "clock": self.cursor_clock},
            "assoc": 0,
        }
        state = {**self.presence, "cursor": {"anchor": position, "head": position}}
        message = crdt.encode_awareness([crdt.AwarenessEntry(client, self.cursor_clock, state)])
        self.cursors += 1
        self._send_soon(message, lambda *args: None)

    def _send_soon(self, message: bytes, callback: Any) -> None:
        """Send from synchronous code, keeping the task until it is done."""
        task = asyncio.ensure_future(self.send(message, callback))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def send(self, message: bytes, callback: Any = None) -> None:
        await self.sio.emit("y", (self.document_id, message), namespace=harness.NS, callback=callback)

    def enqueue(self, update: bytes, typed_at: float, answered: Callable[[list[float], bool], None]) -> None:
        """Send a keystroke's update as the browser's editor does (static/src/js/drafting/session.js):
        one batch in flight; what is typed before its acknowledgement is merged into the next batch,
        and a batch refused for a moment (rate-limited) goes again after RETRY_DELAY. Open loop
        (--open-loop): every keystroke is sent at once on its own, acknowledged or not."""
        self.queue.append(update)
        self.typed.append(typed_at)
        self._flush(answered)

    def _flush(self, answered: Callable[[list[float], bool], None]) -> None:
        if not self.queue or (self.inflight and self.one_in_flight):
            return
        updates, typed = self.queue, self.typed
        self.queue, self.typed = [], []
        update = updates[0] if len(updates) == 1 else merge_updates(*updates)
        self.inflight = True
        self.batches += 1

        def acknowledged(*args: Any) -> None:
            self.inflight = False
            ok = bool(args) and bool(args[0].get("ok"))
            if not ok and self.one_in_flight and args and args[0].get("code") in RETRY:
                self.queue[:0], self.typed[:0] = [update], typed
                asyncio.get_running_loop().call_later(RETRY_DELAY, self._flush, answered)
                return
            answered(typed, ok)
            self._flush(answered)

        self._send_soon(crdt.update_message(update), acknowledged)

    def _on_error(self, *args: Any) -> None:
        error = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        if self.one_in_flight and error.get("code") in RETRY:
            self.retried += 1  # its batch goes again (enqueue)
        else:
            self.errors.append(args)

    def _on_y(self, document_id: int, data: bytes) -> None:
        received_at = time.time()
        if document_id != self.document_id:
            return
        if data[:1] == AWARENESS:
            # Others' cursors: a browser reads them in native code on its own machine; read here in
            # Python by every simulated editor, they took more of the shared cores than the servers.
            self.presences += 1
            return
        if self.deferred is not None and self.synced.is_set():
            message = crdt.parse_message(data)
            if message.kind == "update":
                self.deferred.append(message.payload)
                return
        kind, _payload, answer = harness.take_message(self.doc, self.lock, data)
        if answer is not None:
            self.sio.start_background_task(self.send, answer)
        elif kind == "step2":
            self.synced.set()
        elif kind == "update" and self.on_update is not None:
            self.on_update(received_at)

    def change(self, edit: Any) -> bytes:
        before = self.doc.get_state()
        edit(self.text)
        return self.doc.get_update(before)

    def apply_deferred(self) -> None:
        for update in self.deferred or []:
            self.doc.apply_update(update)
        if self.deferred:
            self.deferred.clear()

    def content(self) -> str:
        return str(self.text)


def worker(number: int, plan: Plan, mine: list[int], shared: Shared) -> None:
    """One client process: its editors sign in, join, type on schedule, then report."""
    asyncio.run(_work(number, plan, mine, shared))


async def _work(number: int, plan: Plan, mine: list[int], shared: Shared) -> None:
    cpu_started = time.process_time()
    keystrokes = plan.keystrokes
    histogram = [0] * BUCKETS
    ack_histogram = [0] * BUCKETS  # send -> acknowledgement (stored), every keystroke
    acks = {"ok": 0, "refused": 0}

    # What each timing receiver's document held on every update it applied: (receiver, when, state
    # vector), read after the typing. Reading a state vector of 300 editors in Python costs about 0.3 ms,
    # taking one 0.01 ms: the measurement stays off the cores the servers share while they are measured.
    arrivals: list[tuple[int, float, bytes]] = []

    def measure(receiver: int, editor: list[AsyncEditor]) -> Any:
        def on_update(received_at: float) -> None:
            # The state vector of a partial update is empty; the document's says what arrived so far.
            arrivals.append((receiver, received_at, editor[0].doc.get_state()))

        return on_update

    def read_arrivals() -> None:
        last = {receiver: [0] * plan.editors for receiver in plan.sample}  # highest clock seen per editor
        for receiver, received_at, state in arrivals:
            seen = last[receiver]
            for client, clock in harness.decode_state_vector(state).items():
                other = client - BASE
                if not 0 <= other < plan.editors or other == receiver or clock <= seen[other]:
                    continue
                for k in range(seen[other], clock):
                    latency = received_at - shared.send_times[other * keystrokes + k]
                    histogram[min(BUCKETS - 1, max(0, int(latency * 1000)))] += 1
                seen[other] = clock
        arrivals.clear()

    editors: dict[int, AsyncEditor] = {}
    typists: dict[int, harness.Typist] = {}
    loop = asyncio.get_running_loop()
    try:
        cookies = {i: harness.sign_in(plan.urls[i % len(plan.urls)], plan.emails[i]) for i in mine}
        for i in mine:
            holder: list[AsyncEditor] = []
            timed = i in plan.sample
            editor = AsyncEditor(
                plan.document_id,
                BASE + i,
                measure(i, holder) if timed else None,
                plan.defer and not timed,
                plan.one_in_flight,
                plan.deflate,
            )
            holder.append(editor)
            editors[i] = editor
        gate = asyncio.Semaphore(8)

        async def start(i: int) -> None:
            async with gate:
                role = await editors[i].start(plan.urls[i % len(plan.urls)], cookies[i])
            if role != "editor":
                raise RuntimeError(f"editor {i} did not get an editor seat")
            typists[i] = harness.Typist(editors[i], marker(i))  # type: ignore[arg-type]

        await asyncio.gather(*(start(i) for i in mine))
        shared.results.put(("ready", number, None))
    except Exception as error:  # report instead of hanging the parent
        shared.results.put(("failed", number, repr(error)))
        return
    await loop.run_in_executor(None, shared.go.wait)
    start_at = shared.start_at.value
    period = 1 / plan.rate
    randomness = random.Random(number)
    due = [(start_at + randomness.random() * period, i, 0) for i in mine]
    heapq.heapify(due)
    end = start_at + plan.seconds

    lag_histogram = [0] * BUCKETS  # how late a 10 ms sleep of this process's loop wakes, while typing

    async def probe_loop() -> None:
        while time.time() < end:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - started - 0.01
            lag_histogram[min(BUCKETS - 1, max(0, int(late * 1000)))] += 1

    prober = asyncio.ensure_future(probe_loop())

    # Keystrokes between two cursor moves of an editor (staggered between editors); 0: none.
    cursor_every = max(1, round(plan.rate * plan.cursor_every)) if plan.cursor_every > 0 else 0

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
    read_arrivals()
    delivered = expected = 0
    texts = {}
    for i, editor in editors.items():
        editor.apply_deferred()
        state = harness.decode_state_vector(editor.doc.get_state())
        for other in range(plan.editors):
            if other != i:
                expected += shared.sent[other]
                delivered += min(state.get(BASE + other, 0), shared.sent[other])
        texts[i] = hashlib.sha256(editor.content().encode()).hexdigest()
    for editor in editors.values():
        await editor.sio.disconnect()
    report = {
        "delivered": delivered,
        "expected": expected,
        "histogram": {b: n for b, n in enumerate(histogram) if n},
        "ack_histogram": {b: n for b, n in enumerate(ack_histogram) if n},
        "lag_histogram": {b: n for b, n in enumerate(lag_histogram) if n},
        "texts": texts,
        "acks": acks,
        "errors": sum(len(e.errors) for e in editors.values()),
        "batches": sum(e.batches for e in editors.values()),
        "cursors": sum(e.cursors for e in editors.values()),
        "presences": sum(e.presences for e in editors.values()),
        "retried": sum(e.retried for e in editors.values()),
        "cpu": time.process_time() - cpu_started,
    }
    shared.results.put(("done", number, report))


class FsyncProbe:
    """Time fdatasync of a small file every 20 ms while the editors type (a thread of the parent).

    Every edit is committed before it is acknowledged or relayed, so a stall of the disk's fsync holds
    up every acknowledgement and relay meanwhile: on this VM's disk, idle, fdatasync takes 0.4 ms at the
    median but now and then up to a second. Printed with the latencies so that a run can be read.
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


def reference_ms() -> float:
    """Milliseconds for a fixed piece of pure Python, best of 5: how fast the cores are today."""
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
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (all cores, every process) since it started."""
    times = psutil.cpu_times()
    return float(sum(times)) - times.idle - getattr(times, "iowait", 0.0)


def wait_for(shared: Shared, kind: str, count: int, timeout: float) -> dict[int, Any]:
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


def run(args: argparse.Namespace) -> dict[str, Any]:
    n = args.editors
    reference = reference_ms()
    keystrokes = int(args.rate * args.seconds) + 2
    folder = Path(tempfile.mkdtemp(prefix="bench-drafting-"))
    admin_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or args.database
    redis_url = args.redis if args.processes > 1 or args.with_redis else None
    if redis_url:
        import redis

        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter("civic:drafting:*"):
            connection.delete(key)
    with harness.fresh_database(admin_url) as url:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        text = "".join(f"{marker(i)}\n" for i in range(n))
        setup = harness.prepare(app, n, text, max_editors=n + 10)
        servers = [
            harness.Server(url, redis_url, folder / f"server-{p}.log", CIVIC_DRAFTING_MAX_EDITORS=str(n + 10))
            for p in range(args.processes)
        ]
        try:
            for server in servers:
                server.start()
                if args.server_nice is not None:  # root only: the server ahead of other work here
                    psutil.Process(server.pid).nice(args.server_nice)
            step = max(1, n // args.sample)
            plan = Plan(
                n, args.rate, args.seconds, keystrokes, setup.document_id, setup.emails,
                [s.url for s in servers], set(range(0, n, step)), not args.apply_all, not args.open_loop,
                not args.no_deflate, args.cursor_every,
            )  # fmt: skip
            shared = Shared(n, keystrokes, args.clients)
            context = mp.get_context("fork")
            workers = [
                context.Process(
                    target=worker, args=(w, plan, list(range(w, n, args.clients)), shared), daemon=True
                )
                for w in range(args.clients)
            ]
            connect_started = time.monotonic()
            for process in workers:
                process.start()
            wait_for(shared, "ready", args.clients, timeout=120 + n)
            connect_seconds = time.monotonic() - connect_started
            pids = [s.pid for s in servers]
            server_cpu, client_cpu = cpu_of(pids), cpu_of([p.pid for p in workers if p.pid])
            machine_cpu = busy_cpu()
            load = os.getloadavg()[0]
            wall = time.monotonic()
            probe = FsyncProbe(Path(args.fsync_probe or folder))
            probe.thread.start()
            shared.start_at.value = time.time() + 0.5
            shared.go.set()
            print(f"typing: server pids {pids}", file=sys.stderr, flush=True)
            wait_for(shared, "typed", args.clients, timeout=args.seconds + 120)
            time.sleep(args.settle)
            server_cpu = cpu_of(pids) - server_cpu
            client_cpu = cpu_of([p.pid for p in workers if p.pid]) - client_cpu
            machine_cpu = busy_cpu() - machine_cpu
            wall = time.monotonic() - wall
            probe.stop.set()
            probe.thread.join()
            shared.collect.set()
            reports = wait_for(shared, "done", args.clients, timeout=120)
            for process in workers:
                process.join(10)
        finally:
            for server in servers:
                server.stop()
        server_text = harness.stored_text(app, setup.document_id)
        with app.app_context():
            from civic.extensions import db

            db.engine.dispose()
    histogram: dict[int, int] = {}
    ack_histogram: dict[int, int] = {}
    lag_histogram: dict[int, int] = {}
    for report in reports.values():
        for bucket, count in report["histogram"].items():
            histogram[bucket] = histogram.get(bucket, 0) + count
        for bucket, count in report["ack_histogram"].items():
            ack_histogram[bucket] = ack_histogram.get(bucket, 0) + count
        for bucket, count in report["lag_histogram"].items():
            lag_histogram[bucket] = lag_histogram.get(bucket, 0) + count
    sent = sum(shared.sent)
    expected = sum(r["expected"] for r in reports.values())
    delivered = sum(r["delivered"] for r in reports.values())
    digest = hashlib.sha256(server_text.encode()).hexdigest()
    texts = [t for r in reports.values() for t in r["texts"].values()]
    typed_lines = {
        line.split("]", 1)[0] + "]": len(line.split("]", 1)[1]) for line in server_text.splitlines()
    }
    return {
        "editors": n,
        "reference": reference,
        "applying": n if args.apply_all else len(plan.sample),
        "nice": args.server_nice,
        "processes": args.processes,
        "redis": bool(redis_url),
        "deflate": not args.no_deflate,
        "cursor_every": args.cursor_every,
        "clients": args.clients,
        "sent": sent,
        "acked": sum(r["acks"]["ok"] for r in reports.values()),
        "refused": sum(r["acks"]["refused"] for r in reports.values()),
        "errors": sum(r["errors"] for r in reports.values()),
        "batches": sum(r["batches"] for r in reports.values()),
        "cursors": sum(r["cursors"] for r in reports.values()),
        "presences": sum(r["presences"] for r in reports.values()),
        "retried": sum(r["retried"] for r in reports.values()),
        "mode": "open loop" if args.open_loop else "one batch in flight",
        "delivered": 100 * delivered / expected if expected else float("nan"),
        "samples": sum(histogram.values()),
        "p50": percentile(histogram, 0.50),
        "p95": percentile(histogram, 0.95),
        "p99": percentile(histogram, 0.99),
        "ack_p50": percentile(ack_histogram, 0.50),
        "ack_p95": percentile(ack_histogram, 0.95),
        "client_lag_p50": percentile(lag_histogram, 0.50),
        "client_lag_p95": percentile(lag_histogram, 0.95),
        "server_cpu": server_cpu,
        "server_ms_per_keystroke": 1000 * server_cpu / sent if sent else float("nan"),
        "client_cpu": client_cpu,
        # PostgreSQL, Redis, this parent and anything else running meanwhile
        "other_cpu": machine_cpu - server_cpu - client_cpu,
        "cores": psutil.cpu_count(),
        "wall": wall,
        "load": load,
        **probe.summary(),
        "connect": connect_seconds,
        "converged": all(t == digest for t in texts) and len(texts) == n,
        "stored_all": sum(typed_lines.get(marker(i), -1) for i in range(n)) == sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editors", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="characters per second per editor")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--sample", type=int, default=30, help="receivers that time latency")
    parser.add_argument(
        "--open-loop",
        action="store_true",
        help="every keystroke is sent at once as its own message, acknowledged or not "
        "(default: one batch in flight per editor, as the browser's editor sends)",
    )
    parser.add_argument(
        "--apply-all",
        action="store_true",
        help="every receiver applies each update on receipt (default: only the --sample receivers)",
    )
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after typing before collecting")
    parser.add_argument(
        "--server-nice", type=int, default=None, help="renice the servers (e.g. -10: needs root)"
    )
    parser.add_argument(
        "--fsync-probe",
        default=None,
        help="folder on the database's disk for the fsync probe (default: a temp folder)",
    )
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--cursor-every",
        type=float,
        default=5.0,
        help="seconds between two cursor moves of an editor, announced as the browser does (0: none)",
    )
    parser.add_argument(
        "--no-deflate", action="store_true", help="connections do not offer permessage-deflate (browsers do)"
    )
    parser.add_argument(
        "--with-redis", action="store_true", help="one process with Redis too (rate limit, presence, queue)"
    )
    result = run(parser.parse_args())
    print(
        "editors {editors} processes {processes} redis {redis} deflate offered {deflate} cursor moves every {cursor_every} s clients {clients} nice {nice} applying on receipt {applying}, {mode}: typed {sent} in {batches} messages and {cursors} cursor messages (presence messages received {presences}), acked {acked} refused {refused} "
        "(error events {errors}, retried {retried}) "
        "delivered {delivered:.2f}% latency p50 {p50:.0f} ms p95 {p95:.0f} ms p99 {p99:.0f} ms "
        "({samples} samples); acknowledged p50 {ack_p50:.0f} ms p95 {ack_p95:.0f} ms; server CPU {server_cpu:.1f} s ({server_ms_per_keystroke:.2f} ms per keystroke), client CPU {client_cpu:.1f} s, "
        "client loops late p50 {client_lag_p50:.0f} ms p95 {client_lag_p95:.0f} ms, "
        "other CPU {other_cpu:.1f} s over {wall:.1f} s on {cores} cores "
        "(load before {load:.1f}); disk fsync over 100 ms while typing: {fsync_slow} (longest {fsync_max:.0f} ms); connect {connect:.0f} s; converged {converged}; "
        "every keystroke stored {stored_all}; reference loop {reference:.0f} ms".format(**result)
    )


if __name__ == "__main__":
    main()
