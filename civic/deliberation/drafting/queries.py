"""Read models for the document pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting.models import (
    Document,
    DocumentUpdate,
    DocumentVersion,
    DocumentVersionSummary,
)
from civic.extensions import db


@dataclass(frozen=True, slots=True)
class DocumentRow:
    document: Document
    changes: int  # stored updates
    last_change: datetime | None


def document_list(consultation: Consultation) -> list[DocumentRow]:
    """The consultation's documents with their number of changes and last change (one query)."""
    stats = (
        select(
            DocumentUpdate.document_id,
            func.count(DocumentUpdate.id).label("changes"),
            func.max(DocumentUpdate.created_at).label("last_change"),
        )
        .where(
            DocumentUpdate.document_id.in_(
                select(Document.id).where(Document.consultation_id == consultation.id).scalar_subquery()
            )
        )
        .group_by(DocumentUpdate.document_id)
        .subquery()
    )
    query = (
        select(Document, stats.c.changes, stats.c.last_change)
        .outerjoin(stats, stats.c.document_id == Document.id)
        .where(Document.consultation_id == consultation.id)
        .order_by(Document.id)
    )
    return [DocumentRow(doc, changes or 0, last) for doc, changes, last in db.session.execute(query)]


@dataclass(frozen=True, slots=True)
class Credit:
    """One author's share of a version: characters added and removed (name None: account deleted)."""

    name: str | None
    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: DocumentVersion
    summary: DocumentVersionSummary | None
    credits: list[Credit]


HISTORY_PAGE = 20


def names_of(user_ids: set[int]) -> dict[int, str]:
    """Display names of these accounts (one query); deleted ones are absent."""
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())


def _credits(summary: DocumentVersionSummary | None, names: dict[int, str]) -> list[Credit]:
    if summary is None:
        return []
    return [
        Credit(names.get(author) if author is not None else None, int(added or 0), int(removed or 0))
        for author, added, removed in summary.contributors
    ]


def history(document: Document, page: int = 1) -> tuple[list[VersionRow], bool]:
    """One page of the document's versions, newest first, with their summaries and credited names.

    Two queries whatever the page's length: versions with summaries, then the names they credit.
    """
    rows = db.session.execute(
        select(DocumentVersion, DocumentVersionSummary)
        .outerjoin(DocumentVersionSummary, DocumentVersionSummary.version_id == DocumentVersion.id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc())
        .offset((page - 1) * HISTORY_PAGE)
        .limit(HISTORY_PAGE + 1)
    ).all()
    more = len(rows) > HISTORY_PAGE
    rows = rows[:HISTORY_PAGE]
    ids = {int(c[0]) for _v, s in rows if s is not None for c in s.contributors if c[0] is not None}
    names = names_of(ids)
    return [VersionRow(v, s, _credits(s, names)) for v, s in rows], more


def version_row(version: DocumentVersion) -> VersionRow:
    summary = db.session.get(DocumentVersionSummary, version.id)
    ids = {int(c[0]) for c in summary.contributors if c[0] is not None} if summary is not None else set()
    return VersionRow(version, summary, _credits(summary, names_of(ids)))


def version_choices(document: Document) -> list[tuple[int, str, datetime]]:
    """(number, name, date) of every version, newest first, for the compare form."""
    return [
        (number, name, created_at)
        for number, name, created_at in db.session.execute(
            select(DocumentVersion.number, DocumentVersion.name, DocumentVersion.created_at)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number.desc())
        )
    ]
