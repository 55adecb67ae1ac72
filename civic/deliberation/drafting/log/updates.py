"""Receiving an update: checked, stored as a committed row, then announced to whoever listens.

Every accepted edit is a committed row before anyone hears of it: the listeners (the sync engine's
relay, the version timers) are called after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from civic.deliberation.drafting import crdt, permissions
from civic.deliberation.drafting.errors import DocumentFull, Malformed, NotAllowed, TooLarge
from civic.deliberation.drafting.log import compaction
from civic.deliberation.drafting.log.copies import DocumentCopy, Ref, catch_up, copies, copy_of
from civic.deliberation.drafting.log.group_commit import committer
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.extensions import db

log = logging.getLogger(__name__)

# (document id, update, ids of the rows it holds, the connection that sent it or None) -> None.
Committed = Callable[[int, bytes, list[int], str | None], None]
_committed: list[Committed] = []

# An update from this size on (a paste, a whole text from the form) is checked against every committed
# row, one at a time per document across processes: two pastes on two processes cannot both fit. Smaller
# ones (typing) are checked against this process's copy, which the Redis link keeps current within tens
# of milliseconds: typing racing the link can pass the cap by what it types meanwhile, no more.
CHECKED_BYTES = 1024


def on_committed(listener: Committed) -> None:
    """Call `listener` after each update this process commits (idempotent)."""
    if listener not in _committed:
        _committed.append(listener)


def _check_size(document: Ref, copy: DocumentCopy, update: bytes, current: bool = False) -> None:
    """Refuse an update that would take the text or the state past their limits (deleting is allowed).

    `current`: the copy has just caught up with the database (else it does when near a limit).
    """
    config = current_app.config
    max_text, max_state = config["DRAFTING_MAX_TEXT_BYTES"], config["DRAFTING_MAX_STATE_BYTES"]
    size = len(update)
    with copy.lock:
        # Inserted text travels inside the update, so these sums bound the sizes after it. A bound
        # that no longer proves the update fits is replaced by the exact size; only near a limit is
        # the update tried on a copy (measuring the text for every keystroke is not cheap).
        if copy.text_bound + size > max_text:
            copy.text_bound = copy.text_bytes()
        if copy.state_bytes + size > max_state:
            copy.state_bytes = len(copy.doc.get_update())
        if copy.text_bound + size <= max_text and copy.state_bytes + size <= max_state:
            return
    if not current:  # near a limit: with what the link may have missed, too
        copy = catch_up(document)
    with copy.lock:
        old_length = copy.text_bound = copy.text_bytes()
        trial = crdt.copy_of(copy.doc)
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
    document: Ref, author_id: int | None, update: bytes, role: str, sender: str | None = None
) -> int:
    """Store one update from an editor, commit, then announce it. Returns the row id (0: empty).

    `role` is the sender's role as checked by the caller (a connection keeps it for a moment);
    `sender`: the connection it came from, which the relay does not send it back to.
    """
    if role != permissions.EDITOR or document.mode == Document.FINAL:
        raise NotAllowed(_("You cannot edit this document."))
    limit = current_app.config["DRAFTING_MAX_UPDATE_BYTES"]
    if len(update) > limit:
        raise TooLarge(_("This change is too large (at most %(n)d bytes at once).", n=limit))
    copy = copy_of(document)
    try:
        # Every count it declares is checked before pycrdt reads it, and it may touch the text only.
        crdt.check_update(update, copy.foreign)
    except crdt.NotText as error:
        raise Malformed(_("Only the text of this document can be changed.")) from error
    except crdt.ProtocolError as error:
        raise Malformed(_("This change could not be read.")) from error
    if update == crdt.EMPTY_UPDATE:
        return 0
    if len(update) >= CHECKED_BYTES:
        row_id = _store_checked(document, update, author_id)
    else:
        _check_size(document, copy, update)
        if sender is not None and current_app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
            # A connection's message (nothing else pending in this transaction) in a served process.
            row_id = committer().store(document.id, update, author_id)
        else:
            row_id = store(document.id, update, author_id)
    announce(document.id, row_id, update, sender)
    return row_id


def store(document_id: int, update: bytes, author_id: int | None) -> int:
    """Add the update's row and commit (the request's transaction); return its id."""
    row = DocumentUpdate(document_id=document_id, data=update, user_id=author_id)
    db.session.add(row)
    try:
        db.session.flush()
        row_id = row.id
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise
    return row_id


def _store_checked(document: Ref, update: bytes, author_id: int | None) -> int:
    """Check the size against every committed row and store, holding the document's row lock."""
    try:
        # Taken for the transaction (PostgreSQL; SQLite has one writer and one process anyway): the
        # next paste on any process waits for this one's commit, then sees its row.
        db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
        copy = catch_up(document)
        _check_size(document, copy, update, current=True)
    except Exception:
        db.session.rollback()
        raise
    return store(document.id, update, author_id)


def announce(document_id: int, row_id: int, update: bytes, sender: str | None = None) -> None:
    """After the commit of an update row: this process's copy takes it, then the listeners hear of it."""
    held = copies()
    copy = held.documents.get(document_id)
    if copy is not None:
        try:
            copy.apply_row(row_id, update)
        except (ValueError, RuntimeError):  # stored but unreadable here: reload from the rows next time
            log.exception("update %s could not be applied in memory", row_id)
            held.forget(document_id)
    for listener in _committed:
        listener(document_id, update, [row_id], sender)
    compaction.count(document_id)
