"""What the real-time engine keeps per app and process: sessions, rooms, the relay, shared stores, the link."""

from __future__ import annotations

import logging
import secrets
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from civic import realtime
from civic.deliberation.drafting.log.copies import copies
from civic.deliberation.drafting.sync import transport
from civic.deliberation.drafting.sync.budget import Budget, budget_for
from civic.deliberation.drafting.sync.link import PURPOSE, Note, RedisLink
from civic.deliberation.drafting.sync.presence import Presence, presence_for
from civic.deliberation.drafting.sync.room import Relay, Rooms
from civic.extensions import socketio

if TYPE_CHECKING:
    from civic.deliberation.drafting.sync.session import Session

log = logging.getLogger(__name__)

# Redis connections per process for presence and budgets: under load many green threads ask at once,
# and the pool makes them wait their turn (redis-py's default pool raises past its size instead).
REDIS_CONNECTIONS = 32


class Workspace:
    """Per app: this process's sessions and rooms, the relay, presence, budgets and the link."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        redis_url = app.config.get("REDIS_URL")
        client = None
        self.link: RedisLink | None = None
        if redis_url:
            import redis

            pool = redis.BlockingConnectionPool.from_url(
                redis_url, max_connections=REDIS_CONNECTIONS, timeout=10
            )
            client = redis.Redis(connection_pool=pool)
            self.link = RedisLink(
                redis_url,
                app.config["DRAFTING_LINK_MS"] / 1000,
                socketio.start_background_task,
                socketio.sleep,
                channel=realtime.site_channel(app, PURPOSE),
            )
        self.host = self.link.host if self.link is not None else secrets.token_hex(8)
        self.rooms = Rooms()
        self.relay = Relay(
            app.config["DRAFTING_BATCH_MS"] / 1000,
            self.rooms.deliver,
            app.config.get("DRAFTING_BATCH_BUSY_MS", app.config["DRAFTING_BATCH_MS"]) / 1000,
            app.config.get("DRAFTING_BATCH_BUSY_SENDERS", 10),
            self.link,
            app.config.get("DRAFTING_BATCH_CROWD_MS", 0) / 1000,
        )
        self.presence: Presence = presence_for(client)
        self.budget: Budget = budget_for(client)
        self.sessions: dict[str, Session] = {}  # this process's, by connection id
        self.sweeping = False  # a served process re-checks its sessions in the background (sweep.py)
        self.upgrade: transport.Upgrade = transport.upgrade  # tests hand over sockets of their own
        self.lock = threading.Lock()

    # ---- sessions ----------------------------------------------------------------------------------------

    def open(self, session: Session) -> None:
        """Count a session in: its room hears the document, and this process the other processes."""
        connection = session.connection
        with self.lock:
            self.sessions[connection.id] = session
        self.rooms.enter(connection.document_id, connection.id, session.post)
        if self.link is not None:
            self.link.listen(self.receive)
        from civic.deliberation.drafting.sync import sweep

        sweep.start(self.app)

    def end(self, session: Session) -> None:
        connection = session.connection
        with self.lock:
            self.sessions.pop(connection.id, None)
        self.rooms.leave(connection.document_id, connection.id)

    def of_document(self, document_id: int) -> list[Session]:
        with self.lock:
            return [s for s in self.sessions.values() if s.connection.document_id == document_id]

    def all(self) -> list[Session]:
        with self.lock:
            return list(self.sessions.values())

    # ---- what the log, the documents and the other processes tell ------------------------------------------

    def committed(self, document_id: int, update: bytes, rows: list[int], sender: str | None) -> None:
        """Rows this process committed: to the room, and to the other processes."""
        self.relay.send_update(document_id, update, sender, rows)

    def found(self, document_id: int, update: bytes, rows: list[int]) -> None:
        """Rows a catch-up found that never reached this process: to the room (they may never have)."""
        self.relay.send_update(document_id, update, None, rows)

    def mode_changed(self, document_id: int, mode: str) -> None:
        """A moderator changed the mode: this process's sessions are re-checked, the others are told."""
        self._apply_mode(document_id, mode)
        if self.link is not None:
            self.link.publish(Note(self.host, document_id, mode=mode))

    def _apply_mode(self, document_id: int, mode: str) -> None:
        from civic.deliberation.drafting.sync import sweep
        from civic.deliberation.drafting.sync.protocol import civic_message

        sessions = self.of_document(document_id)
        sweep.recheck(sessions)
        for session in sessions:
            if session.connection.extras:
                session.post(civic_message({"type": "mode", "mode": mode}))

    def close(self, connection_ids: list[str]) -> None:
        """Close these connections wherever they are (their sign-in ended)."""
        self._close_here(connection_ids)
        if self.link is not None:
            self.link.publish(Note(self.host, close=connection_ids))

    def _close_here(self, connection_ids: list[str]) -> None:
        with self.lock:
            found = [self.sessions[i] for i in connection_ids if i in self.sessions]
        for session in found:
            session.close_transport()

    def receive(self, note: Note) -> None:
        """What another process published (its listener's green thread, no app context)."""
        if note.close:
            self._close_here(note.close)
        if note.document is None:
            return
        if note.mode is not None:
            with self.app.app_context():
                try:
                    self._apply_mode(note.document, note.mode)
                except Exception:  # the sweep re-checks within seconds anyway
                    log.exception("a change of mode of document %s could not be applied", note.document)
        update = note.update
        held = copies(self.app).documents.get(note.document)
        if update is not None and held is not None:
            try:
                if not held.apply_rows(note.rows, update):
                    update = None  # a catch-up applied and relayed these rows already
            except (ValueError, RuntimeError):  # reload from the rows next time
                log.exception("an update relayed for document %s could not be applied", note.document)
                copies(self.app).forget(note.document)
        self.relay.receive(note.document, update, note.entries)

    def reset(self) -> None:
        """Close this process's sessions and drop everything held in memory (tests)."""
        for session in self.all():
            session.close_transport()
        self.presence.clear()
        self.budget.clear()
        self.relay.clear()


def workspace(app: Flask | Any = None) -> Workspace:
    held: Workspace = (app or current_app).extensions["drafting_sync"]
    return held


# Listeners of the log and of the documents (drafting.init_app): each acts on the current app's workspace.


def committed(document_id: int, update: bytes, rows: list[int], sender: str | None) -> None:
    workspace().committed(document_id, update, rows, sender)


def found(document_id: int, update: bytes, rows: list[int]) -> None:
    workspace().found(document_id, update, rows)


def mode_changed(document_id: int, mode: str) -> None:
    workspace().mode_changed(document_id, mode)
