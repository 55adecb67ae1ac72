"""Socket.IO namespace /drafting: join a document, then exchange y-websocket messages as event `y`.

The protocol is documented for other clients in docs/drafting-protocol.md. Each connection's joined
documents, role and announced awareness client ids live here (a connection lives in one process).

`y` (one message per keystroke) runs in an application context only: Flask-SocketIO's request context
(building a request, decoding the session cookie) cost a sixth of the server's time. Everything a `y`
message needs was taken at join (the person, the language) and is re-checked every
DRAFTING_RECHECK_SECONDS; the other events keep the request context. In a served process a sweep
re-checks every joined connection in one database session before its turn comes, so the documents,
consultations and phases load once for everyone and the re-check leaves the path of a keystroke.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_socketio import join_room, leave_room
from sqlalchemy import select

from civic import realtime
from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.connections import Namespace
from civic.deliberation.drafting import crdt, permissions, services
from civic.deliberation.drafting.live import NAMESPACE, document_room
from civic.deliberation.drafting.models import Document
from civic.errors import CivicError
from civic.extensions import db, socketio

# A browser tab announces one awareness client id; a few allow reconnects within one connection.
MAX_AWARENESS_CLIENTS = 4
TOUCH_EVERY = 30.0


@dataclass
class Joined:
    role: str
    checked_at: float
    touched_at: float
    awareness: dict[int, int] = field(default_factory=dict)  # client id -> last clock announced
    # Who joined, as a snapshot bound to no database session: loading the person for every keystroke
    # was a third of the server's time. The role re-check reloads them (and sees a sign-out elsewhere).
    user: User | None = None
    # Likewise the document (id, mode, creation time), reloaded with the role re-check.
    document: Document | None = None
    # The language chosen at join: refusals of `y` messages are worded in it (no request context there).
    locale: Locale | None = None


def _document_snapshot(document: Document) -> Document:
    return Document(
        id=document.id,
        consultation_id=document.consultation_id,
        mode=document.mode,
        max_editors=document.max_editors,
        created_at=document.created_at,
    )


def _snapshot(user: User | None) -> User | None:
    if user is None:
        return None
    return User(id=user.id, display_name=user.display_name, session_token=user.session_token)


def _sid() -> str:
    return str(request.sid)  # type: ignore[attr-defined]


class DraftingNamespace(Namespace):
    def __init__(self, namespace: str = NAMESPACE) -> None:
        super().__init__(namespace)
        self._lock = threading.Lock()
        self._connections: dict[str, dict[int, Joined]] = {}
        self._sweeping = False

    def _joined(self, sid: str) -> dict[int, Joined]:
        with self._lock:
            return self._connections.setdefault(sid, {})

    def on_join(self, data: Any = None, *_extra: Any) -> dict[str, Any]:
        """{"document": id} -> {"ok": true, "role", "user", "message"?} or {"ok": false, "error", "code"}."""
        user, sid = current_participant(), _sid()
        try:
            document = services.find_document(data.get("document") if isinstance(data, dict) else None, user)
        except CivicError:
            return {
                "ok": False,
                "error": _("This document does not exist or you cannot see it."),
                "code": "not-found",
            }
        joined = self._joined(sid)
        if document.id in joined:  # joining again (e.g. after a mode change): start afresh
            services.leave(document.id, sid)
        role, message = services.enter(document, user, sid, services.role_of(user, document))
        now = time.monotonic()
        joined[document.id] = Joined(
            role,
            now,
            now,
            user=_snapshot(user),
            document=_document_snapshot(document),
            locale=get_locale(),
        )
        join_room(document_room(document.id))
        services.catch_up(document)
        self._start_sweep()
        answer: dict[str, Any] = {"ok": True, "role": role, "user": services.person(user)}
        if message:
            answer["message"] = message
        return answer

    def on_leave(self, data: Any = None, *_extra: Any) -> dict[str, Any]:
        """{"document": id} -> {"ok": true}, or {"ok": false, "error", "code": "not-joined"}."""
        document_id = data.get("document") if isinstance(data, dict) else None
        joined = self._joined(_sid()).pop(document_id, None) if isinstance(document_id, int) else None
        if joined is None or not isinstance(document_id, int):
            return {"ok": False, "error": _("Join this document before sending to it."), "code": "not-joined"}
        leave_room(document_room(document_id))
        services.leave(document_id, _sid(), joined.awareness)
        return {"ok": True}

    def on_disconnect(self, *args: Any) -> None:
        super().on_disconnect(*args)
        with self._lock:
            joined = self._connections.pop(_sid(), {})
        for document_id, state in joined.items():
            services.leave(document_id, _sid(), state.awareness)

    def trigger_event(self, event: str, *args: Any) -> Any:
        known = event in ("connect", "disconnect", "y") or hasattr(self, f"on_{event}")
        if (event != "y" and known) or not args:
            return super().trigger_event(event, *args)
        sid = args[0]
        environ = self.socketio.server.get_environ(sid, namespace=self.namespace)
        if not environ:  # as Flask-SocketIO does for a connection it does not know
            return "", 400
        app: Flask = environ["flask.app"]
        with app.app_context():
            if not known:  # an answer rather than silence, for a client that misspelt an event
                return {"ok": False, "error": _("This message could not be read."), "code": "unknown-event"}
            return self._y(sid, *args[1:])

    def _refuse(self, document_id: Any, code: str, message: str, sid: str | None = None) -> dict[str, Any]:
        args = (document_id if isinstance(document_id, int) else None, {"code": code, "message": message})
        # To a connection of this process: not through the Redis queue.
        realtime.publish_args("error", args, to=sid or _sid(), namespace=self.namespace, local_only=True)
        return {"ok": False, "error": message, "code": code}

    def _start_sweep(self) -> None:
        """In a served process, start the re-check sweep once (tests re-check on every message)."""
        config = current_app.config
        if (
            self._sweeping
            or config["SOCKETIO_ASYNC_MODE"] != "eventlet"
            or config["DRAFTING_RECHECK_SECONDS"] <= 0
        ):
            return
        self._sweeping = True
        socketio.start_background_task(self._sweep_forever, current_app._get_current_object())  # type: ignore[attr-defined]

    def _sweep_forever(self, app: Flask) -> None:
        # Every quarter of the interval, the connections that would fall due before the next sweep:
        # each is re-checked about every DRAFTING_RECHECK_SECONDS, never by a keystroke.
        interval = app.config["DRAFTING_RECHECK_SECONDS"]
        period = interval / 4
        while True:
            socketio.sleep(period)
            try:
                with app.app_context():
                    self.sweep(interval - period)
            except Exception:  # the next sweep tries again; messages re-check themselves meanwhile
                current_app.logger.exception("re-checking co-drafting connections failed")

    def sweep(self, older_than: float) -> int:
        """Re-check the connections checked more than `older_than` seconds ago, in one session.

        Returns how many were re-checked. People are loaded in one query, and what they share (the
        document, its consultation and phases) once, as the session keeps it while `kept` holds it.
        """
        with self._lock:
            due_before = time.monotonic() - older_than
            items = sorted(
                ((document_id, sid, joined) for sid, documents in self._connections.items()
                 for document_id, joined in documents.items() if joined.checked_at <= due_before),
                key=lambda item: item[0],
            )  # fmt: skip
        if not items:
            return 0
        people = {joined.user.id for _, _, joined in items if joined.user is not None}
        documents = {document_id for document_id, _, _ in items}
        kept: list[Any] = list(db.session.scalars(select(Document).where(Document.id.in_(documents))))
        if people:
            kept += db.session.scalars(select(User).where(User.id.in_(people)))
        sanctioned = services.sanctioned_ids(people)
        for document_id, _sid, joined in items:
            self._recheck(joined, joined.user, document_id, sanctioned=sanctioned)
        db.session.rollback()
        return len(items)

    def _recheck(
        self, joined: Joined, user: User | None, document_id: int, sanctioned: set[int] | None = None
    ) -> bool:
        """Every few seconds: reload the document, and lower the role granted at join if the mode or
        the phase changed since, or the person was signed out everywhere. False: the document is gone.

        A message re-checks only what the sweep left for too long (twice the interval while it runs:
        under load a sweep takes a while, and the messages must not all re-check meanwhile); the sweep
        passes `sanctioned` (who is under a sanction, asked once for everyone) and always re-checks.
        """
        now = time.monotonic()
        interval = current_app.config["DRAFTING_RECHECK_SECONDS"] * (2 if self._sweeping else 1)
        if sanctioned is None and now - joined.checked_at < interval:
            return joined.document is not None
        # Claimed before the queries: this connection's other messages, handled meanwhile (each in its
        # own green thread), keep what is known rather than all re-checking at once.
        joined.checked_at = now
        current = db.session.get(Document, document_id)
        if current is None:
            joined.document, joined.role = None, permissions.VIEWER
            return False
        joined.document = _document_snapshot(current)
        person = db.session.get(User, user.id) if user is not None else None
        if user is not None and (person is None or person.session_token != user.session_token):
            fresh = permissions.VIEWER  # signed out everywhere (or deleted) since joining
        else:
            known = None if sanctioned is None or person is None else person.id in sanctioned
            fresh = services.role_of(person, current, known)
        joined.role = joined.role if fresh == permissions.EDITOR else fresh
        return True

    def _y(self, sid: str, document_id: Any = None, data: Any = None, *extra: Any) -> dict[str, Any]:
        """(document id, y-websocket message bytes) -> {"ok": true} once handled (edits: committed)."""
        joined = self._joined(sid).get(document_id) if isinstance(document_id, int) else None
        if joined is None:  # rare: worded in the request's language, in a request context
            return self.socketio._handle_event(self._not_joined, "y", self.namespace, sid, document_id)
        # Refusals are worded in the language chosen at join (read only if one is worded: no
        # force_locale per keystroke, which cost 4 % of a busy server).
        g.forced_locale = str(joined.locale or current_app.config["BABEL_DEFAULT_LOCALE"])
        return self._joined_y(sid, joined, document_id, data)

    def _not_joined(self, document_id: Any) -> dict[str, Any]:
        return self._refuse(document_id, "not-joined", _("Join this document before sending to it."))

    def _joined_y(self, sid: str, joined: Joined, document_id: int, data: Any) -> dict[str, Any]:
        user = joined.user
        # Charged by its size (reading it takes time in proportion), and a sync by its answer's below.
        cost = services.message_cost(len(data)) if isinstance(data, bytes | bytearray) else 1
        if not services.allow_message(user, sid, cost):
            return self._refuse(
                document_id, "rate-limited", _("Too many changes at once: slow down a moment."), sid
            )
        limit = current_app.config["DRAFTING_MAX_UPDATE_BYTES"]
        if isinstance(data, bytes | bytearray) and len(data) > limit + 16:
            return self._refuse(
                document_id,
                "too-large",
                _("This change is too large (at most %(n)d bytes at once).", n=limit),
                sid,
            )
        try:
            message = crdt.parse_message(data)
        except crdt.ProtocolError:
            return self._refuse(document_id, "malformed", _("This message could not be read."), sid)
        if not self._recheck(joined, user, document_id) or joined.document is None:
            return self._refuse(document_id, "not-found", _("This document no longer exists."), sid)
        document = joined.document
        now = time.monotonic()
        if now - joined.touched_at > TOUCH_EVERY:
            services.touch(document.id, sid)
            joined.touched_at = now
        try:
            if message.kind == "awareness":
                return self._awareness(document, joined, user, message.payload, sid)
            if message.kind == "step1":
                answer, own = services.sync(document, message.payload)
                # Then who is here already, so that a newcomer sees them at once.
                here = services.presence_message(document.id)
                replies = (answer, own, *([here] if here else []))
                # Encoding and sending the whole document is work for a few bytes asked: it is paid for.
                services.charge_message(user, sid, services.message_cost(sum(map(len, replies))) - 1)
                for reply in replies:
                    # A sync can be the whole document: worth deflating for a browser on a slow link.
                    data = realtime.Compressible(reply)
                    realtime.publish_args(
                        "y", (document.id, data), to=sid, namespace=self.namespace, local_only=True
                    )
                return {"ok": True}
            role = joined.role
            if message.kind == "step2" and role != permissions.EDITOR:
                # Readers' clients answer the server's step 1 too; what they hold came from the server
                # and is not stored (only checked, so that a bad one gets the same answer as anyone's).
                crdt.check_update(message.payload)
                return {"ok": True}
            services.receive_update(document, user, message.payload, role, sid)
        except services.DraftingError as error:
            return self._refuse(document.id, error.code, error.message, sid)
        except crdt.ProtocolError:
            return self._refuse(document.id, "malformed", _("This message could not be read."), sid)
        return {"ok": True}

    def _awareness(
        self, document: Document, joined: Joined, user: User | None, payload: bytes, sid: str
    ) -> dict[str, Any]:
        """Relay presence with the name and colour the server knows (a client cannot pose as another)."""
        entries = crdt.parse_awareness(payload)
        known = set(joined.awareness) | {e.client_id for e in entries}
        if len(known) > MAX_AWARENESS_CLIENTS:
            return self._refuse(document.id, "malformed", _("This message could not be read."), sid)
        who = services.person(user)
        relayed = []
        for entry in entries:
            state = entry.state
            if state is not None:
                given = state.get("user")
                shown: dict[str, Any] = given if isinstance(given, dict) else {}
                state = {**state, "user": {**shown, "name": who["name"], "color": who["color"]}}
                joined.awareness[entry.client_id] = entry.clock
            else:
                joined.awareness.pop(entry.client_id, None)
            relayed.append(crdt.AwarenessEntry(entry.client_id, entry.clock, state))
        services.relay_awareness(document.id, relayed, sid)
        return {"ok": True}
