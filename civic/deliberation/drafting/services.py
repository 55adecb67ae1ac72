"""Co-drafting verbs: create documents, set modes and co-authors, receive and merge edits, compact,
record versions. Every accepted edit is a committed row before anyone hears of it.

Reading a document's current state: the newest snapshot, then the rows after it applied one by one.
Rows of one document may become visible out of id order on PostgreSQL (ids are taken before commit), so
catching up re-reads a recent time window (DRAFTING_VISIBILITY_GRACE) and applies the ids not yet seen;
Yjs updates are idempotent, so applying one twice is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from pycrdt import Doc
from sqlalchemy import Insert, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from civic import realtime
from civic.accounts import sanctions
from civic.accounts.models import User
from civic.accounts.services import find_user_by_email
from civic.consultations.models import Consultation
from civic.deliberation.drafting import attribution, crdt, diff, permissions
from civic.deliberation.drafting.live import NAMESPACE, LiveDocument, document_room, workspace
from civic.deliberation.drafting.models import (
    Document,
    DocumentEditor,
    DocumentSnapshot,
    DocumentUpdate,
    DocumentVersion,
    DocumentVersionSummary,
)
from civic.errors import CivicError, Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db, socketio
from civic.timestamps import utcnow

log = logging.getLogger(__name__)

TITLE_MAX = 200
# Cursor and name colours: each reaches 4.5:1 against white, and white text on them does too.
COLORS = (
    "#1d4ed8", "#b91c1c", "#047857", "#7e22ce", "#9a3412", "#0e7490",
    "#be185d", "#4d7c0f", "#4338ca", "#a16207", "#0f766e", "#6d28d9",
)  # fmt: skip
GUEST_COLOR = "#595959"


class DraftingError(CivicError):
    """A refused edit or message; `code` is what the socket `error` event carries."""

    code = "invalid"


class Malformed(DraftingError):
    status = 400
    code = "malformed"


class TooLarge(DraftingError):
    status = 413
    code = "too-large"


class DocumentFull(DraftingError):
    status = 409
    code = "document-full"


class NotAllowed(DraftingError):
    status = 403
    code = "forbidden"


class RateLimited(DraftingError):
    status = 429
    code = "rate-limited"


class StaleBase(DraftingError):
    status = 422
    code = "bad-base"


# ---- documents, modes, co-authors -------------------------------------------------------------------


def get_document(consultation: Consultation, document_id: int, user: User | None) -> Document:
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.consultation_id != consultation.id
        or not permissions.can_view_document(user, document)
    ):
        raise NotFound()
    return document


# Ids are PostgreSQL `integer`s: a larger one names nothing (and SQLite cannot even compare one from 2^63).
MAX_ID = 2**31 - 1


def find_document(document_id: object, user: User | None) -> Document:
    """Return a document by id if this person may read it (socket joins name a document only)."""
    if not isinstance(document_id, int) or isinstance(document_id, bool) or not 0 < document_id <= MAX_ID:
        raise NotFound()
    document = db.session.get(Document, document_id)
    if document is None or not permissions.can_view_document(user, document):
        raise NotFound()
    return document


def documents_of(consultation: Consultation) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document).where(Document.consultation_id == consultation.id).order_by(Document.id)
        )
    )


def _check_titles(title_fr: str, title_en: str) -> tuple[str, str]:
    title_fr, title_en = title_fr.strip(), title_en.strip()
    if not (title_fr or title_en):
        raise Invalid(_("Give a title in at least one language."))
    if len(title_fr) > TITLE_MAX or len(title_en) > TITLE_MAX:
        raise Invalid(_("A title has at most %(n)d characters.", n=TITLE_MAX))
    return title_fr, title_en


def _check_mode(mode: str) -> str:
    if mode not in Document.MODES:
        raise Invalid(_("Unknown mode."))
    return mode


def normalise_text(text: str) -> str:
    """Text areas send CRLF line ends; the document keeps LF only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_text_size(text: str) -> None:
    limit = current_app.config["DRAFTING_MAX_TEXT_BYTES"]
    if len(text.encode("utf-8")) > limit:
        raise TooLarge(_("The text is too long: a document holds at most %(n)d bytes of text.", n=limit))


def create_document(
    user: User | None,
    consultation: Consultation,
    title_fr: str,
    title_en: str,
    text: str = "",
    mode: str = Document.OPEN,
) -> Document:
    """Create a document with its starting text (stored as its first update, by its creator)."""
    if user is None or not permissions.can_manage_documents(user, consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    title_fr, title_en = _check_titles(title_fr, title_en)
    text = normalise_text(text)
    _check_text_size(text)
    document = Document(
        consultation_id=consultation.id,
        title_fr=title_fr,
        title_en=title_en,
        mode=_check_mode(mode),
        max_editors=current_app.config["DRAFTING_MAX_EDITORS"],
        created_by_id=user.id,
    )
    db.session.add(document)
    db.session.flush()
    if text:
        db.session.add(
            DocumentUpdate(document_id=document.id, data=crdt.initial_update(text), user_id=user.id)
        )
    db.session.commit()
    return document


def update_document(
    user: User | None, document: Document, title_fr: str, title_en: str, mode: str, max_editors: int
) -> None:
    """Change titles, mode and cap; people on the page are told to join again under their new role."""
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    document.title_fr, document.title_en = _check_titles(title_fr, title_en)
    if not 1 <= max_editors <= 10_000:
        raise Invalid(_("The cap on simultaneous editors is between 1 and 10,000."))
    changed = document.mode != _check_mode(mode)
    document.mode, document.max_editors = mode, max_editors
    document.updated_at = utcnow()
    db.session.commit()
    if changed:
        realtime.publish(
            "mode",
            {"document": document.id, "mode": mode},
            to=document_room(document.id),
            namespace=NAMESPACE,
        )


def add_editor(user: User | None, document: Document, email: str) -> User:
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    person = find_user_by_email(email)
    if person is None:
        raise Invalid(_("No account uses this e-mail address."))
    if permissions.is_named_editor(person, document):
        raise Conflict(_("This person is already a co-author."))
    document.editors.append(DocumentEditor(user_id=person.id))
    db.session.commit()
    return person


def remove_editor(user: User | None, document: Document, user_id: int) -> None:
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    document.editors[:] = [e for e in document.editors if e.user_id != user_id]
    db.session.commit()


# ---- who is here --------------------------------------------------------------------------------------


def person(user: User | None) -> dict[str, object]:
    """The name and colour everyone sees for this person (the server sets them, clients cannot)."""
    if user is None:
        return {"id": None, "name": _("Guest"), "color": GUEST_COLOR}
    return {"id": user.id, "name": user.display_name, "color": COLORS[user.id % len(COLORS)]}


def role_of(user: User | None, document: Document, sanctioned: bool | None = None) -> str:
    """The mode's role for this person; suspended or banned people only read.

    `sanctioned`: already known (a re-check of many people asks once for all of them).
    """
    role = permissions.role_for(user, document)
    if role != permissions.VIEWER and user is not None:
        if sanctioned is None:
            sanctioned = sanctions.is_sanctioned(user)
        if sanctioned:
            return permissions.VIEWER
    return role


def sanctioned_ids(user_ids: set[int]) -> set[int]:
    return sanctions.sanctioned_ids(user_ids)


def enter(document: Document, user: User | None, sid: str, role: str) -> tuple[str, str | None]:
    """Register a connection on the document; an editor beyond the cap becomes a suggester.

    Returns the role granted and, when it was lowered, the message explaining why.
    """
    place = workspace().presence
    message = None
    if role == permissions.EDITOR and not place.claim_editor(document.id, sid, document.max_editors):
        role = permissions.SUGGESTER
        message = _(
            "%(n)d people are already editing this document, the most at once. You can follow the text "
            "and suggest changes; try again later to edit.",
            n=document.max_editors,
        )
    place.enter(document.id, sid, {**person(user), "role": role})
    workspace().listen()  # this process now has a reader: it hears the others' changes
    return role, message


def leave(document_id: int, sid: str, awareness: dict[int, int] | None = None) -> None:
    """Forget a connection; the presence it announced is removed for everyone (state null, clock + 1)."""
    workspace().presence.leave(document_id, sid)
    if awareness:
        entries = [crdt.AwarenessEntry(client, clock + 1, None) for client, clock in awareness.items()]
        workspace().relay.send_awareness(document_id, entries, sid)


def people_here(document: Document) -> list[dict[str, object]]:
    return workspace().presence.people(document.id)


# A message costs one token of its sender's budget per COST_BYTES it carries or is answered with
# (and one at least): reading and storing an update, or encoding a sync's answer, take time in
# proportion to their bytes (docs/performance.md), however few messages carry them.
COST_BYTES = 1024


def message_cost(size: int) -> int:
    """The tokens a message of `size` bytes (or an answer of that size) costs."""
    return 1 + size // COST_BYTES


def _budget_key(user: User | None, sid: str) -> str:
    return f"user:{user.id}" if user is not None else f"sid:{sid}"


def allow_message(user: User | None, sid: str, cost: int = 1) -> bool:
    """Admit a message if the sender's budget is not spent, and take its cost from it (per person
    across processes; per connection for guests).

    A message is admitted while a token is left, however much it costs (at most a full burst): a large
    paste or sync is never refused for good, it only delays what follows until the budget refills.
    """
    config = current_app.config
    rate, burst = config["DRAFTING_RATE"], config["DRAFTING_BURST"]
    return workspace().presence.allow(_budget_key(user, sid), rate, burst, min(cost, int(burst)))


def charge_message(user: User | None, sid: str, cost: int) -> None:
    """Take from the sender's budget the cost of work done after admitting its message (a sync's answer)."""
    if cost <= 0:
        return
    config = current_app.config
    rate, burst = config["DRAFTING_RATE"], config["DRAFTING_BURST"]
    workspace().presence.charge(_budget_key(user, sid), rate, burst, min(cost, int(burst)))


# ---- reading the update log ---------------------------------------------------------------------------


def _newest_snapshot(document_id: int, upto: int | None = None) -> DocumentSnapshot | None:
    query = select(DocumentSnapshot).where(DocumentSnapshot.document_id == document_id)
    if upto is not None:
        query = query.where(DocumentSnapshot.upto_update_id <= upto)
    return db.session.scalar(query.order_by(DocumentSnapshot.upto_update_id.desc()).limit(1))


def _rows(document_id: int, after: int, upto: int | None = None) -> list[tuple[int, bytes]]:
    query = select(DocumentUpdate.id, DocumentUpdate.data).where(
        DocumentUpdate.document_id == document_id, DocumentUpdate.id > after
    )
    if upto is not None:
        query = query.where(DocumentUpdate.id <= upto)
    return [(row_id, bytes(data)) for row_id, data in db.session.execute(query.order_by(DocumentUpdate.id))]


def rebuild(document_id: int, upto: int | None = None) -> tuple[Doc, int]:
    """Build the document from the database as of row `upto` (None: everything); return it and its last id."""
    snapshot = _newest_snapshot(document_id, upto)
    doc = crdt.doc_from(snapshot.state) if snapshot is not None else crdt.doc_from()
    last = snapshot.upto_update_id if snapshot is not None else 0
    for row_id, data in _rows(document_id, last, upto):
        doc.apply_update(data)
        last = row_id
    return doc, last


def text_at(document_id: int, upto: int | None = None) -> tuple[str, int]:
    """The text as of row `upto` (None: now) and the id of the last row it includes."""
    doc, last = rebuild(document_id, upto)
    return crdt.text_of(doc), last


def _load(document: Document) -> LiveDocument:
    synced_at = utcnow()
    snapshot = _newest_snapshot(document.id)
    doc = crdt.doc_from(snapshot.state) if snapshot is not None else crdt.doc_from()
    live = LiveDocument(
        document_id=document.id,
        created_at=document.created_at,
        doc=doc,
        horizon=snapshot.upto_update_id if snapshot is not None else 0,
        state_bytes=len(snapshot.state) if snapshot is not None else 0,
        text_bound=len(snapshot.state) if snapshot is not None else 0,  # the state holds the text
        synced_at=synced_at,
    )
    for row_id, data in _rows(document.id, live.horizon):
        live.apply_row(row_id, data)
    try:
        # Empty in every document written since updates are checked: then nothing more is looked at.
        live.foreign = crdt.foreign_ranges(live.doc) or None
    except crdt.ProtocolError:  # content only yrs writes (not Yjs): the other checks still hold
        log.exception("the state of document %s could not be read in Python", document.id)
    return live


def live_document(document: Document) -> LiveDocument:
    """The document as this process holds it, loaded on first use (not caught up: see catch_up)."""
    space = workspace()
    live = space.documents.get(document.id)
    # Compare creation times too: an id can be reused after a deletion (SQLite), never the pair.
    if live is None or live.created_at != document.created_at:
        live = _load(document)
        with space.lock:
            space.documents[document.id] = live
    return live


def catch_up(document: Document) -> LiveDocument:
    """Apply the rows other processes committed since this process last looked."""
    live = live_document(document)
    grace = timedelta(seconds=current_app.config["DRAFTING_VISIBILITY_GRACE"])
    started = utcnow()
    since = (live.synced_at or started) - grace
    query = (
        select(DocumentUpdate.id, DocumentUpdate.data)
        .where(
            DocumentUpdate.document_id == document.id,
            DocumentUpdate.id > live.horizon,
            or_(DocumentUpdate.id > live.last_id, DocumentUpdate.created_at >= since),
        )
        .order_by(DocumentUpdate.id)
    )
    rows = [(row_id, bytes(data)) for row_id, data in db.session.execute(query) if row_id not in live.applied]
    with live.lock:  # never held across database calls: waiting greenlets hold pooled connections
        before = live.doc.get_state()
        found: list[int] = []
        for row_id, data in rows:
            if row_id not in live.applied:  # (the link from the other processes may have brought it)
                live.apply_row(row_id, data)
                found.append(row_id)
        # Rows another process committed may never have reached the room: a process that dies between
        # its commit and its batched relay takes the relay with it, and every later edit built on those
        # rows would stay pending in the readers' documents. Relaying what was found (once, merged) heals
        # that; readers that had it already ignore it.
        missed = live.doc.get_update(before) if found else None
    live.synced_at = started
    if missed is not None:
        workspace().relay.send_update(document.id, missed, None, found)
    return live


def sync(document: Document, state_vector: bytes) -> tuple[bytes, bytes]:
    """Answer a client's step 1: step 2 (what it lacks) and the server's own step 1."""
    crdt.check_state_vector(state_vector)  # before anything else is done for it
    live = catch_up(document)
    with live.lock:
        return crdt.step2(live.doc, state_vector), crdt.step1(live.doc)


def current_text(document: Document) -> tuple[str, int]:
    """The text to show now and the base (last row id) a no-JavaScript edit starts from."""
    return text_at(document.id)


# ---- receiving edits ------------------------------------------------------------------------------------


# An update from this size on (a paste, a whole text from the form) is checked against every committed
# row, one at a time per document across processes: two pastes on two processes cannot both fit. Smaller
# ones (typing) are checked against this process's copy, which the Redis link keeps current within tens
# of milliseconds: typing racing the link can pass the cap by what it types meanwhile, no more.
CHECKED_BYTES = 1024


def _check_size(document: Document, live: LiveDocument, update: bytes, current: bool = False) -> None:
    """Refuse an update that would take the text or the state past their limits (deleting is allowed).

    `current`: the copy has just caught up with the database (else it does when near a limit).
    """
    config = current_app.config
    max_text, max_state = config["DRAFTING_MAX_TEXT_BYTES"], config["DRAFTING_MAX_STATE_BYTES"]
    size = len(update)
    with live.lock:
        # Inserted text travels inside the update, so these sums bound the sizes after it. A bound
        # that no longer proves the update fits is replaced by the exact size; only near a limit is
        # the update tried on a copy. (Measuring the text for every keystroke cost 5 % of a busy server.)
        if live.text_bound + size > max_text:
            live.text_bound = live.text_bytes()
        if live.state_bytes + size > max_state:
            live.state_bytes = len(live.doc.get_update())
        if live.text_bound + size <= max_text and live.state_bytes + size <= max_state:
            return
    if not current:  # near a limit: with what the link may have missed, too
        live = catch_up(document)
    with live.lock:
        old_length = live.text_bound = live.text_bytes()
        trial = crdt.copy_of(live.doc)
    try:
        trial.apply_update(update)
    except (ValueError, RuntimeError) as error:
        raise Malformed(_("This change could not be read.")) from error
    new_length = len(crdt.body(trial))
    grows = new_length > old_length
    if (new_length > max_text and grows) or (len(trial.get_update()) > max_state and grows):
        raise DocumentFull(
            _(
                "The document has reached its maximum size (%(n)d bytes of text). Shorten it before adding more.",
                n=max_text,
            )
        )


def receive_update(
    document: Document, user: User | None, update: bytes, role: str, sid: str | None = None
) -> int:
    """Store one update from an editor, commit, then relay it to the room. Returns the row id (0: empty).

    `role` is the sender's role as checked by the caller (events cache it per connection for a moment).
    """
    if role != permissions.EDITOR or document.mode == Document.FINAL:
        raise NotAllowed(_("You cannot edit this document."))
    if len(update) > current_app.config["DRAFTING_MAX_UPDATE_BYTES"]:
        raise TooLarge(
            _(
                "This change is too large (at most %(n)d bytes at once).",
                n=current_app.config["DRAFTING_MAX_UPDATE_BYTES"],
            )
        )
    live = live_document(document)
    try:
        # Every count it declares is checked before pycrdt reads it, and it may touch the text only.
        crdt.check_update(update, live.foreign)
    except crdt.NotText as error:
        raise Malformed(_("Only the text of this document can be changed.")) from error
    except crdt.ProtocolError as error:
        raise Malformed(_("This change could not be read.")) from error
    if update == crdt.EMPTY_UPDATE:
        return 0
    document_id, user_id = document.id, user.id if user is not None else None
    if len(update) >= CHECKED_BYTES:
        row_id = _store_checked(document, update, user_id)
    else:
        _check_size(document, live, update)
        if sid is not None and current_app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
            # A socket message (nothing else pending in this transaction) in a served process.
            row_id = _committer().store(document_id, update, user_id)
        else:
            row_id = _store(document_id, update, user_id)
    announce(document_id, row_id, update, sid)
    return row_id


def _store(document_id: int, update: bytes, user_id: int | None) -> int:
    """Add the update's row and commit (the request's transaction); return its id."""
    row = DocumentUpdate(document_id=document_id, data=update, user_id=user_id)
    db.session.add(row)
    try:
        db.session.flush()
        row_id = row.id
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise
    return row_id


def _store_checked(document: Document, update: bytes, user_id: int | None) -> int:
    """Check the size against every committed row and store, holding the document's row lock."""
    try:
        # Taken for the transaction (PostgreSQL; SQLite has one writer and one process anyway): the
        # next paste on any process waits for this one's commit, then sees its row.
        db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
        live = catch_up(document)
        _check_size(document, live, update, current=True)
    except Exception:
        db.session.rollback()
        raise
    return _store(document.id, update, user_id)


def announce(document_id: int, row_id: int, update: bytes, sid: str | None = None) -> None:
    """After the commit of an update row: this process's copy takes it and the document's room hears it."""
    live = workspace().documents.get(document_id)
    if live is not None:
        try:
            live.apply_row(row_id, update)
        except (ValueError, RuntimeError):  # stored but unreadable here: reload from the rows next time
            log.exception("update %s could not be applied in memory", row_id)
            workspace().forget(document_id)
    workspace().relay.send_update(document_id, update, sid, [row_id])
    _count_for_compaction(document_id)
    schedule_version_check(document_id)


@dataclass
class _Batch:
    """Updates to be stored by one INSERT and one COMMIT; their callers wait on one event."""

    rows: list[dict[str, object]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    ids: list[int] = field(default_factory=list)
    error: BaseException | None = None


class _GroupCommit:
    """Store the updates arriving together in one INSERT and COMMIT (served processes: eventlet).

    A commit per keystroke cost more than all the rest of an update; each caller still waits until
    its own row is committed, so an acknowledged edit is never lost. While one batch commits, the
    next one gathers. The committer keeps its connection for LINGER seconds after the queue empties
    (checking a pooled connection out and pinging it for every batch was a tenth of its time), and
    starts a batch at most every GATHER seconds: each round trip to the database costs about as much
    CPU whatever its size, so under load a batch waits a few milliseconds for more updates. The
    callers of a batch wait on one event (an event per keystroke cost 4 % of a busy server).
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
                    # instead of BEGIN, INSERT and COMMIT (benchmarks/bench_group_commit.py: 44 % less
                    # CPU per batch). psycopg2 returns only once the server is ready for the next
                    # query, after the commit, so an acknowledged row is still a committed one.
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
    # the same statement for 0.35-0.39 ms of CPU per batch, this 0.20 ms (measured apart, 3-6 rows),
    # and a served process commits up to 250 batches a second. The rows go in, and their ids come back,
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


def _committer() -> _GroupCommit:
    committer: _GroupCommit | None = current_app.extensions.get("drafting_group_commit")
    if committer is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        committer = app.extensions.setdefault("drafting_group_commit", _GroupCommit(app))
    return committer


def merge_text(user: User | None, document: Document, base: int, text: str) -> int:
    """Merge a whole submitted text (no-JavaScript form) written from the text as of row `base`.

    The document is rebuilt as it was at `base`, the difference between that text and the submitted
    one becomes Y.Text inserts and deletes on it, and the resulting update is stored like any other:
    edits others made meanwhile are kept. Returns the new row id, 0 when nothing changed.
    """
    sanctions.ensure_can_participate(user)
    role = role_of(user, document)
    if role != permissions.EDITOR:
        raise NotAllowed(_("You cannot edit this document."))
    text = normalise_text(text)
    _check_text_size(text)
    if base < 0 or (
        base > 0
        and db.session.scalar(
            select(DocumentUpdate.id).where(
                DocumentUpdate.id == base, DocumentUpdate.document_id == document.id
            )
        )
        is None
    ):
        raise StaleBase(
            _("This form does not match this document. Copy your text, reload the page and try again.")
        )
    doc, _last = rebuild(document.id, base)
    if crdt.text_of(doc) == text:
        return 0
    update = crdt.rewrite(doc, text)
    return receive_update(document, user, update, role)


# ---- compaction and versions ------------------------------------------------------------------------------


def _settled_upto(document_id: int) -> int | None:
    """The last row id below which every row is surely visible (older than the grace period)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["DRAFTING_VISIBILITY_GRACE"])
    recent = db.session.scalar(
        select(func.min(DocumentUpdate.id)).where(
            DocumentUpdate.document_id == document_id, DocumentUpdate.created_at > cutoff
        )
    )
    query = select(func.max(DocumentUpdate.id)).where(
        DocumentUpdate.document_id == document_id, DocumentUpdate.created_at <= cutoff
    )
    if recent is not None:
        query = query.where(DocumentUpdate.id < recent)
    return db.session.scalar(query)


def compact(document_id: int) -> DocumentSnapshot | None:
    """Replay the newest snapshot and the settled rows after it into a new snapshot (rows stay)."""
    upto = _settled_upto(document_id)
    previous = _newest_snapshot(document_id)
    if upto is None or (previous is not None and upto <= previous.upto_update_id):
        return None
    doc, last = rebuild(document_id, upto)
    snapshot = DocumentSnapshot(
        document_id=document_id, upto_update_id=last, state=doc.get_update(), text=crdt.text_of(doc)
    )
    db.session.add(snapshot)
    db.session.commit()
    return snapshot


def _compact_in_background(app: Flask, document_id: int) -> None:
    with app.app_context():
        try:
            compact(document_id)
        except Exception:  # a failed compaction only costs loading time; the rows are intact
            log.exception("compaction of document %s failed", document_id)
            db.session.rollback()
        finally:
            workspace(app).compacting.discard(document_id)
            db.session.remove()


def _count_for_compaction(document_id: int) -> None:
    space = workspace()
    every = current_app.config["DRAFTING_COMPACT_EVERY"]
    with space.lock:
        count = space.since_compaction.get(document_id, 0) + 1
        start = every > 0 and count >= every and document_id not in space.compacting
        space.since_compaction[document_id] = 0 if start else count
        if start:
            space.compacting.add(document_id)
    if start:
        socketio.start_background_task(_compact_in_background, current_app._get_current_object(), document_id)  # type: ignore[attr-defined]


def record_version(
    document: Document, user: User | None = None, name: str = "", upto: int | None = None
) -> DocumentVersion:
    """Record the current text (or the text as of row `upto`) as the next numbered version.

    Named by a person, or automatic: ''.
    """
    name = name.strip()
    if len(name) > TITLE_MAX:
        raise Invalid(_("A version name has at most %(n)d characters.", n=TITLE_MAX))
    text, last = text_at(document.id, upto)
    for _attempt in range(3):
        number = (
            db.session.scalar(
                select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
            )
            or 0
        ) + 1
        version = DocumentVersion(
            document_id=document.id,
            number=number,
            upto_update_id=last,
            name=name,
            text=text,
            created_by_id=user.id if user is not None else None,
        )
        db.session.add(version)
        try:
            db.session.commit()
        except IntegrityError:  # another process took this number: take the next one
            db.session.rollback()
            continue
        return version
    raise Conflict()


# ---- history: automatic and named versions, what each changed, restore, who wrote what -----------------
#
# A burst of activity ends after DRAFTING_VERSION_GAP quiet seconds; its automatic version is recorded
# by a per-process timer started by the burst's updates (or by the next look at the history). Recording
# happens under a lock (the document row on PostgreSQL, a process lock for SQLite's one process) so two
# processes never record the same burst twice. Each version's summary (net words and characters, and the
# characters each author added and removed, from replaying its update rows one by one) is stored once.

_history_lock = threading.RLock()
AUTHORSHIP_CACHE = 8  # documents whose who-wrote-what replay one process keeps


def get_version(document: Document, number: int) -> DocumentVersion:
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        raise NotFound()
    return version


def _covered_upto(document_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.max(DocumentVersion.upto_update_id)).where(DocumentVersion.document_id == document_id)
        )
        or 0
    )


def _next_burst_end(document_id: int, gap: float, now: datetime) -> tuple[int | None, float | None]:
    """The last row of the first finished burst after the newest version, or the seconds until it ends."""
    rows = db.session.execute(
        select(DocumentUpdate.id, DocumentUpdate.created_at)
        .where(DocumentUpdate.document_id == document_id, DocumentUpdate.id > _covered_upto(document_id))
        .order_by(DocumentUpdate.id)
    ).all()
    if not rows:
        return None, None
    latest = rows[0].created_at
    for previous, row in zip(rows, rows[1:], strict=False):
        latest = max(latest, previous.created_at)
        if (row.created_at - latest).total_seconds() >= gap:
            return previous.id, None
    quiet = (now - max(latest, rows[-1].created_at)).total_seconds()
    if quiet >= gap:
        return rows[-1].id, None
    return None, gap - quiet


def record_quiet_bursts(document: Document, now: datetime | None = None) -> float | None:
    """Record an automatic version for each finished burst not yet in a version.

    Returns the seconds until the burst still going on will be finished, or None when none is.
    """
    gap = current_app.config["DRAFTING_VERSION_GAP"]
    with _history_lock:
        while True:
            # Taken again for each burst: recording commits, which ends the row lock.
            db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
            end, wait = _next_burst_end(document.id, gap, now or utcnow())
            if end is None:
                db.session.rollback()
                return wait
            summarise_version(record_version(document, None, "", upto=end))


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
                wait = record_quiet_bursts(document) if document is not None else None
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


def summarise_version(version: DocumentVersion, restored_from: int | None = None) -> DocumentVersionSummary:
    """Store what this version changed since the previous one: net sizes, and credits per author."""
    previous = db.session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == version.document_id, DocumentVersion.number < version.number)
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    )
    measured = diff.measure(previous.text if previous is not None else "", version.text)
    after = previous.upto_update_id if previous is not None else 0
    base = rebuild(version.document_id, after)[0] if after else crdt.doc_from()
    rows = db.session.execute(
        select(DocumentUpdate.data, DocumentUpdate.user_id)
        .where(
            DocumentUpdate.document_id == version.document_id,
            DocumentUpdate.id > after,
            DocumentUpdate.id <= version.upto_update_id,
        )
        .order_by(DocumentUpdate.id)
    )
    credits = attribution.contributions(base, ((bytes(data), user_id) for data, user_id in rows))
    summary = DocumentVersionSummary(
        version_id=version.id,
        words_added=measured.words_added,
        words_removed=measured.words_removed,
        chars_added=measured.chars_added,
        chars_removed=measured.chars_removed,
        restored_from=restored_from,
        contributors=[
            [author, c.added, c.removed]
            for author, c in sorted(credits.items(), key=lambda item: (-item[1].added, -item[1].removed))
        ],
    )
    db.session.add(summary)
    try:
        db.session.commit()
    except IntegrityError:  # summarised meanwhile by another request
        db.session.rollback()
        existing = db.session.get(DocumentVersionSummary, version.id)
        if existing is None:
            raise
        return existing
    return summary


def summarise_versions(document: Document) -> int:
    """Summarise the versions recorded without a summary (e.g. by other verbs); return how many."""
    missing = db.session.scalars(
        select(DocumentVersion)
        .outerjoin(DocumentVersionSummary, DocumentVersionSummary.version_id == DocumentVersion.id)
        .where(DocumentVersion.document_id == document.id, DocumentVersionSummary.version_id.is_(None))
        .order_by(DocumentVersion.number)
    ).all()
    for version in missing:
        summarise_version(version)
    return len(missing)


def prepare_history(document: Document) -> None:
    """Before showing the history: record finished bursts no timer recorded, summarise what lacks one."""
    record_quiet_bursts(document)
    summarise_versions(document)


def name_version(user: User | None, document: Document, name: str) -> DocumentVersion:
    """Record the current text as a version named by a moderator."""
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    if not name.strip():
        raise Invalid(_("Give the version a name."))
    with _history_lock:
        record_quiet_bursts(document)  # the bursts before it keep their own automatic versions
        version = record_version(document, user, name)
        summarise_version(version)
    return version


def restore_version(user: User | None, document: Document, number: int) -> DocumentVersion:
    """Make an old version's text the current text again, as a new version "restored from version N".

    The current text is turned into the old one by Yjs deletes and inserts (as the no-JavaScript form
    does), stored as one update row by the moderator and relayed to everyone editing.
    """
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    if document.mode == Document.FINAL:
        raise Conflict(_("This document is final: its text can no longer change."))
    old = get_version(document, number)
    doc, _last = rebuild(document.id)
    if crdt.text_of(doc) == old.text:
        raise Conflict(_("The text is already that of version %(n)d.", n=number))
    receive_update(document, user, crdt.rewrite(doc, old.text), permissions.EDITOR)
    with _history_lock:
        record_quiet_bursts(document)
        version = record_version(document, user, "")
        summarise_version(version, restored_from=number)
    return version


@dataclass
class _Authorship:
    created_at: datetime
    last_id: int
    replay: attribution.Replay
    lock: threading.Lock = field(default_factory=threading.Lock)


def _authorship_cache() -> OrderedDict[int, _Authorship]:
    cache: OrderedDict[int, _Authorship] = current_app.extensions.setdefault(
        "drafting_authorship", OrderedDict()
    )
    return cache


def authorship(document: Document) -> list[attribution.Run]:
    """The current text cut into stretches by author, from every update row replayed in order.

    The replay is kept per process and only the rows after it are applied on the next call; if the
    result ever differs from the stored text (a row that became visible late), it starts over.
    """
    text, _base = current_text(document)
    cache = _authorship_cache()
    with _history_lock:
        entry = cache.get(document.id)
        if entry is None or entry.created_at != document.created_at:
            entry = _Authorship(document.created_at, 0, attribution.Replay(track_authors=True))
            cache[document.id] = entry
        cache.move_to_end(document.id)
        while len(cache) > AUTHORSHIP_CACHE:
            cache.popitem(last=False)
    with entry.lock:
        for attempt in range(2):
            rows = db.session.execute(
                select(DocumentUpdate.id, DocumentUpdate.data, DocumentUpdate.user_id)
                .where(DocumentUpdate.document_id == document.id, DocumentUpdate.id > entry.last_id)
                .order_by(DocumentUpdate.id)
            )
            for row_id, data, user_id in rows:
                entry.replay.apply(bytes(data), user_id)
                entry.last_id = row_id
            if entry.replay.text == text or attempt:
                break
            entry.replay, entry.last_id = attribution.Replay(track_authors=True), 0
        return entry.replay.runs()


def touch(document_id: int, sid: str) -> None:
    """Keep a talking connection's presence and editor seat alive."""
    workspace().presence.touch(document_id, sid)


def relay_awareness(document_id: int, entries: list[crdt.AwarenessEntry], sid: str) -> None:
    workspace().relay.send_awareness(document_id, entries, sid)


def presence_message(document_id: int) -> bytes | None:
    """An awareness message with everyone's current presence on the document (None: nobody)."""
    entries = workspace().relay.present(document_id)
    return crdt.encode_awareness(entries) if entries else None
