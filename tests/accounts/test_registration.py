"""No account enumeration: registering and signing in say nothing, by their answer or their time, of which
addresses have an account; new accounts confirm their address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.extensions import db
from tests.conftest import html_text, post_form
from tests.factories import PASSWORD, make_user

FORM = {"display_name": "Marie Curie", "password": "une phrase assez longue", "locale": "fr"}


def _register(client: FlaskClient, email: str, **fields: str) -> Any:
    return post_form(client, "/register", {**FORM, "email": email, **fields})


def _link(app: Flask) -> str:
    body = app.extensions["civic_outbox"][-1].get_content()
    match = re.search(r"http://civic\.test(/register/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def _users() -> int:
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def _answer(response: Any) -> tuple[int, str, str]:
    """What a visitor sees of a registration: status, where it leads, and that page."""
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def test_new_and_taken_addresses_get_the_same_answer_and_one_mail_each(app: Flask) -> None:
    make_user(email="prise@example.org")
    unconfirmed = make_user(email="attente@example.org")
    unconfirmed.email_confirmed_at = None
    db.session.commit()
    answers = [
        _answer(_register(app.test_client(), email))
        for email in ("nouvelle@example.org", "prise@example.org", "attente@example.org")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert [m["To"] for m in app.extensions["civic_outbox"]] == [
        "nouvelle@example.org",
        "prise@example.org",
        "attente@example.org",
    ]


def test_each_path_does_the_same_password_work(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The time a registration takes is the password hash's: every path hashes once and sends one mail."""
    make_user(email="prise@example.org")
    hashed: list[str] = []
    real = PasswordHasher.hash
    monkeypatch.setattr(
        PasswordHasher, "hash", lambda self, secret, **kw: hashed.append("h") or real(self, secret, **kw)
    )
    for email in ("nouvelle@example.org", "prise@example.org"):
        before = len(hashed), len(app.extensions["civic_outbox"])
        _register(app.test_client(), email)
        assert (len(hashed) - before[0], len(app.extensions["civic_outbox"]) - before[1]) == (1, 1), email


def test_sign_in_verifies_a_hash_whether_or_not_the_address_has_an_account(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    verified: list[str] = []
    real = PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher,
        "verify",
        lambda self, stored, secret: verified.append(stored[:20]) or real(self, stored, secret),
    )
    for email in (user.email, "personne@example.org"):
        response = post_form(app.test_client(), "/sign-in", {"email": email, "password": "pas le bon mot"})
        assert response.status_code == 401
    assert len(verified) == 2
    # The same parameters (cost) for the unknown address as for the real hash.
    assert verified[0] == verified[1]


def test_the_unknown_address_answer_is_the_wrong_password_answer(app: Flask) -> None:
    user = make_user()
    wrong = post_form(app.test_client(), "/sign-in", {"email": user.email, "password": "pas le bon mot"})
    unknown = post_form(
        app.test_client(), "/sign-in", {"email": "x" + user.email, "password": "pas le bon mot"}
    )
    strip = lambda page: re.sub(r'value="[^"]*"', "", page)  # noqa: E731 - the typed address and token differ
    assert (wrong.status_code, strip(html_text(wrong))) == (unknown.status_code, strip(html_text(unknown)))


def test_a_taken_address_keeps_its_account_untouched(app: Flask, client: FlaskClient) -> None:
    owner = make_user(email="prise@example.org", name="Propriétaire")
    before = (owner.password_hash, owner.display_name, owner.session_token)
    _register(client, "prise@example.org")
    db.session.refresh(owner)
    assert (owner.password_hash, owner.display_name, owner.session_token) == before
    assert _users() == 1
    # The mail says how to sign in, and carries no link that would sign anyone in.
    body = app.extensions["civic_outbox"][-1].get_content()
    assert "/sign-in" in body and "/register/confirm/" not in body


def test_the_confirmation_link_signs_in_once_and_brings_the_person_back(
    app: Flask, client: FlaskClient
) -> None:
    response = post_form(
        client, "/register?next=/c/plan/proposals/new", {**FORM, "email": "marie@example.org"}
    )
    assert response.status_code == 302
    link = _link(app)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/c/plan/proposals/new"
    assert "Se déconnecter" in client.get("/").get_data(as_text=True)
    again = app.test_client().get(link)
    assert again.status_code == 422 and "déjà été utilisé" in html_text(again)


def test_an_expired_or_forged_confirmation_link_is_refused(app: Flask, client: FlaskClient) -> None:
    _register(client, "marie@example.org")
    link = _link(app)
    app.config["CONFIRM_HOURS"] = -1
    try:
        assert client.get(link).status_code == 422
    finally:
        app.config["CONFIRM_HOURS"] = 48
    assert client.get("/register/confirm/not-a-token").status_code == 422
    user = db.session.scalar(select(User).where(User.email == "marie@example.org"))
    assert user is not None and user.email_confirmed_at is None


def test_an_unconfirmed_account_cannot_sign_in_and_gets_its_link_again(
    app: Flask, client: FlaskClient
) -> None:
    _register(client, "marie@example.org")
    sent = len(app.extensions["civic_outbox"])
    response = post_form(client, "/sign-in", {"email": "marie@example.org", "password": FORM["password"]})
    assert response.status_code == 401 and "pas encore confirmée" in html_text(response)
    assert len(app.extensions["civic_outbox"]) == sent + 1
    assert client.get(_link(app)).status_code == 302  # the new link works


def test_registering_an_unconfirmed_address_again_replaces_it_and_its_old_link(app: Flask) -> None:
    _register(app.test_client(), "marie@example.org", display_name="Première")
    first = _link(app)
    _register(app.test_client(), "marie@example.org", display_name="Seconde")
    assert _users() == 1
    assert app.test_client().get(first).status_code == 422
    client = app.test_client()
    assert client.get(_link(app)).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "marie@example.org"))
    assert user is not None and user.display_name == "Seconde"


def test_a_password_reset_confirms_the_address(app: Flask, client: FlaskClient) -> None:
    _register(client, "marie@example.org")
    post_form(client, "/password/forgot", {"email": "marie@example.org"})
    body = app.extensions["civic_outbox"][-1].get_content()
    link = re.search(r"http://civic\.test(/password/reset/\S+)", body)
    assert link
    new = "une nouvelle phrase secrète"
    assert post_form(client, link.group(1), {"new": new, "confirm": new}).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "marie@example.org"))
    assert user is not None and user.email_confirmed_at is not None


def test_the_demo_and_test_accounts_can_sign_in(client: FlaskClient) -> None:
    user = make_user()
    response = post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_an_invisible_display_name_is_refused_on_its_field(app: Flask, client: FlaskClient) -> None:
    response = _register(client, "marie@example.org", display_name="\u3164\u200b")
    page = html_text(response)
    assert response.status_code == 422 and "display_name-error" in page and "invisibles" in page
    assert _users() == 0 and app.extensions["civic_outbox"] == []
