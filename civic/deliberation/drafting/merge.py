"""The no-JavaScript edit: a whole submitted text merged with what others wrote since its base."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.deliberation.drafting import crdt, permissions
from civic.deliberation.drafting.documents import check_text_size, normalise_text
from civic.deliberation.drafting.errors import NotAllowed, StaleBase
from civic.deliberation.drafting.log import rows
from civic.deliberation.drafting.log.updates import receive_update
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.deliberation.drafting.modes import role_of
from civic.extensions import db


def stale_base() -> StaleBase:
    """The refusal of a form whose base is not one of this document's rows."""
    return StaleBase(
        _("This form does not match this document. Copy your text, reload the page and try again.")
    )


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
    check_text_size(text)
    if base < 0 or (
        base > 0
        and db.session.scalar(
            select(DocumentUpdate.id).where(
                DocumentUpdate.id == base, DocumentUpdate.document_id == document.id
            )
        )
        is None
    ):
        raise stale_base()
    doc, _last = rows.rebuild(document.id, base)
    if crdt.text_of(doc) == text:
        return 0
    update = crdt.rewrite(doc, text)
    return receive_update(document, user.id if user is not None else None, update, role)
