"""Named co-authors: who may edit a document in "editors" mode besides its moderators."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.accounts.services import find_user_by_email
from civic.deliberation.drafting import permissions
from civic.deliberation.drafting.models import Document, DocumentEditor
from civic.errors import Conflict, Forbidden, Invalid
from civic.extensions import db


def add_editor(user: User | None, document: Document, email: str) -> User:
    """Name the account with this address a co-author of the document."""
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    person = find_user_by_email(email)
    if person is None:
        raise Invalid(_("No account uses this e-mail address."))
    if permissions.is_named_editor(person, document):
        raise Conflict(_("This person is already a co-author."))
    document.editors.append(DocumentEditor(user_id=person.id))
    db.session.commit()
    return person


def remove_editor(user: User | None, document: Document, user_id: int) -> None:
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    document.editors[:] = [e for e in document.editors if e.user_id != user_id]
    db.session.commit()
