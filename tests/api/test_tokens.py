"""Personal API tokens: shown once, stored hashed, scoped, revocable, one's own only."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.api.models import ApiToken
from civic.extensions import db
from tests.api.conftest import call, token_for
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_user


def test_a_token_is_shown_once_and_only_its_hash_is_kept(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    response = post_form(client, "/account/tokens", {"name": "Notre site", "scope": "read"})
    assert response.status_code == 200
    shown = re.search(
        r'<code class="token" id="new-token">(civic_[^<]+)</code>', response.get_data(as_text=True)
    )
    assert shown is not None
    plaintext = shown.group(1)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored is not None and plaintext not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64 and plaintext.startswith(stored.prefix)
    assert plaintext not in client.get("/account/tokens").get_data(as_text=True)  # never again
    assert call(client, "GET", "/api/v1/me", plaintext).get_json()["name"] == user.display_name


def test_a_read_token_cannot_write(app: Flask, client: FlaskClient) -> None:
    consultation = make_consultation()
    token = token_for(make_user(), "read")
    response = call(client, "POST", f"/api/v1/consultations/{consultation.slug}/proposals", token,
                    json={"title": "Titre", "body": "Texte"})  # fmt: skip
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "read_only_token"


def test_a_revoked_token_stops_at_once(client: FlaskClient) -> None:
    user = make_user()
    token = token_for(user)
    assert call(client, "GET", "/api/v1/me", token).status_code == 200
    sign_in(client, user.email)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored is not None
    response = post_form(client, f"/account/tokens/{stored.id}/revoke", {}, token_from="/account/tokens")
    assert response.status_code == 302
    answer = call(client, "GET", "/api/v1/me", token)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized"


def test_nobody_revokes_someone_else_s_token(app: Flask) -> None:
    owner, other = make_user(), make_user()
    token = token_for(owner)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    assert stored is not None
    client = app.test_client()
    sign_in(client, other.email)
    response = post_form(client, f"/account/tokens/{stored.id}/revoke", {}, token_from="/account/tokens")
    assert response.status_code == 404
    assert call(app.test_client(), "GET", "/api/v1/me", token).status_code == 200


def test_a_forged_or_malformed_token_is_refused_in_the_language_asked(client: FlaskClient) -> None:
    for header in ("Bearer civic_forged", "Bearer ", "Basic abc", "Bearer " + "x" * 5000):
        response = client.get("/api/v1/me?lang=en", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert "token" in response.get_json()["error"]["message"]
    french = client.get("/api/v1/me?lang=fr", headers={"Authorization": "Bearer civic_forged"})
    assert "jeton" in french.get_json()["error"]["message"]


def test_a_nameless_token_is_refused_with_the_form_kept(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    response = post_form(client, "/account/tokens", {"name": "\u200b", "scope": "read-write"})
    assert response.status_code == 422 and "Nommez" in html_text(response)
    assert db.session.scalar(select(ApiToken)) is None


def test_the_session_cookie_gives_the_api_nothing(client: FlaskClient) -> None:
    """A signed-in browser calling the API is anonymous to it: no page can make it write (CSRF)."""
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = client.post(
        f"/api/v1/consultations/{consultation.slug}/proposals", json={"title": "T", "body": "B"}
    )
    assert response.status_code == 401
