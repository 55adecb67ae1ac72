"""The simulated editors of benchmarks/bench_drafting.py: browser tabs on one asyncio loop per process.

Each editor is an aiohttp WebSocket and a pycrdt document, and speaks what its server's browsers
speak: Civic's sync endpoint (y-websocket, with Civic's "saved" answers and one update in flight, as
static/src/js/drafting/session.js does), the reference y-websocket server (y-websocket, every
keystroke sent at once, as the y-websocket provider does), or Hocuspocus (the same messages, each
preceded by the document's name, after its authentication message; every keystroke sent at once, as
its provider does). Like browsers, connections offer permessage-deflate (each server agrees or not).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pycrdt import Doc, Text, merge_updates

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.sync import protocol

CIVIC, YWEBSOCKET, HOCUSPOCUS = "civic", "y-websocket", "hocuspocus"
HOCUSPOCUS_AUTH, HOCUSPOCUS_SYNC_REPLY, HOCUSPOCUS_SYNC_STATUS = 2, 4, 8
RETRY = {"rate-limited"}  # as the browser's editor: sent again after RETRY_DELAY, not refused
RETRY_DELAY = 1.0


def write_string(text: str) -> bytes:
    data = text.encode()
    return protocol.write_uint(len(data)) + data


@dataclass
class Target:
    """Where an editor connects, and how its server frames messages."""

    kind: str
    url: str  # the WebSocket's address
    room: str = ""  # Hocuspocus's document name (y-websocket's is in the address)
    cookie: str = ""  # Civic's signed-in session

    def frame(self, message: bytes) -> bytes:
        return write_string(self.room) + message if self.kind == HOCUSPOCUS else message

    def unframe(self, data: bytes) -> tuple[int, bytes]:
        """(message type, the message from its type on)."""
        if self.kind == HOCUSPOCUS:
            reader = wire.Reader(data)
            reader.skip_buffer()  # the document's name
            data = data[reader.pos :]
        return wire.Reader(data).uint(), data


@dataclass
class Editor:
    """A browser tab: its WebSocket, its pycrdt document, what it typed and what it heard."""

    target: Target
    client_id: int
    on_update: Callable[[float], None] | None = None  # timed receivers: called as each update lands
    defer: bool = False  # keep what is received, applied after the typing
    one_in_flight: bool = False
    doc: Doc = field(init=False)
    text: Text = field(init=False)
    role: str = "editor"
    lock: Any = field(default_factory=lambda: _NoLock())
    deferred: list[bytes] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    queue: list[bytes] = field(default_factory=list)  # typed, not yet sent (one in flight)
    typed: list[float] = field(default_factory=list)
    inflight: int = 0  # messages sent and not yet answered (Civic)
    answers: list[Callable[[bool, str], None]] = field(default_factory=list)
    batches: int = 0
    retried: int = 0
    cursors: int = 0
    presences: int = 0
    cursor_clock: int = 0
    presence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.doc = Doc(client_id=self.client_id)
        self.text = self.doc.get(crdt.BODY, type=Text)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.synced = asyncio.Event()
        self.ready = asyncio.Event()  # Civic's welcome, Hocuspocus's authentication, y-websocket's open
        self.reader: asyncio.Task[None] | None = None

    async def start(self, session: aiohttp.ClientSession) -> str:
        """Connect, sync as the browser does; return the role."""
        headers = {"Cookie": self.target.cookie} if self.target.cookie else None
        self.ws = await session.ws_connect(self.target.url, headers=headers, compress=15, max_msg_size=0)
        self.reader = asyncio.ensure_future(self._read())
        if self.target.kind == HOCUSPOCUS:  # its authentication message (any token: no extension checks)
            await self._send(protocol.write_uint(HOCUSPOCUS_AUTH) + protocol.write_uint(0) + write_string(""))
        elif self.target.kind == YWEBSOCKET:
            self.ready.set()
        await asyncio.wait_for(self.ready.wait(), 60)
        await self._send(protocol.step1(self.doc))
        await asyncio.wait_for(self.synced.wait(), 60)
        self.presence = {"user": {"name": f"Éditeur {self.client_id}", "color": "#1d4ed8"}}
        return self.role

    async def _send(self, message: bytes) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(self.target.frame(message))

    def send_soon(self, message: bytes, answered: Callable[[bool, str], None] | None = None) -> None:
        """Send from synchronous code; `answered(ok, code)` when Civic answers it (in order)."""
        if answered is not None:
            self.answers.append(answered)
        asyncio.ensure_future(self._send(message))

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            try:
                self._take(message.data, time.time())
            except Exception as error:  # report, keep reading
                self.errors.append(repr(error))

    def _take(self, data: bytes, received_at: float) -> None:
        kind, message = self.target.unframe(data)
        if kind == protocol.AWARENESS:
            self.presences += 1  # read natively by a browser on its own machine: counted, not read
            return
        if kind == protocol.CIVIC:
            return self._civic(protocol.read_civic(message) or {})
        if self.target.kind == HOCUSPOCUS and kind in (HOCUSPOCUS_AUTH, HOCUSPOCUS_SYNC_STATUS):
            if kind == HOCUSPOCUS_AUTH:
                self.ready.set()
            return
        if self.target.kind == HOCUSPOCUS and kind == HOCUSPOCUS_SYNC_REPLY:
            message = protocol.write_uint(protocol.SYNC) + message[1:]
        if kind not in (protocol.SYNC, HOCUSPOCUS_SYNC_REPLY):
            return
        if self.defer and self.synced.is_set() and message[1:2] == b"\x02":
            self.deferred.append(message)
            return
        parsed = protocol.parse_message(message)
        if parsed.kind == "step1":
            self.send_soon(protocol.step2(self.doc, parsed.payload), self._answer_ignored())
            return
        self.doc.apply_update(parsed.payload)
        if parsed.kind == "step2":
            self.synced.set()
        elif self.on_update is not None:
            self.on_update(received_at)

    def _answer_ignored(self) -> Callable[[bool, str], None] | None:
        return (lambda ok, code: None) if self.target.kind == CIVIC else None

    def _civic(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind == "welcome":
            self.role = str(content.get("role"))
            self.ready.set()
        elif kind == "saved" or (kind == "error" and content.get("answers")):
            if kind == "error" and content.get("code") not in RETRY:
                self.errors.append(content)
            answered = self.answers.pop(0) if self.answers else None
            if answered is not None:
                answered(kind == "saved", str(content.get("code", "")))
        elif kind == "error":
            self.errors.append(content)

    # ---- typing ------------------------------------------------------------------------------------------

    def change(self, edit: Any) -> bytes:
        before = self.doc.get_state()
        edit(self.text)
        return self.doc.get_update(before)

    def enqueue(self, update: bytes, typed_at: float, answered: Callable[[list[float], bool], None]) -> None:
        """Send a keystroke as its browser does: Civic's keeps one update in flight and merges what is
        typed meanwhile; the y-websocket and Hocuspocus providers send every update at once."""
        self.queue.append(update)
        self.typed.append(typed_at)
        self._flush(answered)

    def _flush(self, answered: Callable[[list[float], bool], None]) -> None:
        if not self.queue or (self.inflight and self.one_in_flight):
            return
        updates, typed = self.queue, self.typed
        self.queue, self.typed = [], []
        update = updates[0] if len(updates) == 1 else merge_updates(*updates)
        self.batches += 1
        if self.target.kind != CIVIC:  # no answer to wait for
            self.send_soon(protocol.update_message(update))
            answered(typed, True)
            return
        self.inflight += 1

        def acknowledged(ok: bool, code: str) -> None:
            self.inflight -= 1
            if not ok and code in RETRY:
                self.retried += 1
                self.queue[:0], self.typed[:0] = [update], typed
                asyncio.get_running_loop().call_later(RETRY_DELAY, self._flush, answered)
                return
            answered(typed, ok)
            self._flush(answered)

        self.send_soon(protocol.update_message(update), acknowledged)

    def publish_cursor(self) -> None:
        """Announce a new cursor position, as the browser's editor does when the caret moves."""
        self.cursor_clock += 1
        position = {
            "type": None,
            "tname": crdt.BODY,
            "item": {"client": self.client_id, "clock": self.cursor_clock},
        }
        state = {**self.presence, "cursor": {"anchor": position, "head": position}}
        self.cursors += 1
        self.send_soon(
            protocol.encode_awareness([protocol.AwarenessEntry(self.client_id, self.cursor_clock, state)])
        )

    def apply_deferred(self) -> None:
        for message in self.deferred:
            self.doc.apply_update(protocol.parse_message(message).payload)
        self.deferred.clear()

    def content(self) -> str:
        return str(self.text)

    async def close(self) -> None:
        if self.reader is not None:  # measured already: what is still on its way is not read
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()


class _NoLock:
    """One thread per process: clients.Typist's changes need no lock."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
