"""The header's live unread count: each person's pages join their own Socket.IO room, and only theirs;
a new notification, or marking them read, publishes the new count there."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from civic.accounts.models import User
from civic.deliberation.proposals import services as proposals
from civic.extensions import socketio
from civic.notifications import services
from tests.conftest import post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_consultation, make_proposal, make_user

NS = "/notifications"


def _socket(app: Flask, client: FlaskClient) -> Any:
    return socketio.test_client(app, namespace=NS, flask_test_client=client)


def _join(socket: Any, data: object) -> Any:
    """Emit "join" as its own event: the test's open app context must not lend it a cached user."""
    return contextvars.Context().run(socket.emit, "join", data, namespace=NS, callback=True)


def _counts(socket: Any) -> list[int]:
    return [e["args"][0]["unread"] for e in socket.get_received(NS) if e["name"] == "notifications.unread"]


def _joined(app: Flask, user: User) -> Any:
    """A socket of `user`'s own browser, joined to their room."""
    client = app.test_client()
    sign_in(client, user.email)
    socket = _socket(app, client)
    assert _join(socket, {"user": user.id})["ok"] is True
    return socket


def test_a_person_joins_their_own_room_and_learns_their_count(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    services.notify(user.id, "reply", None, "/x", "Jean", "Bonjour")
    sign_in(client, user.email)
    socket = _socket(app, client)
    assert _join(socket, {"user": user.id}) == {"ok": True, "unread": 1}
    socket.disconnect(namespace=NS)


def test_nobody_can_join_another_persons_room(app: Flask, client: FlaskClient) -> None:
    victim, intruder = make_user(), make_user()
    sign_in(client, intruder.email)
    socket = _socket(app, client)
    answer = _join(socket, {"user": victim.id})
    assert answer == {"ok": False, "error": "forbidden"}
    services.notify(victim.id, "reply", None, "/x", "Jean", "Bonjour")
    assert socket.get_received(NS) == []
    socket.disconnect(namespace=NS)


def test_anonymous_visitors_cannot_join_any_room(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    socket = _socket(app, client)
    assert _join(socket, {"user": user.id}) == {
        "ok": False,
        "error": "forbidden",
    }
    services.notify(user.id, "reply", None, "/x", "Jean", "Bonjour")
    assert socket.get_received(NS) == []
    socket.disconnect(namespace=NS)


@pytest.mark.parametrize("data", [{"user": "1"}, {"user": True}, {"user": None}, "nonsense", [1], None])
def test_malformed_join_is_refused(app: Flask, client: FlaskClient, data: object) -> None:
    sign_in(client, make_user().email)
    socket = _socket(app, client)
    assert _join(socket, data) == {"ok": False, "error": "bad-request"}
    socket.disconnect(namespace=NS)


def test_a_reply_publishes_the_new_count_to_its_recipient_only(app: Flask) -> None:
    author, replier, bystander = make_user(), make_user(), make_user()
    thread = make_thread(discussion_consultation())
    top = make_comment(thread, author)
    author_socket, bystander_socket = _joined(app, author), _joined(app, bystander)
    make_comment(thread, replier, "Je réponds", parent=top)
    assert _counts(author_socket) == [1]
    make_comment(thread, replier, "Encore", parent=top)
    assert _counts(author_socket) == [2]
    assert bystander_socket.get_received(NS) == []
    author_socket.disconnect(namespace=NS)
    bystander_socket.disconnect(namespace=NS)


def test_an_official_answer_publishes_the_count(app: Flask) -> None:
    moderator, author = make_user(), make_user()
    proposal = make_proposal(make_consultation(moderators=[moderator]), author)
    socket = _joined(app, author)
    proposals.answer_proposal(moderator, proposal, "accepted", "Retenue.")
    assert _counts(socket) == [1]
    socket.disconnect(namespace=NS)


def test_marking_all_read_publishes_zero_to_the_other_tabs(app: Flask) -> None:
    user = make_user()
    services.notify(user.id, "reply", None, "/x", "Jean", "Bonjour")
    other_tab = _joined(app, user)
    client = app.test_client()
    sign_in(client, user.email)
    post_form(client, "/notifications/read", {}, token_from="/notifications")
    assert _counts(other_tab) == [0]
    other_tab.disconnect(namespace=NS)


def test_unread_wording_for_the_header_script(client: FlaskClient) -> None:
    user = make_user(locale="en")
    sign_in(client, user.email)
    assert client.get("/notifications/unread").get_json() == {
        "unread": 0,
        "label": "",
        "announcement": "You have 0 unread notifications.",
    }
    for _ in range(2):
        services.notify(user.id, "reply", None, "/x", "Jean", "Bonjour")
    response = client.get("/notifications/unread")
    assert response.get_json() == {
        "unread": 2,
        "label": "2 unread",
        "announcement": "You have 2 unread notifications.",
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_unread_wording_is_in_the_readers_language(client: FlaskClient) -> None:
    user = make_user(locale="fr")
    services.notify(user.id, "reply", None, "/x", "Jean", "Bonjour")
    sign_in(client, user.email)
    assert client.get("/notifications/unread").get_json()["label"] == "1 non lue"


def test_unread_wording_needs_sign_in(client: FlaskClient) -> None:
    assert client.get("/notifications/unread").status_code == 302


@pytest.mark.usefixtures("app")
def test_answers_stored_under_their_former_kind_keep_their_sentence() -> None:
    with force_locale("en"):
        assert services.message("answer", "Modé") == "Modé answered your proposal"
        assert services.message("proposal_answered", "Modé") == "Modé answered your proposal"
