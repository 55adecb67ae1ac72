"""Browser tabs on a document over a real WebSocket to its sync endpoint (tests/scale, the benchmark).

An `Editor` signs in over HTTP (harness.sign_in), opens the endpoint, syncs, types into a pycrdt
document and sends each change as the protocol says (docs/drafting-protocol.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simple_websocket
from pycrdt import Assoc, Doc, Text
from wsproto.utilities import LocalProtocolError

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.sync import protocol


def take_message(doc: Doc, lock: Any, data: bytes) -> tuple[str, bytes, bytes | None]:
    """Take a server's `y` message into a client's document, as the browser does.

    Returns its kind, its payload and, for the server's own step 1, the step 2 to send back (what the
    server lacks: offline edits). Updates and step 2 are applied; awareness is left out.
    """
    message = protocol.parse_message(data)
    if message.kind == "awareness":
        return message.kind, message.payload, None
    with lock:
        if message.kind == "step1":
            return message.kind, message.payload, protocol.step2(doc, message.payload)
        doc.apply_update(message.payload)
    return message.kind, message.payload, None


def decode_state_vector(data: bytes) -> dict[int, int]:
    """Read a Yjs state vector: client id -> number of items (its next clock)."""
    return wire.read_state_vector(data)


@dataclass
class Edit:
    """One change sent, and whether the server acknowledged it (committed) or refused it."""

    token: str
    sent_at: float
    answer: dict[str, Any] | None = None


# A step 2 carrying nothing: always answered ("saved" once the messages before it are handled), for
# an editor (an empty update is stored as nothing) as for a reader (ignored).
PROBE = protocol.sync_message(protocol.STEP2, crdt.EMPTY_UPDATE)


@dataclass
class Editor:
    """A browser tab on the document: WebSocket, pycrdt document, sync, typing, answers.

    `on_update(update, received_at)` is called (on the connection's thread) for every update applied
    from the server. All changes to the pycrdt document happen under `lock`.
    """

    document_id: int
    cookie: str
    slug: str
    client_id: int | None = None
    on_update: Callable[[bytes, float], None] | None = None
    doc: Doc = field(init=False)
    text: Text = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ws: Any = None
    role: str | None = None
    welcome: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    modes: list[dict[str, Any]] = field(default_factory=list)  # changes of mode heard
    roles: list[str] = field(default_factory=list)  # changes of role heard
    edits: list[Edit] = field(default_factory=list)
    synced: threading.Event = field(default_factory=threading.Event)
    _waiting: list[Any] = field(default_factory=list)  # answers awaited, in order (Edit or a list)
    _welcomed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.doc = Doc(client_id=self.client_id, allow_multithreading=True)
        self.text = self.doc.get(crdt.BODY, type=Text)

    # ---- connection ----------------------------------------------------------------------------------

    def connect(self, base_url: str, timeout: float = 20.0) -> Editor:
        """Open the sync endpoint (a fresh socket each time: after a drop the tab reconnects, maybe to
        another server)."""
        self.disconnect()
        self.synced.clear()
        self._welcomed.clear()
        self._waiting = []
        url = (
            base_url.replace("http://", "ws://", 1)
            + f"/c/{self.slug}/documents/{self.document_id}/sync?civic=1"
        )
        self.ws = simple_websocket.Client.connect(
            url, headers={"Cookie": self.cookie} if self.cookie else None
        )
        threading.Thread(target=self._read, args=(self.ws,), daemon=True).start()
        if not self._welcomed.wait(timeout):
            raise TimeoutError("no welcome from the server")
        return self

    def join(self, timeout: float = 20.0) -> dict[str, Any]:
        """Send step 1; wait until the server's step 2 has been applied; return the welcome."""
        with self.lock:
            step1 = protocol.step1(self.doc)
        self.send(step1)
        if not self.synced.wait(timeout):
            raise TimeoutError("no step 2 from the server")
        return self.welcome

    def disconnect(self) -> None:
        if self.ws is not None and self.ws.connected:
            self.ws.close()

    @property
    def connected(self) -> bool:
        return self.ws is not None and bool(self.ws.connected)

    # ---- messages ------------------------------------------------------------------------------------

    def send(self, message: bytes, edit: Edit | None = None) -> None:
        """Send a message; a step 2 or an update gets its answer into `edit` (or is counted anyway)."""
        with self.lock:
            if protocol.answered(message):
                self._waiting.append(edit if edit is not None else [])
            self.ws.send(message)

    def call(self, message: bytes, timeout: float = 30.0) -> dict[str, Any]:
        """Send a message and wait until it is handled: {"ok": True}, or the refusal {"ok": False,
        "error", "code"}. A message the server does not answer is followed by PROBE, which it does."""
        answer: list[dict[str, Any]] = []
        done = threading.Event()
        with self.lock:
            probe = not protocol.answered(message)
            self._waiting.append((answer, done, probe, len(self.errors)))
            self.ws.send(message)
            if probe:
                self.ws.send(PROBE)
        if not done.wait(timeout):
            raise TimeoutError("no answer from the server")
        return answer[0]

    def _answered(self, civic: dict[str, Any]) -> None:
        with self.lock:
            waiting = self._waiting.pop(0) if self._waiting else None
        ok = {"ok": True} if civic["type"] == "saved" else {
            "ok": False, "error": civic["message"], "code": civic["code"],
        }  # fmt: skip
        if isinstance(waiting, Edit):
            waiting.answer = ok
        elif isinstance(waiting, tuple):
            answer, done, probe, errors_before = waiting
            refusals = self.errors[errors_before:]
            if probe and refusals:  # the message before the probe was refused
                ok = {"ok": False, "error": refusals[0]["message"], "code": refusals[0]["code"]}
            answer.append(ok)
            done.set()

    def _read(self, ws: Any) -> None:
        while True:
            try:
                data = ws.receive()
            except simple_websocket.ConnectionClosed:
                return
            if data is None:
                continue
            received_at = time.time()
            civic = protocol.read_civic(data) if isinstance(data, bytes) else None
            if civic is not None:
                self._civic(civic)
                continue
            kind, payload, answer = take_message(self.doc, self.lock, data)
            if answer is not None:
                try:
                    self.send(answer)
                except (simple_websocket.ConnectionClosed, LocalProtocolError):
                    return  # the test closed this socket meanwhile (a reconnect): nothing more to read
            elif kind == "step2":
                self.synced.set()
            elif kind == "update" and self.on_update is not None:
                self.on_update(payload, received_at)

    def _civic(self, civic: dict[str, Any]) -> None:
        kind = civic["type"]
        if kind == "welcome":
            self.welcome, self.role = civic, civic["role"]
            self._welcomed.set()
        elif kind == "saved" or (kind == "error" and civic.get("answers")):
            if kind == "error":
                self.errors.append({"code": civic["code"], "message": civic["message"]})
            self._answered(civic)
        elif kind == "error":
            self.errors.append({"code": civic["code"], "message": civic["message"]})
        elif kind == "mode":
            self.modes.append(civic)
        elif kind == "role":
            self.role = civic["role"]
            self.roles.append(civic["role"])

    # ---- typing --------------------------------------------------------------------------------------

    def change(self, edit: Callable[[Text], None]) -> bytes:
        """Make a local change; return the update it produced (not sent)."""
        with self.lock:
            before = self.doc.get_state()
            edit(self.text)
            return self.doc.get_update(before)

    def insert_at_end_of(self, marker: str, piece: str, send: bool = True) -> Edit:
        """Type `piece` at the end of the line starting with `marker` (each editor has its own line)."""

        def typing(text: Text) -> None:
            body = str(text)
            start = body.index(marker)
            end = body.find("\n", start)
            end = len(body) if end < 0 else end
            text.insert(len(body[:end].encode("utf-8")), piece)

        update = self.change(typing)
        edit = Edit(piece, time.time())
        self.edits.append(edit)
        if send:
            self.send(protocol.update_message(update), edit)
        return edit

    def content(self) -> str:
        with self.lock:
            return str(self.text)


@dataclass
class Typist:
    """Fast typing at a fixed place: a sticky index follows the place while others insert elsewhere."""

    editor: Editor
    marker: str
    _place: Any = None

    def type(self, piece: str) -> bytes:
        def typing(text: Text) -> None:
            if self._place is None:
                body = str(text)
                end = body.find("\n", body.index(self.marker))
                self._place = text.sticky_index(len(body[:end].encode("utf-8")), Assoc.AFTER)
            # The index sticks to the line's newline, which moves along as anyone types before it.
            text.insert(self._place.get_index(), piece)

        return self.editor.change(typing)
