"""The /live Socket.IO namespace: a screen joins a session's room and receives its state at once; the
console's actions and the participants' gestures arrive as `act` events and are answered one by one.

join {"session": id, "view": "participant" | "console" | "projector"} answers {"ok": true, "state": the
session's state, "own": this person's places, answers, supports and questions}; consoles and
projectors also hear the open poll's answer count. act {"session": id, "action": name, ...parameters}
answers {"ok": true, "result": ..., "version": the version of the state it made} or {"ok": false, "error": a
code, "message": what went wrong, in the person's language}: nothing changed.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import g, request
from flask_babel import gettext as _
from flask_socketio import join_room, leave_room

from civic.accounts.participant import current_participant
from civic.connections import Namespace
from civic.consultations.models import Consultation
from civic.deliberation.live import actions, broadcast, permissions
from civic.deliberation.live import state as states
from civic.deliberation.live.models import LiveSession
from civic.errors import CODES, CivicError
from civic.extensions import db

NAMESPACE = broadcast.NAMESPACE
VIEWS = ("participant", "console", "projector")
# A participant's gestures per connection: a burst, then one a second (a facilitator is not limited).
BURST = 10
PER_SECOND = 1.0


def _session_id(data: Any) -> int | None:
    value = data.get("session") if isinstance(data, dict) else None
    valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
    return value if valid else None


def _refusal(error: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": error, "message": message}


def _load(session_id: int | None) -> tuple[LiveSession, Consultation] | None:
    session = db.session.get(LiveSession, session_id) if session_id is not None else None
    if session is None:
        return None
    consultation = db.session.get(Consultation, session.consultation_id)
    if consultation is None or not permissions.can_view_session(current_participant(), consultation):
        return None
    return session, consultation


class LiveNamespace(Namespace):
    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._buckets_lock = threading.Lock()

    def on_disconnect(self, *args: Any) -> None:
        with self._buckets_lock:
            self._buckets.pop(str(request.sid), None)  # type: ignore[attr-defined]
        super().on_disconnect(*args)

    def _admit(self) -> bool:
        """Take one gesture from this connection's budget (a token bucket)."""
        sid, now = str(request.sid), time.monotonic()  # type: ignore[attr-defined]
        with self._buckets_lock:
            tokens, at = self._buckets.get(sid, (float(BURST), now))
            tokens = min(float(BURST), tokens + (now - at) * PER_SECOND)
            if tokens < 1:
                self._buckets[sid] = (tokens, now)
                return False
            self._buckets[sid] = (tokens - 1, now)
            return True

    def on_join(self, data: Any) -> dict[str, Any]:
        """Follow a session; answer with its state (and what is the person's own)."""
        found = _load(_session_id(data))
        view = data.get("view", "participant") if isinstance(data, dict) else None
        if found is None or view not in VIEWS:
            return _refusal("not_found", _("This session does not exist."))
        session, consultation = found
        user = current_participant()
        join_room(broadcast.room(session.id))
        if view == "projector" or (view == "console" and permissions.can_facilitate(user, consultation)):
            join_room(broadcast.count_room(session.id))
        return {
            "ok": True,
            "state": states.public_state(session),
            "own": states.own(session, user),
            "facilitator": permissions.can_facilitate(user, consultation),
        }

    def on_leave(self, data: Any) -> dict[str, Any]:
        session_id = _session_id(data)
        if session_id is not None:
            leave_room(broadcast.room(session_id))
            leave_room(broadcast.count_room(session_id))
        return {"ok": True}

    def on_act(self, data: Any) -> dict[str, Any]:
        """Do one action of the console or one gesture of a participant (see the module docstring)."""
        found = _load(_session_id(data))
        if found is None:
            return _refusal("not_found", _("This session does not exist."))
        session, consultation = found
        name = data.get("action")
        user = current_participant()
        if (
            name in actions.PARTICIPANT
            and not permissions.can_facilitate(user, consultation)
            and not self._admit()
        ):
            return _refusal("rate_limited", _("Too many attempts. Please wait a moment and try again."))
        try:
            result = actions.perform(name if isinstance(name, str) else "", user, session, data)
        except CivicError as error:
            db.session.rollback()
            return _refusal(error.code or CODES.get(error.status, "error"), error.message)
        message = str(actions.MESSAGES.get(str(name), ""))
        if name == "answer":
            # A thousand answers come in a few seconds: each is told only that it counts (the page marks
            # the poll answered itself); no version changed.
            return {"ok": True, "result": result, "message": message}
        # The version the action made, and what is now the person's own (their places, supports…).
        return {
            "ok": True,
            "result": result,
            "version": g.pop("live_version", None),
            "message": message,
            "own": states.own(session, user),
        }
