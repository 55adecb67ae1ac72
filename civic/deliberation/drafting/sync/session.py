"""One connection's side of the protocol: its messages handled in order, what it may do re-checked.

The protocol is documented for other clients in docs/drafting-protocol.md. A session runs in its
connection's own green thread, in an app context of its own whose language is the connection's
(refusals are worded in it); a keystroke touches no database session but the group commit's. Every
DRAFTING_RECHECK_SECONDS the grant is re-checked (the mode, the phase, a sign-out everywhere, a
sanction, a deleted document): in a served process by the sweep (sweep.py), for everyone in one
database session, so the re-check leaves the path of a keystroke; a message re-checks itself only if
the sweep left it too long.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from civic import connections
from civic.accounts.models import User
from civic.deliberation.drafting import crdt, modes, permissions, wire
from civic.deliberation.drafting.errors import DraftingError, OutOfStep
from civic.deliberation.drafting.log.copies import catch_up
from civic.deliberation.drafting.log.updates import receive_update
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.budget import message_cost
from civic.deliberation.drafting.sync.connection import Connection, DocumentRef, Grant
from civic.deliberation.drafting.sync.protocol import AwarenessEntry
from civic.deliberation.drafting.sync.transport import Outbox
from civic.extensions import db

# A browser tab announces one awareness client id; a few allow reconnects within one connection.
MAX_AWARENESS_CLIENTS = 4
# Refusals after which a client sends the same edit again, merged with what was typed meanwhile.
RESENT = {"rate-limited"}
TOUCH_EVERY = 30.0  # seconds between two renewals of a talking connection's seat and presence


def cap_message(max_editors: int) -> str:
    return _(
        "%(n)d people are already editing this document, the most at once. You can follow the text "
        "and suggest changes; try again later to edit.",
        n=max_editors,
    )


class Session:
    """A connection to a document, from its opening to its end."""

    def __init__(self, app: Flask, connection: Connection, grant: Grant) -> None:
        from civic.deliberation.drafting.sync.workspace import workspace

        self.app, self.connection, self.grant = app, connection, grant
        self.space = workspace(app)
        self.outbox: Outbox | None = None  # set by the transport when the WebSocket is open
        self.touched_at = time.monotonic()
        self.awareness: dict[int, int] = {}  # client id -> last clock announced
        # Yjs client id -> the first clock of an edit of it that was refused for good. The client keeps
        # that edit, so its later ones are placed after text the server never had: stored, they would
        # wait forever for it (acknowledged, yet never in anyone's text). They are refused instead.
        self.refused_from: dict[int, int] = {}

    # ---- opening and closing -----------------------------------------------------------------------

    def post(self, message: bytes) -> bool:
        """Send a message to this connection (in order; False: it is closed or too far behind)."""
        return self.outbox is not None and self.outbox.post(message)

    def close_transport(self) -> None:
        """Close the WebSocket from the server's side (its reader then closes the session)."""
        if self.outbox is not None:
            self.outbox.close_socket()

    def open(self) -> None:
        """Take a place in the room (an editor beyond the cap suggests) and catch up with the log."""
        connection, grant, space = self.connection, self.grant, self.space
        document = grant.document
        if document is None:  # (a grant is made with its document; only a re-check loses it)
            return
        role, message = grant.role, None
        if role == permissions.EDITOR and not space.presence.claim_editor(
            connection.document_id, connection.id, document.max_editors
        ):
            role, message = permissions.SUGGESTER, cap_message(document.max_editors)
        self.grant = replace(grant, role=role)
        space.presence.enter(
            connection.document_id, connection.id, {**connection.person.shown(), "role": role}
        )
        space.open(self)
        connections.register(connection.member, connection.tags)
        catch_up(document)
        if connection.extras:
            welcome: dict[str, Any] = {"type": "welcome", "role": role, "user": connection.person.shown()}
            if message:
                welcome["message"] = message
            self.post(protocol.civic_message(welcome))

    def close(self) -> None:
        """Leave: the seat is freed, the presence announced here is removed for everyone (state null,
        clock + 1)."""
        connection = self.connection
        connections.unregister(connection.member, connection.tags)
        self.space.end(self)
        self.space.presence.leave(connection.document_id, connection.id)
        if self.awareness:
            gone = [AwarenessEntry(client, clock + 1, None) for client, clock in self.awareness.items()]
            self.space.relay.send_awareness(connection.document_id, gone, connection.id)

    # ---- messages --------------------------------------------------------------------------------------

    def refuse(self, code: str, message: str, data: bytes | str | None = None) -> None:
        """Tell a client that asked for Civic's messages why its message was refused (nothing was
        stored nor relayed); `answered`: the refusal answers a step 2 or an update."""
        if self.connection.extras:
            answers = data is not None and protocol.answered(data)
            self.post(
                protocol.civic_message(
                    {"type": "error", "code": code, "message": message, "answers": answers}
                )
            )

    def saved(self) -> None:
        if self.connection.extras:
            self.post(protocol.SAVED)

    def receive(self, data: bytes | str) -> None:
        """Handle one message (edits: committed before "saved" is sent and before anyone hears them)."""
        config = self.app.config
        # Charged by its size (reading it takes time in proportion), and a sync by its answer's below.
        cost = message_cost(len(data)) if isinstance(data, bytes) else 1
        if not self._allow(cost):
            return self.refuse("rate-limited", _("Too many changes at once: slow down a moment."), data)
        limit = config["DRAFTING_MAX_UPDATE_BYTES"]
        if isinstance(data, bytes) and len(data) > limit + 16:
            message = _("This change is too large (at most %(n)d bytes at once).", n=limit)
            return self.refuse("too-large", message, data)
        try:
            message_in = protocol.parse_message(data)  # type: ignore[arg-type]
        except crdt.ProtocolError:
            return self.refuse("malformed", _("This message could not be read."), data)
        if not self.recheck() or self.grant.document is None:
            return self.refuse("not-found", _("This document no longer exists."), data)
        self._touch()
        try:
            self._handle(message_in, data)
        except DraftingError as error:
            if error.code not in RESENT:
                self._note_refused(message_in)
            self.refuse(error.code, error.message, data)
        except crdt.ProtocolError:
            self.refuse("malformed", _("This message could not be read."), data)

    def _note_refused(self, message: protocol.Message) -> None:
        if message.kind not in ("update", "step2"):
            return
        try:
            starts = wire.read_update(message.payload, text_only=False).starts
        except wire.ProtocolError:
            return  # unreadable: nothing of it can be built upon
        for client, clock in starts.items():
            self.refused_from[client] = min(clock, self.refused_from.get(client, clock))

    def _check_in_step(self, payload: bytes) -> None:
        """Refuse an edit whose client had an earlier edit refused (read only after a refusal)."""
        starts = wire.read_update(payload, text_only=False).starts
        if any(starts.get(client, -1) >= clock for client, clock in self.refused_from.items()):
            raise OutOfStep(
                _(
                    "An earlier change of yours was not saved, so this one cannot be either. Copy what "
                    "you wrote, then reload the page to get the saved text."
                )
            )

    def _handle(self, message: protocol.Message, data: bytes | str) -> None:
        document, role = self.grant.document, self.grant.role
        if document is None:  # (receive() re-checked it just now)
            return
        if message.kind == "awareness":
            return self._awareness(document, message.payload, data)
        if message.kind in ("step1", "query-awareness"):
            return self._sync(document, message)
        if message.kind == "step2" and role != permissions.EDITOR:
            # Readers' clients answer the server's step 1 too; what they hold came from the server
            # and is not stored (only checked, so that a bad one gets the same answer as anyone's).
            crdt.check_update(message.payload)
        else:
            if self.refused_from:
                self._check_in_step(message.payload)
            receive_update(document, self.connection.person.id, message.payload, role, self.connection.id)
        self.saved()

    def _sync(self, document: DocumentRef, message: protocol.Message) -> None:
        """Answer a step 1 with step 2, the server's own step 1 and who is here; a query with who is here."""
        replies = []
        if message.kind == "step1":
            crdt.check_state_vector(message.payload)  # before anything else is done for it
            copy = catch_up(document)
            with copy.lock:
                replies += [protocol.step2(copy.doc, message.payload), protocol.step1(copy.doc)]
        here = self.space.relay.present(document.id)
        if here:  # so that a newcomer sees them at once
            replies.append(protocol.encode_awareness(here))
        # Encoding and sending the whole document is work for a few bytes asked: it is paid for.
        self._charge(message_cost(sum(map(len, replies))) - 1)
        for reply in replies:
            self.post(reply)

    def _awareness(self, document: DocumentRef, payload: bytes, data: bytes | str) -> None:
        """Relay presence with the name and colour the server knows (a client cannot pose as another)."""
        entries = self.space.relay.claim(document.id, protocol.parse_awareness(payload), self.connection.id)
        if not entries:
            return None
        known = set(self.awareness) | {e.client_id for e in entries}
        if len(known) > MAX_AWARENESS_CLIENTS:
            return self.refuse("malformed", _("This message could not be read."), data)
        person = self.connection.person
        relayed = []
        for entry in entries:
            state = entry.state
            if state is not None:
                given = state.get("user")
                shown: dict[str, Any] = given if isinstance(given, dict) else {}
                state = {**state, "user": {**shown, "name": person.name, "color": person.color}}
                self.awareness[entry.client_id] = entry.clock
            else:
                self.awareness.pop(entry.client_id, None)
            relayed.append(AwarenessEntry(entry.client_id, entry.clock, state))
        self.space.relay.send_awareness(document.id, relayed, self.connection.id)

    # ---- budget and seat ---------------------------------------------------------------------------------

    def _allow(self, cost: int) -> bool:
        config = self.app.config
        rate, burst = config["DRAFTING_RATE"], config["DRAFTING_BURST"]
        return self.space.budget.allow(self.connection.budget_key(), rate, burst, min(cost, int(burst)))

    def _charge(self, cost: int) -> None:
        """Take from the budget the cost of work done after admitting a message (a sync's answer)."""
        if cost > 0:
            config = self.app.config
            rate, burst = config["DRAFTING_RATE"], config["DRAFTING_BURST"]
            self.space.budget.charge(self.connection.budget_key(), rate, burst, min(cost, int(burst)))

    def _touch(self) -> None:
        """Keep a talking connection's presence and editor seat alive."""
        now = time.monotonic()
        if now - self.touched_at > TOUCH_EVERY:
            self.space.presence.touch(self.connection.document_id, self.connection.id)
            self.touched_at = now

    # ---- re-checks -------------------------------------------------------------------------------------

    def recheck(self, sanctioned: set[int] | None = None) -> bool:
        """Every few seconds: reload the document and the person, and grant the role the mode and the
        phase give now (a sign-out everywhere or a sanction: reading only). False: the document is gone.

        A message re-checks only what the sweep left for too long (twice the interval while it runs:
        under load a sweep takes a while, and messages must not all re-check meanwhile); the sweep
        passes `sanctioned` (who is under a sanction, asked once for everyone) and always re-checks.
        """
        now = time.monotonic()
        grant = self.grant
        interval = self.app.config["DRAFTING_RECHECK_SECONDS"] * (2 if self.space.sweeping else 1)
        if sanctioned is None and now - grant.checked_at < interval:
            return grant.document is not None
        # Claimed before the queries: a sweep running meanwhile keeps what is known.
        self.grant = replace(grant, checked_at=now)
        current = db.session.get(Document, self.connection.document_id)
        if current is None:
            self._regrant(Grant(permissions.VIEWER, None, now))
            return False
        self._regrant(Grant(self._fresh_role(current, sanctioned), DocumentRef.of(current), now))
        return True

    def _fresh_role(self, document: Document, sanctioned: set[int] | None) -> str:
        person = self.connection.person
        user = db.session.get(User, person.id) if person.id is not None else None
        if person.id is not None and (user is None or user.session_token != person.session_token):
            return permissions.VIEWER  # signed out everywhere (or deleted) since the connection opened
        known = None if sanctioned is None or user is None else user.id in sanctioned
        fresh = modes.role_of(user, document, known)
        if fresh == permissions.EDITOR and self.grant.role != permissions.EDITOR:
            # Editing again (a mode opened up): a seat is needed, as when the connection opened.
            seated = self.space.presence.claim_editor(document.id, self.connection.id, document.max_editors)
            return permissions.EDITOR if seated else permissions.SUGGESTER
        return fresh

    def _regrant(self, grant: Grant) -> None:
        """Take a fresh grant; a client that asked for Civic's messages hears of a change of role."""
        before = self.grant
        self.grant = grant
        if self.connection.extras and before.role != grant.role:
            self.post(protocol.civic_message({"type": "role", "role": grant.role}))
