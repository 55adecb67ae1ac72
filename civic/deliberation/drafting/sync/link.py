"""Between server processes: each publishes what its connections sent, the others take it as their own.

Each process publishes the updates and presence its own connections sent, gathered for a short moment
(DRAFTING_LINK_MS), on one Redis channel of the site; every other process applies the updates to its
copy of the document and adds them to its own relay batch, so a reader gets one message per window
whatever the number of processes. The same channel carries a document's change of mode and the
connections to close (a sign-out on another process). Messages are JSON with the bytes in base64; a
process ignores its own. Redis publish/subscribe keeps nothing: a process that missed a message heals
at the next sync, which applies the rows committed meanwhile (log.copies.catch_up). Each message names
the update rows it carries: a process that applies them to its copy knows not to apply (nor relay)
them again when it next catches up with the database.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.protocol import AwarenessEntry, Gathered

log = logging.getLogger(__name__)

# A site's channel is realtime.site_channel(app, PURPOSE): "civic:drafting:relay:<digest of its database>".
PURPOSE = "drafting:relay"
CHANNEL = f"civic:{PURPOSE}"


@dataclass(frozen=True)
class Note:
    """One message between processes: a document's changes, its new mode, or connections to close."""

    host: str
    document: int | None = None
    update: bytes | None = None
    entries: list[AwarenessEntry] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the ids of the stored rows `update` holds
    mode: str | None = None
    close: list[str] = field(default_factory=list)  # connection ids


Deliver = Callable[[Note], None]


def encode(note: Note) -> bytes:
    message: dict[str, Any] = {"host": note.host}
    if note.document is not None:
        message["document"] = note.document
    if note.update is not None:
        message["update"] = base64.b64encode(note.update).decode()
        if note.rows:
            message["rows"] = note.rows
    if note.entries:
        message["awareness"] = base64.b64encode(protocol.encode_awareness(note.entries)).decode()
    if note.mode is not None:
        message["mode"] = note.mode
    if note.close:
        message["close"] = note.close
    return json.dumps(message).encode()


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} are not strings")
    return value


def decode(data: bytes) -> Note:
    """The note a message carries; ValueError for anything else."""
    try:
        message = json.loads(data)
        host, document = str(message["host"]), message.get("document")
        update = base64.b64decode(message["update"], validate=True) if "update" in message else None
        rows = message.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(row, int) for row in rows):
            raise ValueError("row ids are not integers")
        entries = []
        if "awareness" in message:
            parsed = protocol.parse_message(base64.b64decode(message["awareness"], validate=True))
            if parsed.kind != "awareness":
                raise ValueError("not an awareness message")
            entries = protocol.parse_awareness(parsed.payload)
        mode = message.get("mode")
        close = _strings(message.get("close", []), "connection ids")
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"unreadable relay message: {error}") from error
    if not isinstance(document, int) and not (document is None and close):
        raise ValueError("unreadable relay message: no document id")
    if mode is not None and not isinstance(mode, str):
        raise ValueError("unreadable relay message: a mode that is not a string")
    return Note(host, document, update, entries, rows, mode, close)


class RedisLink:
    """Publish this process's notes per document; hand the others' to `deliver`.

    `spawn(fn, *args)` and `sleep(seconds)` are the server's (green threads when served by eventlet).
    """

    def __init__(
        self,
        url: str,
        seconds: float,
        spawn: Callable[..., Any],
        sleep: Callable[[float], Any],
        channel: str = CHANNEL,
    ) -> None:
        import redis

        self.host = secrets.token_hex(8)
        self.seconds = seconds
        self.channel = channel
        self._redis = redis.Redis.from_url(url)
        self._spawn, self._sleep = spawn, sleep
        self._lock = threading.Lock()
        self._pending: dict[int, Gathered] = {}
        self._listening = False
        self._subscription: Any = None
        self._closed = False

    def listen(self, deliver: Deliver) -> None:
        """Start receiving the other processes' messages (once; later calls do nothing)."""
        with self._lock:
            if self._listening:
                return
            self._listening = True
        try:
            subscription = self._subscribe()  # before returning: nothing published from now is missed
        except Exception:  # Redis is away: the next connection tries again
            with self._lock:
                self._listening = False
            raise
        self._spawn(self._receive, subscription, deliver)

    def _subscribe(self) -> Any:
        subscription = self._redis.pubsub(ignore_subscribe_messages=True)
        subscription.subscribe(self.channel)
        self._subscription = subscription
        return subscription

    def close(self) -> None:
        """Stop listening (tests; a process that exits simply drops the connection)."""
        self._closed = True
        if self._subscription is not None:
            self._subscription.close()

    def send(
        self,
        document_id: int,
        update: bytes | None = None,
        entries: list[AwarenessEntry] | None = None,
        rows: list[int] | None = None,
    ) -> None:
        """Publish soon (gathered with what else comes within `seconds`); `rows`: the ids of the rows
        `update` holds."""
        with self._lock:
            outgoing = self._pending.get(document_id)
            first = outgoing is None
            if outgoing is None:
                outgoing = self._pending[document_id] = Gathered()
            outgoing.add(update, entries, rows)
        if self.seconds <= 0:
            self.flush(document_id)
        elif first:
            self._spawn(self._flush_later, document_id)

    def publish(self, note: Note) -> None:
        """Publish a note at once (a mode, connections to close: rare, and awaited by people)."""
        self._publish(encode(note), note.document)

    def _flush_later(self, document_id: int) -> None:
        self._sleep(self.seconds)
        self.flush(document_id)

    def flush(self, document_id: int) -> None:
        with self._lock:
            outgoing = self._pending.pop(document_id, None)
        if outgoing is None:
            return
        note = Note(
            self.host, document_id, outgoing.merged(), list(outgoing.awareness.values()), outgoing.rows or []
        )
        self._publish(encode(note), document_id)

    def _publish(self, data: bytes, document_id: int | None) -> None:
        try:
            self._redis.publish(self.channel, data)
        except Exception:  # the rows are committed: the other processes' readers heal at their next sync
            log.exception("publishing co-drafting changes of document %s failed", document_id)

    def _receive(self, subscription: Any, deliver: Deliver) -> None:
        while not self._closed:
            try:
                if subscription is None:
                    subscription = self._subscribe()
                for message in subscription.listen():
                    self._take(message.get("data"), deliver)
            except Exception:  # Redis went away: subscribe again in a moment
                if self._closed:
                    return
                log.exception("listening to co-drafting changes of other processes failed")
                subscription = None
                self._sleep(1.0)

    def _take(self, data: Any, deliver: Deliver) -> None:
        if not isinstance(data, bytes):
            return
        try:
            note = decode(data)
        except ValueError:
            log.warning("ignored an unreadable co-drafting relay message")
            return
        if note.host != self.host:
            deliver(note)
