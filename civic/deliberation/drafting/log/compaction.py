"""Compaction: every DRAFTING_COMPACT_EVERY updates, the settled rows are replayed into a snapshot.

Loading a document starts from its newest snapshot; the rows stay (history and attribution read
them). Snapshots only cover rows older than the grace period, which are surely all visible.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import func, select

from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.log import rows
from civic.deliberation.drafting.log.copies import copies
from civic.deliberation.drafting.models import DocumentSnapshot, DocumentUpdate
from civic.extensions import db, socketio
from civic.timestamps import utcnow

log = logging.getLogger(__name__)


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
    previous = rows.newest_snapshot(document_id)
    if upto is None or (previous is not None and upto <= previous.upto_update_id):
        return None
    doc, last = rows.rebuild(document_id, upto)
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
            copies(app).compacting.discard(document_id)
            db.session.remove()


def count(document_id: int) -> None:
    """Count an update stored here; every DRAFTING_COMPACT_EVERY, compact in the background."""
    held = copies()
    every = current_app.config["DRAFTING_COMPACT_EVERY"]
    with held.lock:
        counted = held.since_compaction.get(document_id, 0) + 1
        start = every > 0 and counted >= every and document_id not in held.compacting
        held.since_compaction[document_id] = 0 if start else counted
        if start:
            held.compacting.add(document_id)
    if start:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        socketio.start_background_task(_compact_in_background, app, document_id)
