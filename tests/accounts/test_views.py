"""Registration, sign-in, sessions, password change and reset, through the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.extensions import db
from tests.conftest import csrf_token, html_text, post_form, sign_in
from tests.factories import PASSWORD, make_user


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def _register(client: FlaskClient, **fields: str) -> object:
    data = {
        "display_name": "Marie Curie",
        "email": "marie@example.org",
        "password": "a long enough pass",
        "locale": "fr",
    }
    data.update(fields)
    return post_form(client, "/register", data)


def test_registration_creates_an_account_that_the_mailed_link_confirms(
    app: Flask, client: FlaskClient
) -> None:
    response = _register(client, locale="en")
    assert response.status_code == 302 and response.headers["Location"] == "/register/sent"
    user = db.session.scalar(select(User).where(User.email == "marie@example.org"))
    assert user is not None and user.locale == "en" and user.password_hash.startswith("$argon2id$")
    assert user.email_confirmed_at is None
    assert "Sign out" not in client.get("/").get_data(as_text=True)  # not signed in before confirming
    assert "marie@example.org" in html_text(client.get("/register/sent"))
    link = _link(app, "/register/confirm/")
    assert client.get(link).status_code == 302
    assert "Sign out" in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_registration_normalises_email_case(client: FlaskClient) -> None:
    _register(client, email="Marie@Example.ORG")
    assert db.session.scalar(select(User.email)) == "marie@example.org"


def test_empty_registration_is_refused_and_nothing_written(client: FlaskClient) -> None:
    response = _register(client, display_name="", email="", password="")
    page = html_text(response)
    assert response.status_code == 422
    assert _users() == 0
    assert 'aria-invalid="true"' in page and "display_name-error" in page


def test_too_long_name_is_refused_with_typed_text_kept(client: FlaskClient) -> None:
    response = _register(client, display_name="x" * 81)
    page = html_text(response)
    assert response.status_code == 422
    assert _users() == 0
    assert 'value="marie@example.org"' in page  # the e-mail typed is kept
    assert "a long enough pass" not in page  # but never the password


def test_malformed_email_is_refused(client: FlaskClient) -> None:
    response = _register(client, email="not-an-address")
    assert response.status_code == 422
    assert _users() == 0


def test_short_password_is_refused(client: FlaskClient) -> None:
    response = _register(client, password="short")
    assert response.status_code == 422
    assert "Entre 10 et 200 caractères." in html_text(response)


def test_unknown_language_choice_is_refused(client: FlaskClient) -> None:
    assert _register(client, locale="de").status_code == 422
    assert _users() == 0


def test_registering_a_taken_address_answers_the_same_and_tells_its_owner(app: Flask) -> None:
    owner = make_user(email="marie@example.org", locale="en")
    before = owner.password_hash
    taken = _register(app.test_client(), email="MARIE@example.org")
    new = _register(app.test_client(), email="pierre@example.org")
    assert (taken.status_code, taken.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert _users() == 2  # the owner and Pierre: no second account for Marie's address
    db.session.refresh(owner)
    assert owner.password_hash == before and owner.display_name != "Marie Curie"
    to_owner = app.extensions["civic_outbox"][0]
    assert to_owner["To"] == "marie@example.org"
    assert to_owner["Subject"] == "Someone tried to create a Civic account with your address"
    assert "/password/forgot" in to_owner.get_content() and "/register/confirm/" not in to_owner.get_content()


def test_registration_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/register", data={"display_name": "X", "email": "x@example.org", "password": "a long enough pass"}
    )
    assert response.status_code == 400
    assert _users() == 0
    assert "Le formulaire a expiré" in html_text(response)


def test_registration_with_forged_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/register",
        data={
            "csrf_token": "forged",
            "display_name": "X",
            "email": "x@example.org",
            "password": "a long enough pass",
        },
    )
    assert response.status_code == 400
    assert _users() == 0


def test_wrong_password_keeps_email_and_says_so(client: FlaskClient) -> None:
    make_user(email="jean@example.org")
    response = post_form(client, "/sign-in", {"email": "jean@example.org", "password": "wrong password!"})
    page = html_text(response)
    assert response.status_code == 401
    assert "L'adresse courriel ou le mot de passe est incorrect." in page
    assert 'value="jean@example.org"' in page
    assert "wrong password!" not in page


def test_unknown_account_gets_the_same_message(client: FlaskClient) -> None:
    response = post_form(client, "/sign-in", {"email": "nobody@example.org", "password": "whatever it is"})
    assert response.status_code == 401
    assert "L'adresse courriel ou le mot de passe est incorrect." in html_text(response)


def test_empty_sign_in_is_refused(client: FlaskClient) -> None:
    assert post_form(client, "/sign-in", {"email": "", "password": ""}).status_code == 422


def test_session_cookie_ends_with_browser_unless_remembered(client: FlaskClient) -> None:
    user = make_user()
    response = sign_in(client, user.email)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert (
        "Expires" not in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    )
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_remember_me_sets_a_lasting_cookie(client: FlaskClient) -> None:
    user = make_user()
    response = sign_in(client, user.email, remember=True)
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Expires" in remember and "HttpOnly" in remember


def test_idle_session_expires_after_thirty_minutes(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - timedelta(minutes=31)).timestamp()
    assert "Sign out" not in client.get("/").get_data(as_text=True)
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_active_session_survives(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - timedelta(minutes=29)).timestamp()
    assert "Se déconnecter" in client.get("/").get_data(as_text=True)


def test_sign_out_needs_csrf_token(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    assert client.post("/sign-out").status_code == 400
    assert "Se déconnecter" in client.get("/").get_data(as_text=True)
    post_form(client, "/sign-out", {}, token_from="/")
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_open_redirect_after_sign_in_is_refused(client: FlaskClient) -> None:
    user = make_user()
    response = post_form(
        client,
        "/sign-in?next=https://evil.example/",
        {"email": user.email, "password": PASSWORD},
        token_from="/sign-in",
    )
    assert response.headers["Location"] == "/"


def test_password_change_signs_out_other_sessions(app: Flask) -> None:
    user = make_user()
    first, second = app.test_client(), app.test_client()
    sign_in(first, user.email)
    sign_in(second, user.email)
    response = post_form(
        first, "/account", {"current": PASSWORD, "new": "another long pass", "confirm": "another long pass"}
    )
    assert response.status_code == 302
    assert "Se déconnecter" in first.get("/").get_data(as_text=True)
    assert "Se déconnecter" not in second.get("/").get_data(as_text=True)


def test_password_change_with_wrong_current_password_changes_nothing(client: FlaskClient) -> None:
    user = make_user()
    before = user.password_hash
    sign_in(client, user.email)
    response = post_form(
        client,
        "/account",
        {"current": "not the password", "new": "another long pass", "confirm": "another long pass"},
    )
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.password_hash == before


def test_password_change_with_mismatched_confirmation_is_refused(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    response = post_form(
        client,
        "/account",
        {"current": PASSWORD, "new": "another long pass", "confirm": "different long pass"},
    )
    assert response.status_code == 422
    assert "Les mots de passe diffèrent." in html_text(response)


def _link(app: Flask, path: str) -> str:
    """The path of the link starting with `path` in the last e-mail sent."""
    body = app.extensions["civic_outbox"][-1].get_content()
    match = re.search(rf"http://civic\.test({re.escape(path)}\S+)", body)
    assert match, body
    return match.group(1)


def _reset_link(app: Flask) -> str:
    return _link(app, "/password/reset/")


def test_password_reset_by_emailed_link(app: Flask, client: FlaskClient) -> None:
    user = make_user(locale="en")
    post_form(client, "/password/forgot", {"email": user.email})
    message = app.extensions["civic_outbox"][-1]
    assert message["To"] == user.email and message["Subject"] == "Reset your Civic password"
    link = _reset_link(app)
    response = post_form(client, link, {"new": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    post_form(client, "/sign-out", {}, token_from="/")
    sign_in(client, user.email, "brand new password")


def test_reset_link_works_only_once(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    post_form(client, "/password/forgot", {"email": user.email})
    link = _reset_link(app)
    post_form(client, link, {"new": "brand new password", "confirm": "brand new password"})
    response = client.get(link)
    assert response.status_code == 422
    assert "déjà été utilisé" in html_text(response)


def test_expired_reset_link_is_refused(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    before = user.password_hash
    post_form(client, "/password/forgot", {"email": user.email})
    link = _reset_link(app)
    app.config["PASSWORD_RESET_HOURS"] = -1
    try:
        response = post_form(
            client,
            link,
            {"new": "brand new password", "confirm": "brand new password"},
            token_from="/sign-in",
        )
    finally:
        app.config["PASSWORD_RESET_HOURS"] = 2
    assert response.status_code == 422
    assert "a expiré" in html_text(response)
    db.session.refresh(user)
    assert user.password_hash == before


def test_forged_reset_link_is_refused(client: FlaskClient) -> None:
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 422
    assert "n'est pas valide" in html_text(response)


def test_reset_request_for_unknown_address_sends_nothing_and_says_the_same(
    app: Flask, client: FlaskClient
) -> None:
    response = post_form(client, "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert app.extensions["civic_outbox"] == []
    assert "Si un compte utilise cette adresse" in html_text(response)


def test_signed_out_visitor_is_sent_to_sign_in_for_account_page(client: FlaskClient) -> None:
    response = client.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_csrf_token_is_on_every_form(client: FlaskClient) -> None:
    for path in ["/sign-in", "/register", "/password/forgot"]:
        page = client.get(path).get_data(as_text=True)
        assert page.count("<form") == page.count('name="csrf_token"'), path
    assert csrf_token(client)
