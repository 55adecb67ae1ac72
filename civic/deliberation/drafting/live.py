"""What one process keeps per app: open documents in memory, the batched relay, the shared presence.

A LiveDocument is a cache of the database (snapshot plus update rows); it may be dropped at any time
and is rebuilt from the rows. The Relay batches what a room hears: updates arriving within the batch
window are merged into one message (merge_updates over a handful of updates is cheap).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from pycrdt import Doc

from civic import realtime
from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.presence import Presence, presence_for
from civic.deliberation.drafting.relay_link import PURPOSE, Deliver, RedisLink
from civic.extensions import socketio

log = logging.getLogger(__name__)

NAMESPACE = "/drafting"
# How late the batch timers fire on average (seconds) says how busy the process is (see Relay.window):
# from LAG_BUSY a busy room gets its full busy window; from LAG_SATURATED the CPU is full.
LAG_BUSY = 0.005
LAG_SATURATED = 0.010
PRESENCE_SECONDS = 30.0  # a client's presence not renewed for this long is gone (as in y-protocols)
# Presence (cursor moves, arrivals) sent on its own is relayed at most this often: a cursor is drawn
# at a Yjs relative position, which follows the text however late it comes, and every relayed batch
# is a message to every reader.
PRESENCE_BATCH_SECONDS = 0.25


def document_room(document_id: int) -> str:
    return realtime.room("document", document_id)


@dataclass
class LiveDocument:
    """A document in memory with the ids of the rows it contains (rows above `horizon`)."""

    document_id: int
    created_at: datetime
    doc: Doc
    horizon: int  # every row with an id up to this one is in `doc` (from the snapshot)
    applied: set[int] = field(default_factory=set)
    state_bytes: int = 0  # an upper bound of the encoded state's size
    text_bound: int = 0  # an upper bound of the text's size in bytes (a row adds at most its own size)
    synced_at: datetime | None = None  # database time of the last catch-up
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Ids of items outside the text, from before updates were checked (wire.foreign_ranges; empty in
    # every document written since): nothing new may be placed next to them.
    foreign: wire.Ranges | None = None

    @property
    def last_id(self) -> int:
        return max(self.applied, default=self.horizon)

    def apply_row(self, row_id: int, data: bytes) -> None:
        with self.lock:
            if row_id <= self.horizon or row_id in self.applied:
                return
            self.doc.apply_update(data)
            self.applied.add(row_id)
            self.state_bytes += len(data)
            self.text_bound += len(data)

    def apply_rows(self, rows: list[int], update: bytes) -> bool:
        """Apply rows another process committed and relayed, merged as `update` (`rows`: their ids, or
        [] when unknown). False: every row was here already."""
        with self.lock:
            fresh = [row for row in rows if row > self.horizon and row not in self.applied]
            if rows and not fresh:
                return False
            self.doc.apply_update(update)
            self.applied.update(fresh)
            self.state_bytes += len(update)
            self.text_bound += len(update)
            return True

    def text_bytes(self) -> int:
        return len(crdt.body(self.doc))


@dataclass
class _Batch(crdt.Gathered):
    senders: set[str | None] = field(default_factory=set)


class Relay:
    """Send updates and presence to a document's room, merged per batch window (0: at once).

    Each relayed batch costs two WebSocket frames per reader (the event and its binary attachment),
    the largest cost of a busy room. So when the process gets busy the window widens with the number
    of people who sent in the room's previous batch: `batch_seconds` with one sender, up to
    `busy_seconds` from `busy_senders`, in proportion to how late the batch timers fire (none while
    they are punctual: a process with CPU to spare relays at once what it can afford). Presence sent
    on its own gathers apart, for `presence_seconds` (at least the room's window): a cursor moved
    every few seconds by each of 100 people would otherwise add a message to almost every batch.
    """

    def __init__(
        self,
        batch_seconds: float,
        busy_seconds: float | None = None,
        busy_senders: int = 10,
        link: RedisLink | None = None,
        crowd_seconds: float | None = None,
        presence_seconds: float = PRESENCE_BATCH_SECONDS,
    ) -> None:
        self.batch_seconds = batch_seconds
        self.presence_seconds = presence_seconds
        self.busy_seconds = max(batch_seconds, busy_seconds if busy_seconds is not None else batch_seconds)
        self.busy_senders = max(2, busy_senders)
        # A process whose CPU is full (its timers fire late) relays a room with several senders in
        # wider batches: fewer, larger messages to every reader are cheaper for it and for them.
        self.crowd_seconds = max(self.busy_seconds, crowd_seconds or self.busy_seconds)
        self.lag = 0.0  # moving average of how late the batch timers fired, in seconds
        # Several processes: what this process's connections send also goes to the others through the
        # link, which hands theirs to receive(); each batch then reaches this process's readers only.
        self.link = link
        self._lock = threading.Lock()
        self._pending: dict[tuple[int, bool], _Batch] = {}  # (document, presence only) -> batch
        self._last_senders: dict[int, int] = {}  # senders in each room's previous batch
        # The newest presence of each client of each document, from here and (through the link) from
        # the other processes, with when it came: a newcomer is sent it after its sync.
        self._present: dict[int, dict[int, tuple[crdt.AwarenessEntry, float]]] = {}

    def listen(self, deliver: Deliver | None = None) -> None:
        """Start hearing the other processes (a process with readers of a document; once); what they
        send goes to `deliver(document_id, update, entries, rows)`, by default to receive()."""
        if self.link is not None:
            self.link.listen(deliver or self.receive)

    def receive(
        self,
        document_id: int,
        update: bytes | None,
        entries: list[crdt.AwarenessEntry],
        rows: list[int] | None = None,
    ) -> None:
        """What another process's connections sent: into this process's next batches (no sender here)."""
        if update is not None:
            self._add(document_id, None, update=update)
        if entries:
            self._add(document_id, None, entries=entries)

    def window(self, document_id: int) -> float:
        """Seconds the next batch of this room gathers for."""
        senders = self._last_senders.get(document_id, 1)
        busy = min(1.0, max(0, senders - 1) / (self.busy_senders - 1)) * min(1.0, self.lag / LAG_BUSY)
        window = self.batch_seconds + (self.busy_seconds - self.batch_seconds) * busy
        if senders > 1 and self.lag > LAG_SATURATED:
            return max(window, self.crowd_seconds)
        return window

    def _note_lag(self, late: float) -> None:
        """Keep a moving average of how late the batch timers fire: the process's CPU is full when
        they do (a timer waits for every green thread ready before it)."""
        self.lag += (max(0.0, late) - self.lag) * 0.2

    def send_update(
        self, document_id: int, update: bytes, sid: str | None, rows: list[int] | None = None
    ) -> None:
        """Relay committed rows (`rows`: their ids) to the room, and to the other processes."""
        self._add(document_id, sid, update=update)
        if self.link is not None:
            self.link.send(document_id, update=update, rows=rows)

    def send_awareness(self, document_id: int, entries: list[crdt.AwarenessEntry], sid: str | None) -> None:
        self._add(document_id, sid, entries=entries)
        if self.link is not None:
            self.link.send(document_id, entries=entries)

    def _add(
        self,
        document_id: int,
        sid: str | None,
        update: bytes | None = None,
        entries: list[crdt.AwarenessEntry] | None = None,
    ) -> None:
        presence = update is None
        with self._lock:
            batch = self._pending.get((document_id, presence))
            first = batch is None
            if batch is None:
                batch = self._pending[document_id, presence] = _Batch()
            batch.add(update, entries)
            if entries:
                self._remember(document_id, entries)
            batch.senders.add(sid)
        if self.batch_seconds <= 0:
            self.flush(document_id)
        elif first:
            window = self.window(document_id)
            if presence:
                window = max(window, self.presence_seconds)
            socketio.start_background_task(self._flush_later, document_id, window, presence)

    def _remember(self, document_id: int, entries: list[crdt.AwarenessEntry]) -> None:
        """Keep the newest state of each client (under the lock); a state of None forgets it."""
        known = self._present.setdefault(document_id, {})
        now = time.monotonic()
        for entry in entries:
            held = known.get(entry.client_id)
            if held is not None and held[0].clock > entry.clock:
                continue
            if entry.state is None:
                known.pop(entry.client_id, None)
            else:
                known[entry.client_id] = (entry, now)
        if not known:
            del self._present[document_id]

    def present(self, document_id: int) -> list[crdt.AwarenessEntry]:
        """Who is on the document now: the states announced or renewed within PRESENCE_SECONDS.

        Browsers renew their state every 15 s and drop one not renewed for 30 s (y-protocols); the
        states of a process that died unannounced fade the same way here.
        """
        limit = time.monotonic() - PRESENCE_SECONDS
        with self._lock:
            known = self._present.get(document_id, {})
            for client in [c for c, (_entry, at) in known.items() if at < limit]:
                del known[client]
            return [entry for entry, _at in known.values()]

    def clear(self) -> None:
        """Forget the presence states held (Workspace.reset)."""
        with self._lock:
            self._present.clear()

    def _flush_later(self, document_id: int, seconds: float, presence: bool = False) -> None:
        due = time.monotonic() + seconds
        socketio.sleep(seconds)
        self._note_lag(time.monotonic() - due)
        self._flush(document_id, presence)

    def flush(self, document_id: int) -> None:
        """Relay what this room has gathered now: its updates, then its presence."""
        self._flush(document_id, False)
        self._flush(document_id, True)

    def _flush(self, document_id: int, presence: bool) -> None:
        with self._lock:
            batch = self._pending.pop((document_id, presence), None)
            if batch is not None and batch.updates:
                self._last_senders[document_id] = len(batch.senders)
        if batch is None:
            return
        # The sender already has its own changes; when several people sent, everyone gets the merge.
        skip = next(iter(batch.senders)) if len(batch.senders) == 1 else None
        room, local = document_room(document_id), self.link is not None
        merged = batch.merged()
        if merged is not None:
            realtime.publish_args(
                "y",
                (document_id, crdt.update_message(merged)),
                to=room,
                namespace=NAMESPACE,
                skip_sid=skip,
                local_only=local,
            )
        if batch.awareness:
            message = crdt.encode_awareness(list(batch.awareness.values()))
            realtime.publish_args(
                "y", (document_id, message), to=room, namespace=NAMESPACE, skip_sid=skip, local_only=local
            )


class Workspace:
    """Per app: the documents this process holds, the relay, the presence store, compaction counters."""

    def __init__(self, app: Flask) -> None:
        self.documents: dict[int, LiveDocument] = {}
        redis_url = app.config.get("REDIS_URL")
        link = (
            RedisLink(
                redis_url,
                app.config["DRAFTING_LINK_MS"] / 1000,
                socketio.start_background_task,
                socketio.sleep,
                channel=realtime.site_channel(app, PURPOSE),
            )
            if redis_url
            else None
        )
        self.relay = Relay(
            app.config["DRAFTING_BATCH_MS"] / 1000,
            app.config.get("DRAFTING_BATCH_BUSY_MS", app.config["DRAFTING_BATCH_MS"]) / 1000,
            app.config.get("DRAFTING_BATCH_BUSY_SENDERS", 10),
            link,
            app.config.get("DRAFTING_BATCH_CROWD_MS", 0) / 1000,
        )
        self.presence: Presence = presence_for(redis_url)
        self.since_compaction: dict[int, int] = {}
        self.compacting: set[int] = set()
        self.lock = threading.Lock()

    def listen(self) -> None:
        """Start hearing the other processes' changes (once a connection of this process joined)."""
        self.relay.listen(self.receive)

    def receive(
        self, document_id: int, update: bytes | None, entries: list[crdt.AwarenessEntry], rows: list[int]
    ) -> None:
        """What another process's connections sent: applied to this process's copy of the document (so
        that its size checks and catch-ups know of it), then relayed to this process's readers."""
        live = self.documents.get(document_id)
        if update is not None and live is not None:
            try:
                if not live.apply_rows(rows, update):
                    update = None  # a catch-up applied and relayed these rows already
            except (ValueError, RuntimeError):  # reload from the rows next time
                log.exception("an update relayed for document %s could not be applied", document_id)
                self.forget(document_id)
        self.relay.receive(document_id, update, entries)

    def forget(self, document_id: int) -> None:
        with self.lock:
            self.documents.pop(document_id, None)

    def reset(self) -> None:
        """Drop everything held in memory (tests; a deleted document)."""
        with self.lock:
            self.documents.clear()
            self.since_compaction.clear()
            self.compacting.clear()
        self.presence.clear()
        self.relay.clear()


def workspace(app: Any = None) -> Workspace:
    return (app or current_app).extensions["drafting"]
