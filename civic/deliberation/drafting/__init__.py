"""Co-drafting: documents many people write at once (Yjs in the browser, pycrdt here), with versions.

Layers, each importing only those below it (pyproject.toml's import contracts): the pages (views,
amendments, the demo); the real-time engine (sync/, with its endpoint); the domain verbs (documents,
editors, merge, restore); history (versions, who wrote what); what a mode makes of a person (modes); the
update log (log/); and plain values and rules (models, permissions, errors, crdt, wire, diff, forms).
Lower layers tell higher ones through listeners registered here: the log's committed rows, a change
of mode, a sign-out's connections to close.
"""

from __future__ import annotations

from flask import Flask

from civic import components, connections
from civic.accounts.models import User
from civic.extensions import db


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
        documents,
        models,  # noqa: F401 - tables known to Alembic
    )
    from civic.deliberation.drafting.history import timers
    from civic.deliberation.drafting.log import copies, updates
    from civic.deliberation.drafting.sync import endpoint, workspace
    from civic.deliberation.drafting.sync.connection import KIND
    from civic.deliberation.drafting.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(endpoint.bp)
    commentables.register("document", _readable)
    amendments.init_app(app)
    components.attach("drafting", "drafting.index")
    app.extensions["drafting_copies"] = copies.Copies()
    app.extensions["drafting_sync"] = workspace.Workspace(app)
    # What the log commits is relayed to the document's readers and starts its version timer; a change
    # of mode reaches the people writing it; a sign-out closes its connections.
    updates.on_committed(workspace.committed)
    updates.on_committed(timers.after_commit)
    copies.on_found(workspace.found)
    documents.on_mode_change(workspace.mode_changed)
    connections.add_closer(KIND, endpoint.close)
