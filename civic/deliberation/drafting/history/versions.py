"""Versions: an automatic one after each burst of activity, named ones, and what each changed.

A burst of activity ends after DRAFTING_VERSION_GAP quiet seconds; its automatic version is recorded
by a per-process timer started by the burst's updates (history/timers.py) or by the next look at the
history. Recording happens under a lock (the document row on PostgreSQL, a process lock for SQLite's
one process) so two processes never record the same burst twice. Each version's summary (net words
and characters, and the characters each author added and removed, from replaying its update rows one
by one) is stored once.
"""

from __future__ import annotations

import threading
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.deliberation.drafting import crdt, diff, permissions
from civic.deliberation.drafting.history import attribution
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import (
    TITLE_MAX,
    Document,
    DocumentUpdate,
    DocumentVersion,
    DocumentVersionSummary,
)
from civic.deliberation.drafting.numbering import add_numbered
from civic.errors import Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.timestamps import utcnow

# Recording happens under this lock (and, on PostgreSQL, the document's row lock): two requests of one
# process never record the same burst twice.
history_lock = threading.RLock()


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
    with history_lock:
        while True:
            # Taken again for each burst: recording commits, which ends the row lock.
            db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
            end, wait = _next_burst_end(document.id, gap, now or utcnow())
            if end is None:
                db.session.rollback()
                return wait
            summarise_version(record_version(document, None, "", upto=end))


def record_version(
    document: Document, user: User | None = None, name: str = "", upto: int | None = None
) -> DocumentVersion:
    """Record the current text (or the text as of row `upto`) as the next numbered version.

    Named by a person, or automatic: ''.
    """
    name = name.strip()
    if len(name) > TITLE_MAX:
        raise Invalid(_("A version name has at most %(n)d characters.", n=TITLE_MAX))
    text, last = log_rows.text_at(document.id, upto)
    return add_numbered(
        lambda number: DocumentVersion(
            document_id=document.id,
            number=number,
            upto_update_id=last,
            name=name,
            text=text,
            created_by_id=user.id if user is not None else None,
        ),
        DocumentVersion.number,
        DocumentVersion.document_id == document.id,
    )


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
    base = log_rows.rebuild(version.document_id, after)[0] if after else crdt.doc_from()
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
    with history_lock:
        record_quiet_bursts(document)  # the bursts before it keep their own automatic versions
        version = record_version(document, user, name)
        summarise_version(version)
    return version
