"""Socket.IO: joining a thread's room is checked, and new comments, edits and hides reach the room."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from civic.deliberation.discussion import services
from civic.deliberation.moderation import services as moderation
from civic.extensions import socketio
from tests.conftest import sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user

NS = "/discussion"


def _socket(app: Flask, client: FlaskClient) -> Any:
    return socketio.test_client(app, namespace=NS, flask_test_client=client)


def _events(socket: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e["name"], e["args"][0]) for e in socket.get_received(NS)]


def test_viewer_joins_and_receives_a_new_comment(app: Flask, client: FlaskClient) -> None:
    thread = make_thread(discussion_consultation())
    socket = _socket(app, client)
    assert socket.emit("join", {"thread": thread.id}, namespace=NS, callback=True) == {"ok": True}
    comment = make_comment(thread, make_user())
    assert (
        "comment.created",
        {"thread_id": thread.id, "comment_id": comment.id, "parent_id": None, "depth": 0},
    ) in _events(socket)
    socket.disconnect(namespace=NS)


def test_edits_hides_and_deletes_are_announced(app: Flask, client: FlaskClient) -> None:
    moderator, author = make_user(), make_user()
    consultation = discussion_consultation(moderators=[moderator])
    thread = make_thread(consultation)
    comment = make_comment(thread, author, "Texte")
    other = make_comment(thread, author, "Autre")
    socket = _socket(app, client)
    socket.emit("join", {"thread": thread.id}, namespace=NS, callback=True)
    services.edit_comment(author, comment, "Texte corrigé")
    moderation.hide(moderator, consultation, "comment", comment.id, "Hors sujet")
    services.delete_comment(author, other)
    names = [(name, data["comment_id"]) for name, data in _events(socket)]
    assert names == [
        ("comment.edited", comment.id),
        ("comment.hidden", comment.id),
        ("comment.deleted", other.id),
    ]
    socket.disconnect(namespace=NS)


def test_anonymous_cannot_join_a_registered_only_thread(app: Flask, client: FlaskClient) -> None:
    thread = make_thread(discussion_consultation(visibility="registered"))
    socket = _socket(app, client)
    assert socket.emit("join", {"thread": thread.id}, namespace=NS, callback=True) == {
        "ok": False,
        "error": "not-found",
    }
    make_comment(thread, make_user())
    assert _events(socket) == []
    socket.disconnect(namespace=NS)


def test_signed_in_reader_joins_a_registered_only_thread(app: Flask, client: FlaskClient) -> None:
    thread = make_thread(discussion_consultation(visibility="registered"))
    sign_in(client, make_user().email)
    socket = _socket(app, client)
    assert socket.emit("join", {"thread": thread.id}, namespace=NS, callback=True) == {"ok": True}
    socket.disconnect(namespace=NS)


def test_malformed_join_is_refused(app: Flask, client: FlaskClient) -> None:
    socket = _socket(app, client)
    assert socket.emit("join", {"thread": "1; drop"}, namespace=NS, callback=True) == {
        "ok": False,
        "error": "bad-request",
    }
    assert socket.emit("join", "nonsense", namespace=NS, callback=True) == {
        "ok": False,
        "error": "bad-request",
    }
    socket.disconnect(namespace=NS)
