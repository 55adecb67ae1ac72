"""The re-check sweep: a served process re-checks its connections in one database session, in turn.

Every quarter of DRAFTING_RECHECK_SECONDS the sweep re-checks the connections that would fall due
before the next one: each is re-checked about every interval, never by a keystroke. People are loaded
in one query, and what they share (the document, its consultation and phases) once, as the session
keeps it while `kept` holds it; who is under a sanction is asked once for everyone.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import select

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.deliberation.drafting.models import Document
from civic.extensions import db, socketio

if TYPE_CHECKING:
    from civic.deliberation.drafting.sync.session import Session

log = logging.getLogger(__name__)


def recheck(sessions: list[Session]) -> int:
    """Re-check these sessions now, in one database session (an app context's); return how many."""
    if not sessions:
        return 0
    people = {s.connection.person.id for s in sessions if s.connection.person.id is not None}
    documents = {s.connection.document_id for s in sessions}
    kept: list[Any] = list(db.session.scalars(select(Document).where(Document.id.in_(documents))))
    if people:
        kept += db.session.scalars(select(User).where(User.id.in_(people)))
    sanctioned = sanctions.sanctioned_ids(people)
    for session in sorted(sessions, key=lambda s: s.connection.document_id):
        session.recheck(sanctioned)
    db.session.rollback()
    return len(sessions)


def sweep(app: Flask, older_than: float) -> int:
    """Re-check this process's sessions checked more than `older_than` seconds ago; return how many."""
    from civic.deliberation.drafting.sync.workspace import workspace

    due_before = time.monotonic() - older_than
    return recheck([s for s in workspace(app).all() if s.grant.checked_at <= due_before])


def start(app: Flask) -> None:
    """In a served process, start the sweep once (tests re-check on every message instead)."""
    from civic.deliberation.drafting.sync.workspace import workspace

    space = workspace(app)
    config = app.config
    if (
        space.sweeping
        or config["SOCKETIO_ASYNC_MODE"] != "eventlet"
        or config["DRAFTING_RECHECK_SECONDS"] <= 0
    ):
        return
    space.sweeping = True
    socketio.start_background_task(_sweep_forever, app)


def _sweep_forever(app: Flask) -> None:
    interval = app.config["DRAFTING_RECHECK_SECONDS"]
    period = interval / 4
    while True:
        socketio.sleep(period)
        try:
            with app.app_context():
                sweep(app, interval - period)
        except Exception:  # the next sweep tries again; messages re-check themselves meanwhile
            log.exception("re-checking co-drafting connections failed")
