"""Automatic versions: a timer per document and process records each burst once it has been quiet.

Started by the updates this process commits (log.updates.on_committed); an update arriving while the
timer checks marks the document so that the timer watches on.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.models import Document
from civic.extensions import db, socketio

log = logging.getLogger(__name__)


class _Timers:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[int] = set()
        self.dirty: set[int] = set()


def schedule_version_check(document_id: int) -> None:
    """After an accepted update: make sure a timer will record the burst's version once it is quiet."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["DRAFTING_VERSION_TIMERS"]:
        return
    timers: _Timers = app.extensions.setdefault("drafting_version_timers", _Timers())
    with timers.lock:
        timers.dirty.add(document_id)
        if document_id in timers.running:
            return
        timers.running.add(document_id)
    socketio.start_background_task(_watch_bursts, app, document_id)


def _watch_bursts(app: Flask, document_id: int) -> None:
    timers: _Timers = app.extensions["drafting_version_timers"]
    gap = app.config["DRAFTING_VERSION_GAP"]
    wait: float | None = gap
    while True:
        socketio.sleep(max(wait or gap, 0.05))
        with timers.lock:
            timers.dirty.discard(document_id)
        failed = False
        with app.app_context():
            try:
                document = db.session.get(Document, document_id)
                wait = versions.record_quiet_bursts(document) if document is not None else None
            except Exception:  # the next burst or a look at the history records it
                log.exception("automatic version of document %s failed", document_id)
                db.session.rollback()
                failed = True
            finally:
                db.session.remove()
        if wait is None or failed:
            with timers.lock:
                # An update that arrived during the check marked the document dirty: watch on.
                if failed or document_id not in timers.dirty:
                    timers.running.discard(document_id)
                    return
            wait = gap


def after_commit(document_id: int, _update: bytes, _rows: list[int], _sender: str | None) -> None:
    """Listener of the log: each update this process commits (re)starts its document's timer."""
    schedule_version_check(document_id)
