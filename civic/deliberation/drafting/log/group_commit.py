"""Group commit: the updates arriving together are stored by one INSERT and one COMMIT.

Served processes only (eventlet): a commit per keystroke cost more than all the rest of an update.
Each caller still waits until its own row is committed, so an acknowledged edit is never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import Insert
from sqlalchemy.engine import Connection

from civic.deliberation.drafting.models import DocumentUpdate
from civic.extensions import db, socketio
from civic.timestamps import utcnow

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    """Updates to be stored by one INSERT and one COMMIT; their callers wait on one event."""

    rows: list[dict[str, object]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    ids: list[int] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    """Store the updates arriving together in one INSERT and COMMIT (served processes: eventlet).

    A commit per keystroke cost more than all the rest of an update; each caller still waits until
    its own row is committed, so an acknowledged edit is never lost. While one batch commits, the
    next one gathers. The committer keeps its connection for LINGER seconds after the queue empties
    (checking a pooled connection out and pinging it for every batch cost much of its time), and
    starts a batch at most every GATHER seconds: each round trip to the database costs about as much
    CPU whatever its size, so under load a batch waits a few milliseconds for more updates. The
    callers of a batch wait on one event (an event per keystroke showed in a busy server's profile;
    figures in docs/performance.md).
    """

    LINGER = 2.0
    GATHER = 0.004

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.gathering = _Batch()
        self.running = False
        self.wakeup = threading.Event()  # set when an update is queued while the committer runs

    def store(self, document_id: int, data: bytes, user_id: int | None) -> int:
        values = {"document_id": document_id, "data": data, "user_id": user_id, "created_at": utcnow()}
        # End this request's transaction first: greenlets waiting here must not each hold a pooled
        # connection while the committer needs one. (Most keystrokes opened no session at all.)
        if db.session.registry.has():
            db.session.rollback()
        with self.lock:
            batch = self.gathering
            index = len(batch.rows)
            batch.rows.append(values)
            start, self.running = not self.running, True
        if not start:
            self.wakeup.set()
        else:
            socketio.start_background_task(self._run)
        batch.done.wait()
        if batch.error is not None:
            raise batch.error
        return batch.ids[index]

    @staticmethod
    def statement() -> Insert:
        """The INSERT of a batch's rows, their ids returned in order (used where psycopg2 is not)."""
        table = DocumentUpdate.__table__
        return table.insert().returning(table.c.id, sort_by_parameter_order=True)

    def _run(self) -> None:
        """Commit batches until none is waiting, on one connection (Core: the ORM cost more here)."""
        statement = self.statement()
        try:
            with self.app.app_context(), db.engine.connect() as connection:
                if connection.dialect.driver == "psycopg2":
                    # Each batch is one INSERT statement, which commits by itself: one round trip
                    # instead of BEGIN, INSERT and COMMIT, less CPU per batch (docs/performance.md).
                    # psycopg2 returns only once the server is ready for the next query, after the
                    # commit, so an acknowledged row is still a committed one.
                    connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                idle_since: float | None = None
                started = 0.0
                while True:
                    wait = started + self.GATHER - time.monotonic()
                    if wait > 0:
                        socketio.sleep(wait)
                    self.wakeup.clear()  # before taking the batch: a later store() sets it again
                    with self.lock:
                        batch = self.gathering
                        if batch.rows:
                            self.gathering = _Batch()
                        idle = idle_since is not None and time.monotonic() - idle_since >= self.LINGER
                        if not batch.rows and idle:
                            self.running = False
                            return
                    if batch.rows:
                        idle_since, started = None, time.monotonic()
                        self._commit(connection, statement, batch)
                    else:
                        idle_since = idle_since or time.monotonic()
                        self.wakeup.wait(self.LINGER)
        except Exception:  # the connection broke: its batch has been told; a fresh run takes the rest
            log.exception("storing co-drafting updates failed")
            with self.lock:
                self.running = bool(self.gathering.rows)
                restart = self.running
            if restart:
                socketio.start_background_task(self._run)

    # psycopg2 (PostgreSQL): one hand-written multi-row INSERT. SQLAlchemy's "insertmanyvalues" built
    # the same statement for nearly twice the CPU, and a served process commits a batch every GATHER
    # seconds (docs/performance.md, "Group-commit batches"). The rows go in, and their ids come back,
    # in the order of the VALUES' last column (as SQLAlchemy's own sorted form does).
    _PSYCOPG2_INSERT = (
        "INSERT INTO document_updates (document_id, data, user_id, created_at) "
        "SELECT d, b, u, t FROM (VALUES %s) AS v (d, b, u, t, n) ORDER BY n RETURNING id"
    )
    _PSYCOPG2_ROW = "(%s::integer, %s::bytea, %s::integer, %s::timestamptz, %s::integer)"

    def _insert(self, connection: Connection, statement: Insert, rows: list[dict[str, object]]) -> list[int]:
        if connection.dialect.driver != "psycopg2":
            return list(connection.scalars(statement, rows))
        from psycopg2.extras import execute_values

        values = [
            (row["document_id"], row["data"], row["user_id"], row["created_at"], n)
            for n, row in enumerate(rows)
        ]
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            found = execute_values(
                cursor,
                self._PSYCOPG2_INSERT,
                values,
                template=self._PSYCOPG2_ROW,
                page_size=len(values),
                fetch=True,
            )
        finally:
            cursor.close()
        return [row_id for (row_id,) in found]

    def _commit(self, connection: Connection, statement: Insert, batch: _Batch) -> None:
        try:
            with connection.begin():  # nothing to begin nor commit under AUTOCOMMIT (PostgreSQL)
                batch.ids = self._insert(connection, statement, batch.rows)
            if len(batch.ids) != len(batch.rows):
                raise RuntimeError(f"{len(batch.rows)} rows stored, {len(batch.ids)} ids returned")
        except Exception as error:  # every waiter hears of the failure; none is acknowledged
            batch.error = error
            raise
        finally:
            batch.done.set()


def committer() -> GroupCommit:
    """This app's group commit (made on first use)."""
    found: GroupCommit | None = current_app.extensions.get("drafting_group_commit")
    if found is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        found = app.extensions.setdefault("drafting_group_commit", GroupCommit(app))
    return found
