"""Read models for the amendment pages and the amendment counts the document page shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from civic.deliberation.discussion.models import Thread
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.models import Document
from civic.extensions import db


@dataclass(frozen=True, slots=True)
class AmendmentRow:
    amendment: Amendment
    comments: int  # visible comments in its discussion


def amendment_list(document: Document) -> list[AmendmentRow]:
    """The document's amendments, newest first, with their authors and comment counts (one query)."""
    query = (
        select(Amendment, Thread.comment_count)
        .outerjoin(Thread, (Thread.kind == "amendment") & (Thread.target_id == Amendment.id))
        .where(Amendment.document_id == document.id)
        .options(joinedload(Amendment.author))
        .order_by(Amendment.number.desc())
    )
    return [AmendmentRow(amendment, comments or 0) for amendment, comments in db.session.execute(query)]


def amendment_counts(document: Document) -> dict[str, int]:
    """How many amendments the document has in each status (every status present)."""
    counts = dict.fromkeys(Amendment.STATUSES, 0)
    query = (
        select(Amendment.status, func.count())
        .where(Amendment.document_id == document.id)
        .group_by(Amendment.status)
    )
    for status, count in db.session.execute(query):
        counts[status] = int(count)
    return counts
