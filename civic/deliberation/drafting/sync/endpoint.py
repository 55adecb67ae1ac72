"""The sync endpoint: /c/<slug>/documents/<id>/sync, a WebSocket speaking y-websocket for one document.

The request is an ordinary page request until it is accepted: the session cookie says who it is, the
document must be one this person may read (404 otherwise, as for its page), and a browser's Origin
must be the site's own (a page elsewhere cannot borrow a visitor's cookie for it). Only then is it
upgraded, by the response object itself once Flask has finished with the request.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from civic import connections
from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.deliberation.drafting import documents, modes
from civic.deliberation.drafting.sync import transport
from civic.deliberation.drafting.sync.connection import Connection, DocumentRef, Grant, Person
from civic.deliberation.drafting.sync.session import Session
from civic.deliberation.drafting.sync.workspace import workspace
from civic.errors import Forbidden
from civic.extensions import db, socketio

bp = Blueprint("drafting_sync", __name__, url_prefix="/c/<slug>/documents")


def is_upgrade(environ: dict[str, Any]) -> bool:
    """Tell whether the request asks to become a WebSocket."""
    asked = {part.strip().lower() for part in environ.get("HTTP_CONNECTION", "").split(",")}
    return "upgrade" in asked and environ.get("HTTP_UPGRADE", "").lower() == "websocket"


def same_origin() -> bool:
    """A browser's Origin names this site (clients other than browsers send none)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc.lower() == request.host.lower()


class Accepted(Response):
    """The answer to an accepted request: called by the WSGI server, it upgrades and serves the session."""

    def __init__(self, app: Flask, session: Session) -> None:
        super().__init__(status=101)
        self.app, self.session = app, session

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        db.session.remove()  # the request's: nothing held while the connection lives
        app, session = self.app, self.session
        limit = app.config["DRAFTING_MAX_UPDATE_BYTES"] * 4 + 1024  # larger: closed (1009), not refused

        def handler(ws: Any) -> None:
            transport.serve(app, session, ws, socketio.start_background_task)

        return workspace(app).upgrade(environ, start_response, handler, limit)


# Werkzeug matches a WebSocket request only to a rule made for one; a plain request to the same address
# gets the other rule, whose answer says to upgrade (426).
@bp.route("/<int:document_id>/sync", websocket=True)
@bp.route("/<int:document_id>/sync")
def connect(slug: str, document_id: int) -> ResponseReturnValue:
    """Open the document's WebSocket (y-websocket; Civic's own messages with ?civic=1)."""
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    document = documents.get_document(consultation, document_id, user)
    if not is_upgrade(request.environ):
        return "", 426, {"Upgrade": "websocket", "Connection": "Upgrade"}
    if not same_origin():
        raise Forbidden()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = Connection(
        id=Connection.new_id(workspace(app).host),
        document_id=document.id,
        person=Person.of(user),
        locale=str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        extras=request.args.get("civic") == "1",
        tags=tuple(connections.tags()),
    )
    grant = Grant(modes.role_of(user, document), DocumentRef.of(document), time.monotonic())
    return Accepted(app, Session(app, connection, grant))


def close(connection_ids: list[str]) -> None:
    """Close these connections, on whichever process holds them (civic.connections' closer)."""
    workspace().close(connection_ids)
