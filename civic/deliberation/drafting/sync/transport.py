"""The WebSocket itself: an accepted request upgraded by eventlet, read in order, written by its own writer.

eventlet's public `eventlet.websocket.WebSocketWSGI` does the handshake and the framing, in the same
process as the pages, under `python app.py` and gunicorn's eventlet worker alike (both give it the
request's socket). Each connection has two green threads: its reader (the request's own) hands every
message to its session in turn; its writer sends what the session and its room post, in order, so a
reader that does not read holds up nobody else (past OUTBOX_LIMIT messages waiting it is closed).
permessage-deflate is not agreed to: deflating every relayed message for every reader costs a busy
server more than the bytes it saves (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from flask_babel import force_locale

from civic.extensions import db

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 1000  # messages waiting for a reader that does not read before it is let go
# The server's socket, as WSGI servers that can hand it over name it.
SOCKET_KEYS = ("eventlet.input", "gunicorn.socket")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Handler = Callable[[Any], None]
# How an accepted request becomes a WebSocket: (environ, start_response, handler, the largest message
# in bytes) -> the WSGI body.
Upgrade = Callable[[Environ, StartResponse, Handler, int], Iterable[bytes]]


class Outbox:
    """What waits to be written to one WebSocket, and the writer that writes it in order."""

    def __init__(self, ws: Any, spawn: Callable[..., Any]) -> None:
        self.ws = ws
        self._queue: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.drained = threading.Event()  # set while nothing waits to be written
        self.drained.set()
        self.closed = False
        spawn(self._write)

    def post(self, message: bytes) -> bool:
        """Queue a message; False when the connection is closed or its reader too far behind."""
        with self._lock:
            if self.closed:
                return False
            overflow = len(self._queue) >= OUTBOX_LIMIT
            if overflow:
                self.closed = True
            else:
                self._queue.append(message)
                self.drained.clear()
        self._ready.set()
        if overflow:
            self.close_socket()
        return not overflow

    def close_socket(self) -> None:
        """Close the WebSocket from any green thread (its reader then sees the end)."""
        with contextlib.suppress(OSError):
            self.ws.close()

    def close(self) -> None:
        """Let the writer end once it has written what waits."""
        with self._lock:
            self.closed = True
        self._ready.set()

    def _write(self) -> None:
        while True:
            self._ready.wait()
            with self._lock:
                self._ready.clear()
                messages = list(self._queue)
                self._queue.clear()
                done = self.closed
            try:
                for message in messages:
                    self.ws.send(message)
            except OSError:  # the client is gone: its reader finds out and ends the session
                with self._lock:
                    self.closed = True
                    self._queue.clear()
                self.drained.set()
                return
            with self._lock:
                if not self._queue:
                    self.drained.set()
            if done:
                return


def serve(app: Flask, session: Any, ws: Any, spawn: Callable[..., Any]) -> None:
    """Run one connection: open its session, hand it every message in order, close it at the end."""
    outbox = Outbox(ws, spawn)
    session.outbox = outbox
    with app.app_context(), force_locale(session.connection.locale):
        try:
            session.open()
        except Exception:
            log.exception("opening a co-drafting connection failed")
            outbox.close()
            return
        finally:
            db.session.remove()
        try:
            while True:
                try:
                    message = ws.wait()
                except Exception:  # a connection closed under the reader (sign-out, overflow)
                    break
                if message is None:
                    break
                try:
                    session.receive(message)
                except Exception:  # e.g. the database away: the client reconnects, its sync resends
                    log.exception("a co-drafting message could not be handled")
                    break
                finally:
                    if db.session.registry.has():
                        db.session.remove()  # no pooled connection held between two messages
        finally:
            outbox.close()
            try:
                session.close()
            finally:
                db.session.remove()


def upgrade(
    environ: Environ, start_response: StartResponse, handler: Handler, max_bytes: int
) -> Iterable[bytes]:
    """Upgrade the request to a WebSocket with eventlet and run `handler(ws)` until it closes.

    A message larger than `max_bytes` closes the connection (status 1009).
    """
    if not any(key in environ for key in SOCKET_KEYS):
        start_response("501 Not Implemented", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"This server cannot open WebSockets: serve with python app.py or gunicorn -k eventlet.\n"]
    from eventlet.websocket import WebSocketWSGI

    environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)  # no permessage-deflate (module docstring)
    return WebSocketWSGI(handler, max_frame_length=max_bytes)(environ, start_response)
