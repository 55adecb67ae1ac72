"""Co-drafting: documents many people write at once (Yjs in the browser, pycrdt here), with versions."""

from __future__ import annotations

from flask import Flask

from civic import components
from civic.accounts.models import User
from civic.extensions import db, socketio


def _readable(document_id: int, user: User | None) -> bool:
    """A document's discussion is as readable as the document."""
    from civic.deliberation.drafting.models import Document
    from civic.deliberation.drafting.permissions import can_view_document

    document = db.session.get(Document, document_id)
    return document is not None and can_view_document(user, document)


def init_app(app: Flask) -> None:
    from civic.deliberation.discussion import commentables
    from civic.deliberation.drafting import (
        amendments,
        models,  # noqa: F401 - tables known to Alembic
    )
    from civic.deliberation.drafting.events import DraftingNamespace
    from civic.deliberation.drafting.live import NAMESPACE, Workspace
    from civic.deliberation.drafting.views import bp

    app.register_blueprint(bp)
    commentables.register("document", _readable)
    amendments.init_app(app)
    components.attach("drafting", "drafting.index")
    app.extensions["drafting"] = Workspace(app)
    # realtime.init_app has just made this app's Socket.IO server: register the namespace on it.
    socketio.on_namespace(DraftingNamespace(NAMESPACE))
