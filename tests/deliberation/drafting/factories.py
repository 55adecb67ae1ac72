"""Builders for co-drafting tests: a consultation in its co-drafting phase, edits made like a browser."""

from __future__ import annotations

from pycrdt import Doc
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.extensions import db
from tests.factories import make_consultation


def drafting_consultation(
    moderators: list[User] | None = None, visibility: str = "public", open_now: bool = True
) -> Consultation:
    """A consultation whose current phase enables co-drafting (or, with open_now=False, voting only)."""
    return make_consultation(
        moderators=moderators,
        visibility=visibility,
        phases=[("co-drafting", -1, 10)] if open_now else [("voting", -1, 10)],
    )


def client_doc(document_id: int) -> Doc:
    """A browser's copy of the document as the server has it now."""
    doc, _last = log_rows.rebuild(document_id)
    return crdt.copy_of(doc)


def edit(doc: Doc, new_text: str) -> bytes:
    """Change a client's copy and return the update it would send."""
    return crdt.rewrite(doc, new_text)


def stored_rows(document: Document) -> int:
    """How many update rows the database holds for the document (after ending the test's transaction)."""
    db.session.rollback()
    count = db.session.scalar(
        select(func.count(DocumentUpdate.id)).where(DocumentUpdate.document_id == document.id)
    )
    return int(count or 0)
