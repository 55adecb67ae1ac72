"""Restoring an old version: its text made current again, as a new version "restored from version N"."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.deliberation.drafting import crdt, permissions
from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.log import rows
from civic.deliberation.drafting.log.updates import receive_update
from civic.deliberation.drafting.models import Document, DocumentVersion
from civic.errors import Conflict, Forbidden


def restore_version(user: User | None, document: Document, number: int) -> DocumentVersion:
    """Make an old version's text the current text again, as a new version "restored from version N".

    The current text is turned into the old one by Yjs deletes and inserts (as the no-JavaScript form
    does), stored as one update row by the moderator and relayed to everyone editing.
    """
    if not permissions.can_manage_documents(user, document.consultation):
        raise Forbidden()
    sanctions.ensure_can_participate(user)
    if document.mode == Document.FINAL:
        raise Conflict(_("This document is final: its text can no longer change."))
    old = versions.get_version(document, number)
    doc, _last = rows.rebuild(document.id)
    if crdt.text_of(doc) == old.text:
        raise Conflict(_("The text is already that of version %(n)d.", n=number))
    author = user.id if user is not None else None
    receive_update(document, author, crdt.rewrite(doc, old.text), permissions.EDITOR)
    with versions.history_lock:
        versions.record_quiet_bursts(document)
        version = versions.record_version(document, user, "")
        versions.summarise_version(version, restored_from=number)
    return version
