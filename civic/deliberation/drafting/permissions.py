"""Who may edit, suggest or only read a document: pure predicates, tested as role × mode tables."""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, runs_consultation
from civic.consultations.services import component_enabled
from civic.deliberation.drafting.models import Document

EDITOR = "editor"
SUGGESTER = "suggester"
VIEWER = "viewer"
ROLES = (EDITOR, SUGGESTER, VIEWER)


def can_view_document(user: User | None, document: Document) -> bool:
    return can_view_consultation(user, document.consultation)


def can_manage_documents(user: User | None, consultation: Consultation) -> bool:
    """Create documents, set their mode and co-authors: the consultation's moderators and administrators."""
    return runs_consultation(user, consultation)


def is_named_editor(user: User | None, document: Document) -> bool:
    return user is not None and any(e.user_id == user.id for e in document.editors)


def role_for(user: User | None, document: Document, now: datetime | None = None) -> str:
    """Return the role the mode gives this person, before the cap on simultaneous editors.

    Outside a phase enabling co-drafting only moderators may still edit (to prepare or fix a text).
    """
    consultation = document.consultation
    if user is None or not can_view_consultation(user, consultation) or document.mode == Document.FINAL:
        return VIEWER
    moderator = runs_consultation(user, consultation)
    if not moderator and not component_enabled(consultation, "drafting", now):
        return VIEWER
    if document.mode == Document.OPEN:
        return EDITOR
    if document.mode == Document.EDITORS:
        return EDITOR if moderator or is_named_editor(user, document) else SUGGESTER
    return SUGGESTER


def can_edit_document(user: User | None, document: Document, now: datetime | None = None) -> bool:
    return role_for(user, document, now) == EDITOR
