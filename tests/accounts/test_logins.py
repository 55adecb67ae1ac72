"""Signing out ends the session on the server: copied cookies, remember-me cookies and live connections."""

from __future__ import annotations

import contextvars
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import Login, User
from civic.extensions import db, socketio
from civic.timestamps import utcnow
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import PASSWORD, make_document, make_user

SIGNED_IN = "Se déconnecter"  # the header's sign-out button
DOMAIN = "civic.test"  # the tests' SERVER_NAME


def _signed_in(client: FlaskClient) -> bool:
    return SIGNED_IN in client.get("/").get_data(as_text=True)


def _copy(app: Flask, client: FlaskClient, *names: str) -> FlaskClient:
    """Another browser holding copies of these cookies of `client` (as a thief would)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name, domain=DOMAIN)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value, domain=DOMAIN)
    return other


def _logins(user: User) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).where(Login.user_id == user.id)) or 0)


def test_a_copied_session_cookie_is_dead_after_signing_out(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    thief = _copy(app, client, "session")
    assert _signed_in(thief)  # the copy works while the sign-in lasts
    post_form(client, "/sign-out", {}, token_from="/")
    assert not _signed_in(client)
    assert not _signed_in(thief)
    assert _logins(user) == 0


def test_a_remember_me_cookie_is_dead_after_signing_out(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email, remember=True)
    thief = _copy(app, client, "remember_token")  # only the 14-day cookie, no session
    assert _signed_in(thief)
    post_form(client, "/sign-out", {}, token_from="/")
    assert not _signed_in(_copy(app, thief, "remember_token"))


def test_signing_out_ends_only_that_sign_in(app: Flask) -> None:
    user = make_user()
    home, work = app.test_client(), app.test_client()
    sign_in(home, user.email)
    sign_in(work, user.email)
    post_form(home, "/sign-out", {}, token_from="/")
    assert not _signed_in(home) and _signed_in(work)


def test_sign_out_everywhere_ends_every_sign_in_and_remember_cookie(app: Flask) -> None:
    user = make_user()
    home, work, phone = app.test_client(), app.test_client(), app.test_client()
    sign_in(home, user.email)
    sign_in(work, user.email)
    sign_in(phone, user.email, remember=True)
    kept = _copy(app, phone, "remember_token")
    page = html_text(home.get("/account"))
    assert "Vous êtes connecté·e sur 3 navigateurs ou appareils." in page, page[
        page.find('<h2 id="sessions') :
    ][:300]
    response = post_form(home, "/account/sign-out-everywhere", {}, token_from="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not any(_signed_in(c) for c in (home, work, phone, kept))
    assert _logins(user) == 0


def test_sign_out_everywhere_needs_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert _signed_in(client)


def test_a_password_change_ends_the_other_sign_ins_and_keeps_this_one(app: Flask) -> None:
    user = make_user()
    here, there = app.test_client(), app.test_client()
    sign_in(here, user.email)
    sign_in(there, user.email, remember=True)
    kept = _copy(app, there, "remember_token")
    new = "une autre phrase de passe"
    response = post_form(here, "/account", {"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(there) and not _signed_in(kept)
    assert _logins(user) == 1


def test_a_sign_in_without_remember_me_ends_after_its_lifetime(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    login = db.session.scalar(select(Login).where(Login.user_id == user.id))
    assert login is not None
    assert login.expires_at - login.created_at == app.config["SESSION_LIFETIME"]
    login.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not _signed_in(client)


def test_a_remembered_sign_in_lasts_as_long_as_its_cookie(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email, remember=True)
    login = db.session.scalar(select(Login).where(Login.user_id == user.id))
    assert login is not None and login.remember
    assert login.expires_at - login.created_at == app.config["REMEMBER_COOKIE_DURATION"]


def test_only_a_hash_of_the_sign_in_key_is_stored(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email, remember=True)
    cookie = client.get_cookie("remember_token", domain=DOMAIN)
    assert cookie is not None
    key = cookie.value.split("|")[0].split(":", 1)[1]
    stored = db.session.scalar(select(Login.key_hash).where(Login.user_id == user.id))
    assert stored is not None and key not in stored and len(stored) == 64


# ---- live connections of the sign-in are closed ---------------------------------------------------------


class _Socket:
    """A page's Socket.IO connection; each event in a fresh context, as in production (otherwise
    handlers share the test's app context, and its cached signed-in person, with every other page)."""

    def __init__(self, app: Flask, client: FlaskClient, namespace: str) -> None:
        self.namespace = namespace
        self.socket = contextvars.Context().run(
            socketio.test_client, app, namespace=namespace, flask_test_client=client
        )

    def emit(self, *args: Any) -> Any:
        return contextvars.Context().run(self.socket.emit, *args, namespace=self.namespace, callback=True)

    def is_connected(self) -> bool:
        return bool(self.socket.is_connected(self.namespace))

    def close(self) -> None:
        if self.is_connected():
            contextvars.Context().run(self.socket.disconnect, namespace=self.namespace)


def _socket(app: Flask, client: FlaskClient, namespace: str) -> _Socket:
    return _Socket(app, client, namespace)


def test_signing_out_closes_that_sign_in_s_live_connections(app: Flask) -> None:
    user = make_user()
    mine, other = app.test_client(), app.test_client()
    sign_in(mine, user.email)
    sign_in(other, user.email)
    socket = _socket(app, mine, "/notifications")
    assert socket.emit("join", {"user": user.id})["ok"]
    elsewhere = _socket(app, other, "/notifications")
    post_form(mine, "/sign-out", {}, token_from="/")
    assert not socket.is_connected()
    assert elsewhere.is_connected()  # another sign-in of the same person
    elsewhere.close()


def test_sign_out_everywhere_closes_an_open_co_drafting_connection(app: Flask) -> None:
    from tests.deliberation.drafting.sync.sockets import Browser

    user = make_user()
    document = make_document(drafting_consultation(), text="Un texte")
    editor, laptop = Browser(app, user), app.test_client()
    sign_in(laptop, user.email)
    assert editor.connect(document)["role"] == "editor"
    post_form(laptop, "/account/sign-out-everywhere", {}, token_from="/account")
    editor.close()  # waits for the server's end of the connection to finish
    assert editor.socket is not None and editor.socket.closed.is_set()  # closed by the server
    assert not editor.is_connected()


def test_signing_out_closes_that_sign_in_s_co_drafting_connection_only(app: Flask) -> None:
    from tests.deliberation.drafting.sync.sockets import Browser

    user = make_user()
    document = make_document(drafting_consultation(), text="Un texte")
    mine, other = Browser(app, user), Browser(app, user)
    mine.connect(document)
    other.connect(document)
    post_form(mine.http, "/sign-out", {}, token_from="/")
    mine.close()
    assert mine.socket is not None and mine.socket.closed.is_set()
    assert other.is_connected()  # another sign-in of the same person
    other.close()


def test_a_password_reset_closes_the_live_connections(app: Flask) -> None:
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user.email)
    socket = _socket(app, browser, "/discussion")
    post_form(app.test_client(), "/password/forgot", {"email": user.email})
    body = app.extensions["civic_outbox"][-1].get_content()
    link = re.search(r"http://civic\.test(/password/reset/\S+)", body)
    assert link
    new = "une nouvelle phrase secrète"
    assert post_form(app.test_client(), link.group(1), {"new": new, "confirm": new}).status_code == 302
    assert not socket.is_connected()
    assert not _signed_in(browser)
