"""What a session's screens hear: its state after every change, and the answer count of an open poll.

Rooms: "live:<id>" (everyone following the session), "live:<id>:count" (consoles and projectors: the
number of answers to the open poll, which participants do not see while it is open, and the versions
of changes only consoles show).

A facilitator's change is published at once. Participants' changes (raised hands, supports, answers)
come in crowds, so they are gathered: each process publishes a session's state at most once per
LIVE_PUBLISH_MS, reading it afresh from the database (the one source of truth, shared by the processes).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app

from civic import realtime
from civic.deliberation.live import state as states
from civic.deliberation.live.models import LiveSession
from civic.extensions import db, socketio

NAMESPACE = "/live"

_lock = threading.Lock()
_due: set[tuple[str, int]] = set()  # (what, id) this process will publish shortly


def room(session_id: int) -> str:
    return realtime.room("live", session_id)


def count_room(session_id: int) -> str:
    return realtime.room("live", f"{session_id}:count")


def state(data: dict[str, Any]) -> None:
    """Send a session's state (it carries its version: screens keep only the newest)."""
    realtime.publish("live.state", data, to=room(int(data["session"])), namespace=NAMESPACE)


def nudge(session_id: int, version: int) -> None:
    """Tell consoles a change they show was made (a question to approve) that everyone's state lacks."""
    realtime.publish(
        "live.console",
        {"session": session_id, "version": version},
        to=count_room(session_id),
        namespace=NAMESPACE,
    )


def count(session_id: int, poll_id: int, answers: int) -> None:
    realtime.publish(
        "live.count",
        {"session": session_id, "poll": poll_id, "answers": answers},
        to=count_room(session_id),
        namespace=NAMESPACE,
    )


def soon(session_id: int) -> None:
    """Publish the session's state shortly, once for every change made meanwhile in this process."""
    _gather("state", session_id)


def count_soon(session_id: int, poll_id: int) -> None:
    """Publish the open poll's answer count shortly (to consoles and projectors)."""
    _gather("count", poll_id, session_id)


def _gather(what: str, ident: int, session_id: int | None = None) -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    delay = app.config["LIVE_PUBLISH_MS"] / 1000
    if delay <= 0:
        _publish(what, ident, session_id)
        return
    with _lock:
        if (what, ident) in _due:
            return
        _due.add((what, ident))
    socketio.start_background_task(_later, app, what, ident, session_id, delay)


def _later(app: Flask, what: str, ident: int, session_id: int | None, delay: float) -> None:
    socketio.sleep(delay)
    # Forget the key before reading: a change committed after the read schedules a publish of its own.
    with _lock:
        _due.discard((what, ident))
    with app.app_context():
        try:
            _publish(what, ident, session_id)
        finally:
            db.session.remove()


def _publish(what: str, ident: int, session_id: int | None) -> None:
    if what == "count":
        if session_id is not None:
            count(session_id, ident, states.answer_count(ident))
        return
    session = db.session.get(LiveSession, ident)
    if session is not None:
        state(states.public_state(session))
