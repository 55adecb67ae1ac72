"""The servers benchmarks/bench_drafting.py measures, started for one run and stopped after it.

Civic: `python app.py` (eventlet) per process on a fresh PostgreSQL database (Redis when two), the
document and the people made through the app (tests/scale/harness.py). The peers, installed from npm
as development dependencies: the reference y-websocket server (@y/websocket-server) and Hocuspocus
(@hocuspocus/server, benchmarks/peers/hocuspocus.mjs), one Node process each, documents in memory; a
seeder connection writes the starting text (one line per editor) and stays, so the document is there
when the editors come and while they type.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.drafting_editors import CIVIC, HOCUSPOCUS, YWEBSOCKET, Editor, Target
from civic.deliberation.drafting.sync import protocol
from tests.scale import harness

ROOT = Path(__file__).resolve().parent.parent
NODE = os.environ.get("NODE", "node")
PEERS = {
    YWEBSOCKET: [NODE, str(ROOT / "node_modules/@y/websocket-server/src/server.js")],
    HOCUSPOCUS: [NODE, str(ROOT / "benchmarks/peers/hocuspocus.mjs")],
}
SEEDER = 999_999  # the seeder's Yjs client id


def marker(i: int) -> str:
    return f"[{i}]"


def starting_text(editors: int) -> str:
    return "".join(f"{marker(i)}\n" for i in range(editors))


@dataclass
class Running:
    """What a run talks to: a target per editor, the server processes' pids, the text it ended with."""

    kind: str
    targets: list[Target]
    pids: list[int]
    final_text: Any  # () -> str: the stored text (Civic) or the seeder's (the peers)
    stops: list[Any] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


@contextmanager
def civic(
    editors: int, processes: int, admin_url: str, redis_url: str | None, folder: Path, **env: str
) -> Iterator[Running]:
    """Civic's servers on a fresh database, the document and one account per editor."""
    with harness.fresh_database(admin_url) as url:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        setup = harness.prepare(app, editors, starting_text(editors), max_editors=editors + 10)
        servers = [
            harness.Server(
                url,
                redis_url,
                folder / f"server-{p}.log",
                CIVIC_DRAFTING_MAX_EDITORS=str(editors + 10),
                **env,
            )
            for p in range(processes)
        ]
        try:
            for server in servers:
                server.start()
            targets = []
            for i in range(editors):
                base = servers[i % processes].url
                address = (
                    base.replace("http://", "ws://")
                    + f"/c/{setup.slug}/documents/{setup.document_id}/sync?civic=1"
                )
                targets.append(Target(CIVIC, address, cookie=harness.sign_in(base, setup.emails[i])))
            yield Running(
                CIVIC, targets, [s.pid for s in servers], lambda: harness.stored_text(app, setup.document_id)
            )
        finally:
            for server in servers:
                server.stop()
            with app.app_context():
                from civic.extensions import db

                db.engine.dispose()


@contextmanager
def peer(kind: str, editors: int, folder: Path) -> Iterator[Running]:
    """A Node peer on a free port, seeded with the starting text by a connection that stays."""
    port = _free_port()
    log = (folder / f"{kind}.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - an npm package of this project
        [*PEERS[kind], str(port)], cwd=ROOT, env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    try:
        _wait_listening(port, process)
        room = "bench"
        address = f"ws://127.0.0.1:{port}/" + (room if kind == YWEBSOCKET else "")
        target = Target(kind, address, room=room)
        seeder = Seeder(target, starting_text(editors))
        seeder.start()
        yield Running(kind, [target] * editors, [process.pid], seeder.text)
        seeder.stop()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class Seeder:
    """A connection of its own (a thread with its own loop) that writes the starting text and stays."""

    def __init__(self, target: Target, text: str) -> None:
        import threading

        self.target, self.starting = target, text
        self.loop = asyncio.new_event_loop()
        self.editor: Editor | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._seed(), self.loop).result(60)

    async def _seed(self) -> None:
        self.session = aiohttp.ClientSession()
        # What it hears while the editors type is applied at the end (it is not a browser).
        self.editor = Editor(self.target, SEEDER, defer=True)
        await self.editor.start(self.session)
        update = self.editor.change(lambda text: text.insert(0, self.starting))
        self.editor.send_soon(protocol.update_message(update))
        await asyncio.sleep(0.5)

    def text(self) -> str:
        assert self.editor is not None
        return asyncio.run_coroutine_threadsafe(self._text(), self.loop).result(30)

    async def _text(self) -> str:
        assert self.editor is not None
        self.editor.apply_deferred()
        return self.editor.content()

    def stop(self) -> None:
        async def close() -> None:
            if self.editor is not None:
                await self.editor.close()
            await self.session.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
