"""Live sessions under load: N participants following one session on one server process.

Run: `.venv/bin/python benchmarks/bench_live.py --participants 1000 [--clients 4] [--actions 20]
[--answer-seconds 5]` (PostgreSQL at TEST_DATABASE_URL or DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/test: a fresh database is created and dropped).

It starts the real server (`python app.py`, eventlet, no Redis: one process), creates a facilitator, the
participants (signed in over HTTP, one browser each) and a running session with an agenda and a
prepared yes-no poll, then forks --clients client processes. Each runs its participants as
python-socketio AsyncClients on one asyncio loop (as benchmarks/bench_drafting.py does: a thread per
connection would cost the two shared cores as much as the server), joined to the session as its page
does; --hands of them raise a hand. The facilitator (this process, a threaded client, as a console)
then does --actions console actions --gap seconds apart: give the floor to the next, move the last
person waiting to the top, give the speaker 30 more seconds, in turn. Every screen notes when each
state arrives; for each action, the time from sending it to its state (its version) on each screen, and
to the last screen. Then the facilitator opens the poll, every participant answers once, at times
spread evenly over --answer-seconds, and right after the last answer is acknowledged the facilitator
closes it: the time from the last answer to the results on every screen. Answers are not broadcast:
consoles and projectors get a count, at most every CIVIC_LIVE_PUBLISH_MS (--publish-ms).

Printed: connection time; action to last screen p50 / p95 / max and action to each screen p50 / p95;
answers' acknowledgements p50 / p95 and how long the answers took; last answer to results on every
screen (and p50 / p95 over screens); the server's CPU seconds while measured, client and other CPU
(PostgreSQL, this parent, the rest of the machine); the load average before; and a reference loop
(a fixed piece of pure Python, best of 5, the same as bench_drafting.py's) to compare machines.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import socketio  # noqa: E402

from benchmarks.machine import reference_ms, wait_for  # noqa: E402
from tests.scale import harness  # noqa: E402

NS = "/live"
MAX_VERSIONS = 4096  # versions a run can measure (the setup's and the actions')


@dataclass
class Plan:
    participants: int
    session_id: int
    poll_id: int
    url: str
    emails: list[str]
    hands: int
    answer_seconds: float


class Shared:
    """Memory shared by the parent and the client processes (made before forking)."""

    def __init__(self, participants: int) -> None:
        self.sent_at = mp.RawArray(ctypes.c_double, MAX_VERSIONS)  # version -> when its action was sent
        self.answer_from = mp.RawValue(ctypes.c_double, 0.0)  # answers are spread from this moment
        self.answer_sent = mp.RawArray(ctypes.c_double, participants)
        self.answer_acked = mp.RawArray(ctypes.c_double, participants)
        self.answer_ok = mp.RawArray(ctypes.c_int, participants)
        self.collect = mp.Event()
        self.results: Any = mp.Queue()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def busy_cpu() -> float:
    times = psutil.cpu_times()
    return float(sum(times)) - times.idle - getattr(times, "iowait", 0.0)


class Screen:
    """A participant's page: the states it receives (version -> arrival time) and its answer."""

    def __init__(self, number: int, plan: Plan, shared: Shared) -> None:
        self.number, self.plan, self.shared = number, plan, shared
        self.arrivals: dict[int, float] = {}
        self.results_at = 0.0
        self.poll_open = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("live.state", self._on_state, namespace=NS)

    def _on_state(self, state: dict[str, Any]) -> None:
        now = time.time()
        self.arrivals.setdefault(int(state["version"]), now)
        poll = state.get("poll")
        if poll and poll["id"] == self.plan.poll_id:
            if poll["state"] == "open":
                self.poll_open.set()
            elif poll["state"] == "closed" and not self.results_at:
                self.results_at = now

    async def start(self, cookie: str) -> None:
        await self.sio.connect(
            self.plan.url,
            headers={"Cookie": cookie},
            namespaces=[NS],
            transports=["websocket"],
            wait_timeout=120,
        )
        answer = await self.sio.call("join", {"session": self.plan.session_id}, namespace=NS, timeout=120)
        if not answer.get("ok"):
            raise RuntimeError(f"join refused: {answer}")
        self._on_state(answer["state"])

    async def act(self, action: str, **params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await self.sio.call(
            "act", {"session": self.plan.session_id, "action": action, **params}, namespace=NS, timeout=60
        )
        return answer

    async def answer_poll(self) -> None:
        await self.poll_open.wait()
        while not self.shared.answer_from.value:
            await asyncio.sleep(0.01)
        # Spread evenly over the answering time, in an order that mixes the client processes.
        at = self.shared.answer_from.value + self.plan.answer_seconds * self.number / self.plan.participants
        await asyncio.sleep(max(0.0, at - time.time()))
        self.shared.answer_sent[self.number] = time.time()
        answer = await self.act("answer", poll=self.plan.poll_id, choice=self.number % 3)
        self.shared.answer_acked[self.number] = time.time()
        self.shared.answer_ok[self.number] = 1 if answer.get("ok") else -1


def worker(number: int, plan: Plan, mine: list[int], shared: Shared) -> None:
    asyncio.run(_work(number, plan, mine, shared))


async def _work(number: int, plan: Plan, mine: list[int], shared: Shared) -> None:
    cpu_started = time.process_time()
    screens: dict[int, Screen] = {}
    try:
        cookies = {i: harness.sign_in(plan.url, plan.emails[i]) for i in mine}
        gate = asyncio.Semaphore(16)

        async def start(i: int) -> None:
            screens[i] = Screen(i, plan, shared)
            async with gate:
                await screens[i].start(cookies[i])
            if i < plan.hands:
                answer = await screens[i].act("raise")
                if not answer.get("ok"):
                    raise RuntimeError(f"raising a hand: {answer}")

        await asyncio.gather(*(start(i) for i in mine))
        shared.results.put(("ready", number, None))
    except Exception as error:  # report instead of hanging the parent
        shared.results.put(("failed", number, repr(error)))
        return
    answering = [asyncio.ensure_future(s.answer_poll()) for s in screens.values()]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, shared.collect.wait)
    for task in answering:
        task.cancel()
    # Per measured version: each screen's time from the action to the state's arrival.
    latencies: dict[int, list[float]] = {}
    for screen in screens.values():
        versions = sorted(screen.arrivals)
        for version in range(MAX_VERSIONS):
            sent = shared.sent_at[version]
            if not sent:
                continue
            arrived = next((screen.arrivals[v] for v in versions if v >= version), None)
            if arrived is not None:
                latencies.setdefault(version, []).append(arrived - sent)
    report = {
        "latencies": latencies,
        "results_at": [s.results_at for s in screens.values()],
        "cpu": time.process_time() - cpu_started,
    }
    for screen in screens.values():
        await screen.sio.disconnect()
    shared.results.put(("done", number, report))


class Console:
    """The facilitator's console: a threaded client keeping the latest state."""

    def __init__(self, url: str, cookie: str, session_id: int) -> None:
        self.session_id = session_id
        self.state: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("live.state", self._on_state, namespace=NS)
        self.sio.connect(
            url, headers={"Cookie": cookie}, namespaces=[NS], transports=["websocket"], wait_timeout=60
        )
        answer = self.sio.call("join", {"session": session_id, "view": "console"}, namespace=NS, timeout=60)
        self._on_state(answer["state"])

    def _on_state(self, state: dict[str, Any]) -> None:
        with self.lock:
            if not self.state or state["version"] > self.state["version"]:
                self.state = state

    def act(self, shared: Shared, action: str, **params: Any) -> tuple[float, dict[str, Any]]:
        sent = time.time()
        answer: dict[str, Any] = self.sio.call(
            "act", {"session": self.session_id, "action": action, **params}, namespace=NS, timeout=60
        )
        if not answer.get("ok"):
            raise RuntimeError(f"{action}: {answer}")
        shared.sent_at[int(answer["version"])] = sent
        return sent, answer


def _prepare(app: Any, participants: int) -> tuple[int, int, str, list[str]]:
    """People, a consultation in a deliberation phase, a running session with a prepared yes-no poll."""
    from civic.deliberation.live import quickpolls
    from civic.extensions import db
    from tests.deliberation.live.factories import live_consultation, make_session
    from tests.factories import make_user

    with app.app_context(), app.test_request_context("/"):
        facilitator = make_user("animatrice@example.org", "Animatrice")
        consultation = live_consultation(moderators=[facilitator])
        session = make_session(consultation, facilitator, items=5, speaking_seconds=120)
        poll = quickpolls.create_poll(
            facilitator, session, quickpolls.PollData(question_fr="D'accord ?", open_now=False)
        )
        emails = [make_user(f"p{n}@example.org", f"Personne {n}").email for n in range(participants)]
        found = (session.id, poll.id, facilitator.email, emails)
        db.session.remove()
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    reference = reference_ms()
    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    admin_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or args.database
    with harness.fresh_database(admin_url) as url:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        session_id, poll_id, facilitator_email, emails = _prepare(app, args.participants)
        server = harness.Server(url, None, folder / "server.log", CIVIC_LIVE_PUBLISH_MS=str(args.publish_ms))
        try:
            server.start()
            plan = Plan(
                args.participants, session_id, poll_id, server.url, emails, args.hands, args.answer_seconds
            )
            shared = Shared(args.participants)
            context = mp.get_context("fork")
            workers = [
                context.Process(
                    target=worker,
                    args=(w, plan, list(range(w, args.participants, args.clients)), shared),
                    daemon=True,  # a failed run exits instead of waiting for its clients forever
                )
                for w in range(args.clients)
            ]
            connect_started = time.monotonic()
            for process in workers:
                process.start()
            wait_for(shared, "ready", args.clients, timeout=300 + args.participants)
            connect_seconds = time.monotonic() - connect_started
            console = Console(server.url, harness.sign_in(server.url, facilitator_email), session_id)
            time.sleep(1.0)  # the last raised hands' gathered publish
            client_pids = [p.pid for p in workers if p.pid]
            load = os.getloadavg()[0]
            server_cpu, client_cpu, machine_cpu = cpu_of([server.pid]), cpu_of(client_pids), busy_cpu()
            wall = time.monotonic()
            # Console actions, in turn: the floor to the next, the last waiting to the top, more time.
            actions = 0
            while actions < args.actions:
                waiting = console.state.get("queue") or []
                kind = actions % 3
                if kind == 0 and waiting:
                    console.act(shared, "floor")
                elif kind == 1 and len(waiting) > 1:
                    console.act(shared, "speaker-top", speaker=waiting[-1]["id"])
                else:
                    console.act(shared, "turn-more")
                actions += 1
                time.sleep(args.gap)
            _sent, opened = console.act(shared, "open-poll", poll=poll_id)
            shared.answer_from.value = time.time() + 0.2
            deadline = time.time() + args.answer_seconds + 60
            while sum(1 for n in range(args.participants) if shared.answer_ok[n]) < args.participants:
                if time.time() > deadline:
                    raise TimeoutError("not every answer was acknowledged")
                time.sleep(0.005)
            last_answer = max(shared.answer_acked)
            _sent, closed = console.act(shared, "close-poll", poll=poll_id)
            time.sleep(3.0)  # every screen has the results by now (checked below)
            server_cpu = cpu_of([server.pid]) - server_cpu
            client_cpu = cpu_of(client_pids) - client_cpu
            machine_cpu = busy_cpu() - machine_cpu
            wall = time.monotonic() - wall
            shared.collect.set()
            reports = wait_for(shared, "done", args.clients, timeout=300)
            for process in workers:
                process.join(10)
            console.sio.disconnect()
        finally:
            server.stop()
        with app.app_context():
            from civic.extensions import db

            db.engine.dispose()
    by_version: dict[int, list[float]] = {}
    results_at: list[float] = []
    for report in reports.values():
        for version, values in report["latencies"].items():
            by_version.setdefault(int(version), []).extend(values)
        results_at += report["results_at"]
    # The console actions proper (opening and closing the poll are measured on their own).
    apart = {int(opened["version"]), int(closed["version"])}
    measured = {v: values for v, values in by_version.items() if v not in apart}
    last_screen = [1000 * max(values) for values in measured.values()]
    every_screen = [1000 * value for values in measured.values() for value in values]
    acks = [
        1000 * (shared.answer_acked[n] - shared.answer_sent[n])
        for n in range(args.participants)
        if shared.answer_ok[n] == 1
    ]
    sent_times = [shared.answer_sent[n] for n in range(args.participants)]
    return {
        "participants": args.participants,
        "clients": args.clients,
        "publish_ms": args.publish_ms,
        "connect": connect_seconds,
        "actions": len(measured),
        "missing": sum(args.participants - len(values) for values in measured.values()),
        "last_p50": percentile(last_screen, 0.50),
        "last_p95": percentile(last_screen, 0.95),
        "last_max": max(last_screen, default=float("nan")),
        "each_p50": percentile(every_screen, 0.50),
        "each_p95": percentile(every_screen, 0.95),
        "open_last": 1000 * max(by_version.get(int(opened["version"]), [float("nan")])),
        "answers": len(acks),
        "refused": sum(1 for n in range(args.participants) if shared.answer_ok[n] == -1),
        "answer_span": max(sent_times) - min(sent_times),
        "ack_p50": percentile(acks, 0.50),
        "ack_p95": percentile(acks, 0.95),
        "results_last": 1000 * (max(results_at) - last_answer) if all(results_at) else float("nan"),
        "results_p50": percentile([1000 * (t - last_answer) for t in results_at if t], 0.50),
        "results_p95": percentile([1000 * (t - last_answer) for t in results_at if t], 0.95),
        "results_missing": sum(1 for t in results_at if not t),
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "other_cpu": machine_cpu - server_cpu - client_cpu,
        "wall": wall,
        "cores": psutil.cpu_count(),
        "load": load,
        "reference": reference,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument(
        "--hands", type=int, default=30, help="participants who raise a hand before the actions"
    )
    parser.add_argument("--actions", type=int, default=20, help="console actions measured")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between two console actions")
    parser.add_argument("--answer-seconds", type=float, default=5.0, help="the answers arrive over this long")
    parser.add_argument("--publish-ms", type=int, default=250, help="CIVIC_LIVE_PUBLISH_MS of the server")
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    result = run(parser.parse_args())
    print(
        "participants {participants} in {clients} client processes, publish window {publish_ms} ms, connected and "
        "joined in {connect:.0f} s; {actions} console actions: to the last screen p50 {last_p50:.0f} ms p95 "
        "{last_p95:.0f} ms max {last_max:.0f} ms, to each screen p50 {each_p50:.0f} ms p95 {each_p95:.0f} ms "
        "(states missed {missing}); poll opened on every screen in {open_last:.0f} ms; {answers} answers "
        "(refused {refused}) sent over {answer_span:.1f} s, acknowledged p50 {ack_p50:.0f} ms p95 {ack_p95:.0f} ms; "
        "last answer to results on every screen {results_last:.0f} ms (p50 {results_p50:.0f} ms, p95 "
        "{results_p95:.0f} ms over screens, missing {results_missing}); server CPU {server_cpu:.1f} s, client CPU "
        "{client_cpu:.1f} s, other CPU {other_cpu:.1f} s over {wall:.1f} s on {cores} cores (load before {load:.1f}); "
        "reference loop {reference:.0f} ms".format(**result)
    )


if __name__ == "__main__":
    main()
