"""The update log read back: a document's rows and snapshots, and its text as of any row."""

from __future__ import annotations

from pycrdt import Doc
from sqlalchemy import select

from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.models import DocumentSnapshot, DocumentUpdate
from civic.extensions import db


def newest_snapshot(document_id: int, upto: int | None = None) -> DocumentSnapshot | None:
    query = select(DocumentSnapshot).where(DocumentSnapshot.document_id == document_id)
    if upto is not None:
        query = query.where(DocumentSnapshot.upto_update_id <= upto)
    return db.session.scalar(query.order_by(DocumentSnapshot.upto_update_id.desc()).limit(1))


def rows(document_id: int, after: int, upto: int | None = None) -> list[tuple[int, bytes]]:
    """(id, update) of the document's rows after `after` (up to `upto`), in id order."""
    query = select(DocumentUpdate.id, DocumentUpdate.data).where(
        DocumentUpdate.document_id == document_id, DocumentUpdate.id > after
    )
    if upto is not None:
        query = query.where(DocumentUpdate.id <= upto)
    return [(row_id, bytes(data)) for row_id, data in db.session.execute(query.order_by(DocumentUpdate.id))]


def rebuild(document_id: int, upto: int | None = None) -> tuple[Doc, int]:
    """Build the document from the database as of row `upto` (None: everything); return it and its last id."""
    snapshot = newest_snapshot(document_id, upto)
    doc = crdt.doc_from(snapshot.state) if snapshot is not None else crdt.doc_from()
    last = snapshot.upto_update_id if snapshot is not None else 0
    for row_id, data in rows(document_id, last, upto):
        doc.apply_update(data)
        last = row_id
    return doc, last


def text_at(document_id: int, upto: int | None = None) -> tuple[str, int]:
    """The text as of row `upto` (None: now) and the id of the last row it includes."""
    doc, last = rebuild(document_id, upto)
    return crdt.text_of(doc), last


def current_text(document_id: int) -> tuple[str, int]:
    """The text to show now and the base (last row id) a no-JavaScript edit starts from."""
    return text_at(document_id)
