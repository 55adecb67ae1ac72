"""Documents: found for a person, created with a starting text, given titles, a mode and a cap."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting import crdt, permissions
from civic.deliberation.drafting.errors import TooLarge
from civic.deliberation.drafting.models import TITLE_MAX, Document, DocumentUpdate
from civic.errors import Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.timestamps import utcnow

# (document id, new mode) -> None: called after a moderator changed a document's mode.
ModeChanged = Callable[[int, str], None]
_mode_listeners: list[ModeChanged] = []


def on_mode_change(listener: ModeChanged) -> None:
    """Call `listener` after each change of a document's mode (idempotent)."""
    if listener not in _mode_listeners:
        _mode_listeners.append(listener)


def get_document(consultation: Consultation, document_id: int, user: User | None) -> Document:
    """The consultation's document with this id if this person may read it; NotFound otherwise."""
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.consultation_id != consultation.id
        or not permissions.can_view_document(user, document)
    ):
        raise NotFound()
    return document


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


def check_text_size(text: str) -> None:
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
    check_text_size(text)
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
    """Change titles, mode and cap; people writing it are given their role under the new mode at once."""
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
        for listener in _mode_listeners:
            listener(document.id, mode)
