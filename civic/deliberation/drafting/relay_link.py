"""Between server processes: each publishes what its editors sent, the others merge it into their relay.

Through Socket.IO's Redis queue, every process's relay batch went to every reader of the document: with
two processes a reader got two messages per batch window, and the writes to readers were the largest
cost of a busy room (for the server, and for the reader). Instead each process publishes the updates
and presence its own connections sent, gathered for a short moment (DRAFTING_LINK_MS), on one Redis
channel; every other process adds them to its own relay batch, so a reader gets one message per
window whatever the number of processes. Messages are JSON with the bytes in base64; a process ignores
its own. Like the Socket.IO queue, Redis publish/subscribe keeps nothing: a process that missed a
message heals at the next join or sync, which apply the rows committed meanwhile (services.catch_up).
Each message names the update rows it carries: a process that applies them to its copy of the document
knows not to apply (nor relay) them again when it next catches up with the database.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from civic.deliberation.drafting import crdt

log = logging.getLogger(__name__)

# A site's channel is realtime.site_channel(app, PURPOSE): "civic:drafting:relay:<digest of its database>".
PURPOSE = "drafting:relay"
CHANNEL = f"civic:{PURPOSE}"

# (document id, merged update or None, awareness entries, ids of the rows the update holds) -> None:
# what another process published.
Deliver = Callable[[int, bytes | None, list[crdt.AwarenessEntry], list[int]], None]


def encode(
    host: str,
    document_id: int,
    update: bytes | None,
    entries: list[crdt.AwarenessEntry],
    rows: list[int] | None = None,
) -> bytes:
    message: dict[str, Any] = {"host": host, "document": document_id}
    if update is not None:
        message["update"] = base64.b64encode(update).decode()
        if rows:
            message["rows"] = rows
    if entries:
        message["awareness"] = base64.b64encode(crdt.encode_awareness(entries)).decode()
    return json.dumps(message).encode()


def decode(data: bytes) -> tuple[str, int, bytes | None, list[crdt.AwarenessEntry], list[int]]:
    """(host, document id, update, awareness entries, row ids); ValueError for anything else."""
    try:
        message = json.loads(data)
        host, document_id = str(message["host"]), message["document"]
        update = base64.b64decode(message["update"], validate=True) if "update" in message else None
        rows = message.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(row, int) for row in rows):
            raise ValueError("row ids are not integers")
        entries = []
        if "awareness" in message:
            parsed = crdt.parse_message(base64.b64decode(message["awareness"], validate=True))
            if parsed.kind != "awareness":
                raise ValueError("not an awareness message")
            entries = crdt.parse_awareness(parsed.payload)
    except (KeyError, TypeError, ValueError, crdt.ProtocolError) as error:
        raise ValueError(f"unreadable relay message: {error}") from error
    if not isinstance(document_id, int):
        raise ValueError("unreadable relay message: no document id")
    return host, document_id, update, entries, rows


class RedisLink:
    """Publish this process's updates and presence per document; hand the others' to `deliver`.

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
        self._pending: dict[int, crdt.Gathered] = {}
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
        except Exception:  # Redis is away: the next join tries again
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
        entries: list[crdt.AwarenessEntry] | None = None,
        rows: list[int] | None = None,
    ) -> None:
        """Publish soon (gathered with what else comes within `seconds`); `rows`: the ids of the rows
        `update` holds."""
        with self._lock:
            outgoing = self._pending.get(document_id)
            first = outgoing is None
            if outgoing is None:
                outgoing = self._pending[document_id] = crdt.Gathered()
            outgoing.add(update, entries, rows)
        if self.seconds <= 0:
            self.flush(document_id)
        elif first:
            self._spawn(self._flush_later, document_id)

    def _flush_later(self, document_id: int) -> None:
        self._sleep(self.seconds)
        self.flush(document_id)

    def flush(self, document_id: int) -> None:
        with self._lock:
            outgoing = self._pending.pop(document_id, None)
        if outgoing is None:
            return
        data = encode(
            self.host, document_id, outgoing.merged(), list(outgoing.awareness.values()), outgoing.rows
        )
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
            host, document_id, update, entries, rows = decode(data)
        except ValueError:
            log.warning("ignored an unreadable co-drafting relay message")
            return
        if host != self.host:
            deliver(document_id, update, entries, rows)
