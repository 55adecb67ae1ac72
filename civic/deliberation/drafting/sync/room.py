"""A document's room in this process: its connections, and the relay that batches what they hear.

Updates arriving within the batch window are merged into one message (merge_updates over a handful of
updates is cheap); presence is gathered apart. Each process relays to its own connections; what they
sent also goes to the other processes through the link (link.py), whose processes relay it to theirs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.link import RedisLink
from civic.deliberation.drafting.sync.protocol import AwarenessEntry, Gathered
from civic.extensions import socketio

# How late the batch timers fire on average (seconds) says how busy the process is (see Relay.window):
# from LAG_BUSY a busy room gets its full busy window; from LAG_SATURATED the CPU is full.
LAG_BUSY = 0.005
LAG_SATURATED = 0.010
PRESENCE_SECONDS = 30.0  # a client's presence not renewed for this long is gone (as in y-protocols)
# Presence (cursor moves, arrivals) sent on its own is relayed at most this often: a cursor is drawn
# at a Yjs relative position, which follows the text however late it comes, and every relayed batch
# is a message to every reader.
PRESENCE_BATCH_SECONDS = 0.25

# (document id, message, connection left out or None) -> None: hand a message to the room's readers.
Deliver = Callable[[int, bytes, str | None], None]
# A connection's way to be sent a message: False when it could not take it (closed, or too far behind).
Post = Callable[[bytes], bool]


class Rooms:
    """This process's connections per document, each with its way to be sent messages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[int, dict[str, Post]] = {}

    def enter(self, document_id: int, connection: str, post: Post) -> None:
        with self._lock:
            self._rooms.setdefault(document_id, {})[connection] = post

    def leave(self, document_id: int, connection: str) -> None:
        with self._lock:
            room = self._rooms.get(document_id)
            if room is not None:
                room.pop(connection, None)
                if not room:
                    del self._rooms[document_id]

    def deliver(self, document_id: int, message: bytes, skip: str | None = None) -> None:
        """Send a message to every connection of the document in this process but `skip`."""
        with self._lock:
            posts = [
                post for connection, post in self._rooms.get(document_id, {}).items() if connection != skip
            ]
        for post in posts:
            post(message)

    def count(self, document_id: int) -> int:
        with self._lock:
            return len(self._rooms.get(document_id, {}))

    def clear(self) -> None:
        with self._lock:
            self._rooms.clear()


@dataclass
class _Batch(Gathered):
    senders: set[str | None] = field(default_factory=set)


class Relay:
    """Send updates and presence to a document's readers, merged per batch window (0: at once).

    Each relayed batch is a WebSocket message to every reader, the largest cost of a busy room. So
    when the process gets busy the window widens with the number of people who sent in the room's
    previous batch: `batch_seconds` with one sender, up to
    `busy_seconds` from `busy_senders`, in proportion to how late the batch timers fire (none while
    they are punctual: a process with CPU to spare relays at once what it can afford). Presence sent
    on its own gathers apart, for `presence_seconds` (at least the room's window): a cursor moved
    every few seconds by each of 100 people would otherwise add a message to almost every batch.
    """

    def __init__(
        self,
        batch_seconds: float,
        deliver: Deliver,
        busy_seconds: float | None = None,
        busy_senders: int = 10,
        link: RedisLink | None = None,
        crowd_seconds: float | None = None,
        presence_seconds: float = PRESENCE_BATCH_SECONDS,
    ) -> None:
        self.batch_seconds = batch_seconds
        self.deliver = deliver
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
        # the other processes, with when it came and which connection announced it (None: another
        # process): a newcomer is sent it after its sync.
        self._present: dict[int, dict[int, tuple[AwarenessEntry, float, str | None]]] = {}

    def receive(
        self,
        document_id: int,
        update: bytes | None,
        entries: list[AwarenessEntry],
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
        self, document_id: int, update: bytes, sender: str | None, rows: list[int] | None = None
    ) -> None:
        """Relay committed rows (`rows`: their ids) to the room, and to the other processes."""
        self._add(document_id, sender, update=update)
        if self.link is not None:
            self.link.send(document_id, update=update, rows=rows)

    def send_awareness(self, document_id: int, entries: list[AwarenessEntry], sender: str | None) -> None:
        self._add(document_id, sender, entries=entries)
        if self.link is not None:
            self.link.send(document_id, entries=entries)

    def _add(
        self,
        document_id: int,
        sender: str | None,
        update: bytes | None = None,
        entries: list[AwarenessEntry] | None = None,
    ) -> None:
        presence = update is None
        with self._lock:
            batch = self._pending.get((document_id, presence))
            first = batch is None
            if batch is None:
                batch = self._pending[document_id, presence] = _Batch()
            batch.add(update, entries)
            if entries:
                self._remember(document_id, entries, sender)
            batch.senders.add(sender)
        if self.batch_seconds <= 0:
            self.flush(document_id)
        elif first:
            window = self.window(document_id)
            if presence:
                window = max(window, self.presence_seconds)
            socketio.start_background_task(self._flush_later, document_id, window, presence)

    def _remember(self, document_id: int, entries: list[AwarenessEntry], sender: str | None) -> None:
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
                known[entry.client_id] = (entry, now, sender)
        if not known:
            del self._present[document_id]

    def claim(self, document_id: int, entries: list[AwarenessEntry], sender: str) -> list[AwarenessEntry]:
        """The entries a connection may announce: its own clients' (or new ones), never another's.

        y-websocket clients send back the others' presence they receive (an awareness update names
        every client it changed): those echoes carry a clock the server has already seen, and a client
        announced on another connection of this process belongs to it until it leaves.
        """
        with self._lock:
            known = self._present.get(document_id, {})
            return [
                entry for entry in entries if self._may_announce(known.get(entry.client_id), entry, sender)
            ]

    @staticmethod
    def _may_announce(
        held: tuple[AwarenessEntry, float, str | None] | None, entry: AwarenessEntry, sender: str
    ) -> bool:
        """A client unknown or the sender's; from another process, only with a newer clock."""
        if held is None or held[2] == sender:
            return True
        return held[2] is None and entry.clock > held[0].clock

    def present(self, document_id: int) -> list[AwarenessEntry]:
        """Who is on the document now: the states announced or renewed within PRESENCE_SECONDS.

        Browsers renew their state every 15 s and drop one not renewed for 30 s (y-protocols); the
        states of a process that died unannounced fade the same way here.
        """
        limit = time.monotonic() - PRESENCE_SECONDS
        with self._lock:
            known = self._present.get(document_id, {})
            for client in [c for c, (_entry, at, _sender) in known.items() if at < limit]:
                del known[client]
            return [entry for entry, _at, _sender in known.values()]

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
        merged = batch.merged()
        if merged is not None:
            self.deliver(document_id, protocol.update_message(merged), skip)
        if batch.awareness:
            # To the sender too: its own state back (ignored, same clock) is what tells a y-websocket
            # client alone on a document that its connection lives (it reconnects after 30 s of silence).
            message = protocol.encode_awareness(list(batch.awareness.values()))
            self.deliver(document_id, message, skip if merged is not None else None)
