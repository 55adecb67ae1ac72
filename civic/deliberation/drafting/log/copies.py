"""This process's copy of each open document: the update log applied in memory, kept caught up.

A copy is a cache of the database (newest snapshot plus the update rows after it); it may be dropped at
any time and is rebuilt from the rows. Rows of one document may become visible out of id order on
PostgreSQL (ids are taken before commit), so catching up re-reads a recent time window
(DRAFTING_VISIBILITY_GRACE) and applies the ids not yet seen; Yjs updates are idempotent, so applying
one twice is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from pycrdt import Doc
from sqlalchemy import or_, select

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import DocumentUpdate
from civic.extensions import db
from civic.timestamps import utcnow

log = logging.getLogger(__name__)


class Ref(Protocol):
    """What the log needs of a document: a row, or a connection's snapshot of one."""

    @property
    def id(self) -> int: ...
    @property
    def mode(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


# (document id, merged update, ids of the rows it holds) -> None: rows committed by another process
# that a catch-up found here first (the sync engine relays them).
Found = Callable[[int, bytes, list[int]], None]
_found: list[Found] = []


def on_found(listener: Found) -> None:
    """Call `listener` with the rows a catch-up finds that this process had not applied (idempotent)."""
    if listener not in _found:
        _found.append(listener)


@dataclass
class DocumentCopy:
    """A document in memory with the ids of the rows it contains (rows above `horizon`)."""

    document_id: int
    created_at: datetime
    doc: Doc
    horizon: int  # every row with an id up to this one is in `doc` (from the snapshot)
    applied: set[int] = field(default_factory=set)
    state_bytes: int = 0  # an upper bound of the encoded state's size
    text_bound: int = 0  # an upper bound of the text's size in bytes (a row adds at most its own size)
    synced_at: datetime | None = None  # database time of the last catch-up
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Ids of items outside the text, from before updates were checked (wire.foreign_ranges; empty in
    # every document written since): nothing new may be placed next to them.
    foreign: wire.Ranges | None = None

    @property
    def last_id(self) -> int:
        return max(self.applied, default=self.horizon)

    def apply_row(self, row_id: int, data: bytes) -> None:
        with self.lock:
            if row_id <= self.horizon or row_id in self.applied:
                return
            self.doc.apply_update(data)
            self.applied.add(row_id)
            self.state_bytes += len(data)
            self.text_bound += len(data)

    def apply_rows(self, rows: list[int], update: bytes) -> bool:
        """Apply rows another process committed and relayed, merged as `update` (`rows`: their ids, or
        [] when unknown). False: every row was here already."""
        with self.lock:
            fresh = [row for row in rows if row > self.horizon and row not in self.applied]
            if rows and not fresh:
                return False
            self.doc.apply_update(update)
            self.applied.update(fresh)
            self.state_bytes += len(update)
            self.text_bound += len(update)
            return True

    def text_bytes(self) -> int:
        return len(crdt.body(self.doc))


class Copies:
    """Per app: the documents this process holds, and their compaction counters."""

    def __init__(self) -> None:
        self.documents: dict[int, DocumentCopy] = {}
        self.since_compaction: dict[int, int] = {}
        self.compacting: set[int] = set()
        self.lock = threading.Lock()

    def forget(self, document_id: int) -> None:
        with self.lock:
            self.documents.pop(document_id, None)

    def reset(self) -> None:
        """Drop everything held in memory (tests; a deleted document)."""
        with self.lock:
            self.documents.clear()
            self.since_compaction.clear()
            self.compacting.clear()


def copies(app: Flask | Any = None) -> Copies:
    held: Copies = (app or current_app).extensions["drafting_copies"]
    return held


def _load(document: Ref) -> DocumentCopy:
    synced_at = utcnow()
    snapshot = log_rows.newest_snapshot(document.id)
    doc = crdt.doc_from(snapshot.state) if snapshot is not None else crdt.doc_from()
    copy = DocumentCopy(
        document_id=document.id,
        created_at=document.created_at,
        doc=doc,
        horizon=snapshot.upto_update_id if snapshot is not None else 0,
        state_bytes=len(snapshot.state) if snapshot is not None else 0,
        text_bound=len(snapshot.state) if snapshot is not None else 0,  # the state holds the text
        synced_at=synced_at,
    )
    for row_id, data in log_rows.rows(document.id, copy.horizon):
        copy.apply_row(row_id, data)
    try:
        # Empty in every document written since updates are checked: then nothing more is looked at.
        copy.foreign = crdt.foreign_ranges(copy.doc) or None
    except crdt.ProtocolError:  # content only yrs writes (not Yjs): the other checks still hold
        log.exception("the state of document %s could not be read in Python", document.id)
    return copy


def copy_of(document: Ref) -> DocumentCopy:
    """The document as this process holds it, loaded on first use (not caught up: see catch_up)."""
    held = copies()
    copy = held.documents.get(document.id)
    # Compare creation times too: an id can be reused after a deletion (SQLite), never the pair.
    if copy is None or copy.created_at != document.created_at:
        copy = _load(document)
        with held.lock:
            held.documents[document.id] = copy
    return copy


def catch_up(document: Ref) -> DocumentCopy:
    """Apply the rows other processes committed since this process last looked."""
    copy = copy_of(document)
    grace = timedelta(seconds=current_app.config["DRAFTING_VISIBILITY_GRACE"])
    started = utcnow()
    since = (copy.synced_at or started) - grace
    query = (
        select(DocumentUpdate.id, DocumentUpdate.data)
        .where(
            DocumentUpdate.document_id == document.id,
            DocumentUpdate.id > copy.horizon,
            or_(DocumentUpdate.id > copy.last_id, DocumentUpdate.created_at >= since),
        )
        .order_by(DocumentUpdate.id)
    )
    rows = [(row_id, bytes(data)) for row_id, data in db.session.execute(query) if row_id not in copy.applied]
    with copy.lock:  # never held across database calls: waiting greenlets hold pooled connections
        before = copy.doc.get_state()
        found: list[int] = []
        for row_id, data in rows:
            if row_id not in copy.applied:  # (the link from the other processes may have brought it)
                copy.apply_row(row_id, data)
                found.append(row_id)
        # Rows another process committed may never have reached the room: a process that dies between
        # its commit and its batched relay takes the relay with it, and every later edit built on those
        # rows would stay pending in the readers' documents. Relaying what was found (once, merged) heals
        # that; readers that had it already ignore it.
        missed = copy.doc.get_update(before) if found else None
    copy.synced_at = started
    if missed is not None:
        for listener in _found:
            listener(document.id, missed, found)
    return copy
