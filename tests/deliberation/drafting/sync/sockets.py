"""Browsers on the sync endpoint, in the test process: a real request, a WebSocket the test holds.

The request goes through the app like any page (session cookie, Origin, the document's visibility);
once accepted, the workspace's `upgrade` is this module's: instead of eventlet's handshake it gives the
session a `FakeSocket` whose other end the test holds, and serves it on a thread. Everything after
the upgrade is the production code (transport.serve, the session, the room, the outbox's writer).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterable
from typing import Any

from flask import Flask

from civic.accounts.models import User
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.session import Session
from civic.deliberation.drafting.sync.workspace import workspace
from tests.conftest import sign_in

UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}
TIMEOUT = 10.0


class FakeSocket:
    """The server's end of one WebSocket (eventlet's wait/send/close); the test writes and reads the other."""

    def __init__(self) -> None:
        self.incoming: queue.Queue[bytes | str | None] = queue.Queue()
        self.outgoing: queue.Queue[bytes] = queue.Queue()
        self.idle = threading.Event()  # the server is waiting and nothing sent to it is unread
        self.closed = threading.Event()  # closed by the server
        self.handler: threading.Thread | None = None

    def wait(self) -> bytes | str | None:
        if self.incoming.empty():
            self.idle.set()
        message = self.incoming.get()
        if message is None:
            self.idle.set()
        return message

    def send(self, message: bytes) -> None:
        if self.closed.is_set():
            raise OSError("closed")
        self.outgoing.put(bytes(message))

    def close(self) -> None:
        self.closed.set()
        self.incoming.put(None)


class Browser:
    """A signed-in (or anonymous) page with its WebSocket to one document's sync endpoint."""

    def __init__(self, app: Flask, user: User | None = None, extras: bool = True) -> None:
        self.app, self.extras = app, extras
        self.http = app.test_client()
        if user is not None:
            sign_in(self.http, user.email)
        self.socket: FakeSocket | None = None
        self.welcome: dict[str, Any] = {}
        self.messages: list[bytes] = []  # y-websocket messages received, not yet read
        self.civic: list[dict[str, Any]] = []  # Civic messages received (welcome, saved, errors, …)
        self._errors: list[dict[str, Any]] = []

    # ---- opening ---------------------------------------------------------------------------------------

    def request(self, document: Document, slug: str | None = None, **headers: str) -> Any:
        """Ask to open the document's sync endpoint; return the response (101 when accepted)."""
        query = "?civic=1" if self.extras else ""
        url = f"/c/{slug or document.consultation.slug}/documents/{document.id}/sync{query}"
        space = workspace(self.app)
        space.upgrade = self._upgrade
        return contextvars.Context().run(self.http.get, url, headers={**UPGRADE, **headers})

    def connect(self, document: Document, **headers: str) -> dict[str, Any]:
        """Open the connection; return the welcome (its role, its person, a message) once it is open."""
        response = self.request(document, **headers)
        assert response.status_code == 101, response.status_code
        self.settle()
        if self.extras:
            [welcome] = [m for m in self.civic if m["type"] == "welcome"]
            self.civic.remove(welcome)
            self.welcome = welcome
        return self.welcome

    def _upgrade(self, environ: Any, start_response: Any, handler: Any, max_bytes: int) -> Iterable[bytes]:
        socket = FakeSocket()
        self.socket = socket
        socket.handler = threading.Thread(target=handler, args=(socket,), daemon=True)
        socket.handler.start()
        start_response("101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade")])
        return []

    # ---- talking ---------------------------------------------------------------------------------------

    def session(self) -> Session | None:
        for session in workspace(self.app).all():
            if session.outbox is not None and session.outbox.ws is self.socket:
                return session
        return None

    def settle(self) -> None:
        """Wait until the server has handled everything sent to it and every connection's writer has
        written what it was given; then take what arrived."""
        assert self.socket is not None
        assert self.socket.idle.wait(TIMEOUT), "the server did not handle the message"
        for session in workspace(self.app).all():
            if session.outbox is not None:
                assert session.outbox.drained.wait(TIMEOUT), "a connection's writer is stuck"
        self._take()

    def _take(self) -> None:
        assert self.socket is not None
        while True:
            try:
                message = self.socket.outgoing.get_nowait()
            except queue.Empty:
                return
            civic = protocol.read_civic(message)
            if civic is None:
                self.messages.append(message)
            else:
                self.civic.append(civic)
                if civic["type"] == "error":
                    self._errors.append({"code": civic["code"], "message": civic["message"]})

    def send(self, message: bytes | str) -> None:
        assert self.socket is not None
        self.socket.idle.clear()
        self.socket.incoming.put(message)

    def y(self, message: bytes | str) -> dict[str, Any]:
        """Send one message and wait until it is handled: {"ok": True} unless it was refused, then
        {"ok": False, "error", "code"} (a step 2 or an update is answered "saved" or with an error)."""
        before = len(self.civic)
        self.send(message)
        self.settle()
        answers = [m for m in self.civic[before:] if m["type"] in ("saved", "error")]
        for answer in answers:
            self.civic.remove(answer)
        if protocol.answered(message):
            assert len(answers) == 1, answers
        if not answers or answers[0]["type"] == "saved":
            return {"ok": True}
        return {"ok": False, "error": answers[0]["message"], "code": answers[0]["code"]}

    def received(self) -> list[bytes]:
        """The y-websocket messages received since the last call."""
        self.settle()
        found, self.messages = self.messages, []
        return found

    def errors(self) -> list[dict[str, Any]]:
        """The errors received since the last call, as {"code", "message"}."""
        self.settle()
        found, self._errors = self._errors, []
        return found

    def is_connected(self) -> bool:
        return self.socket is not None and not self.socket.closed.is_set() and self.session() is not None

    def close(self) -> None:
        """Close from the browser's side and wait until the server has closed the session."""
        if self.socket is None:
            return
        self.socket.incoming.put(None)
        if self.socket.handler is not None:
            self.socket.handler.join(TIMEOUT)
