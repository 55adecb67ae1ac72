"""Security headers, settings, and rate limits on sign-in and registration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from civic import create_app
from civic.extensions import limiter
from tests.conftest import post_form
from tests.factories import PASSWORD, make_user


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ["/", "/sign-in", "/register", "/organisations"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and "<style" not in page, path


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"CIVIC_ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookies_are_secure() -> None:
    app = create_app(
        {"CIVIC_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.fixture
def rate_limited(app: Flask) -> Iterator[Flask]:
    """An app on the same database with the rate limiter on and small limits."""
    limited = create_app(
        {
            **app.config,
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_LIMITS": "3 per minute",
            "REGISTER_LIMITS": "2 per minute",
        }
    )
    limited.test_client_class = app.test_client_class
    limiter.reset()
    yield limited
    # The limiter is one object shared by every app: switch it off again for the other tests.
    limiter.reset()
    limiter.enabled = False


def test_sign_in_is_limited_per_address(rate_limited: Flask) -> None:
    client = rate_limited.test_client()
    data = {"email": "someone@example.org", "password": "wrong password"}
    statuses = [post_form(client, "/sign-in", data).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_sign_in_is_limited_per_account_across_addresses(rate_limited: Flask) -> None:
    user = make_user()
    statuses = []
    for n in range(4):
        client = rate_limited.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        response = post_form(client, "/sign-in", {"email": user.email, "password": "wrong password"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429]


def test_limited_answer_is_friendly_and_says_when_to_retry(rate_limited: Flask) -> None:
    client = rate_limited.test_client()
    data = {"email": "someone@example.org", "password": "wrong password"}
    for _ in range(3):
        post_form(client, "/sign-in", data)
    response = post_form(client, "/sign-in", data)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_registration_is_limited(rate_limited: Flask) -> None:
    client = rate_limited.test_client()
    codes = [
        post_form(client, "/register", {"display_name": "", "email": "", "password": ""}).status_code
        for _ in range(3)
    ]
    assert codes == [422, 422, 429]


def test_behind_a_proxy_the_visitor_address_is_used(app: Flask) -> None:
    proxied = create_app({**app.config, "PROXY_COUNT": 1})
    seen: list[str] = []

    @proxied.get("/__addr")
    def addr() -> str:
        seen.append(request.remote_addr or "")
        return "ok"

    proxied.test_client().get(
        "/__addr", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert seen == ["203.0.113.9"]


def test_wrong_passwords_from_others_do_not_lock_a_person_out_of_a_browser_they_used(
    rate_limited: Flask,
) -> None:
    user = make_user()
    mine = rate_limited.test_client()
    assert post_form(mine, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    post_form(mine, "/sign-out", {}, token_from="/")
    # Someone floods the address with wrong passwords, from elsewhere and from the same network.
    for address in ("203.0.113.7", "127.0.0.1"):
        attacker = rate_limited.test_client()
        attacker.environ_base["REMOTE_ADDR"] = address
        codes = [
            post_form(attacker, "/sign-in", {"email": user.email, "password": "wrong password"}).status_code
            for _ in range(4)
        ]
        assert codes[-1] == 429  # the flood is slowed
    # The person, in the browser they signed in from, still gets in.
    assert post_form(mine, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_known_browser_is_still_limited_for_wrong_passwords(rate_limited: Flask) -> None:
    user = make_user()
    mine = rate_limited.test_client()
    post_form(mine, "/sign-in", {"email": user.email, "password": PASSWORD})
    post_form(mine, "/sign-out", {}, token_from="/")
    codes = [
        post_form(mine, "/sign-in", {"email": user.email, "password": "wrong password"}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_production_asks_browsers_to_use_https_only() -> None:
    app = create_app(
        {"CIVIC_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    response = app.test_client().get("/does-not-exist")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_does_not_pin_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_reset_links_are_not_written_to_logs_outside_development(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    with caplog.at_level("DEBUG"):
        post_form(client, "/password/forgot", {"email": user.email})
    body = app.extensions["civic_outbox"][-1].get_content()
    assert "/password/reset/" in body  # a link was made and mailed…
    assert "/password/reset/" not in caplog.text and user.email not in caplog.text  # …and not logged
    assert "not sent" in caplog.text  # the log still says a mail could not go out


def test_development_logs_the_mail_for_the_developer(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    app.config["MAIL_LOG_BODIES"] = True
    try:
        with caplog.at_level("DEBUG"):
            post_form(app.test_client(), "/password/forgot", {"email": make_user().email})
    finally:
        app.config["MAIL_LOG_BODIES"] = False
    assert "/password/reset/" in caplog.text
