"""New passwords: not common, not the person's address or name; the length rule stays the form's."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.accounts.passwords import weakness
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.factories import PASSWORD, make_user

EMAIL, NAME = "jean.tremblay@example.org", "Jean Tremblay"


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("motdepasse123", "common"),
        ("azertyuiop", "common"),
        ("1234567890", "common"),
        ("password12", "common"),
        ("aaaaaaaaaaaa", "common"),
        ("jean.tremblay@example.org", "personal"),
        ("JeanTremblay2024", "personal"),
        ("jean-tremblay!!", "personal"),
        ("xx jean.tremblay 99", "personal"),
        ("une phrase assez longue", None),
        ("marie aime les chats bleus", None),
        ("Le jardin de Montréal 1976", None),
    ],
)
def test_weak_passwords_are_named(app: Flask, password: str, refused: str | None) -> None:
    with app.test_request_context():
        why = weakness(password, EMAIL, NAME)
    if refused is None:
        assert why is None
    elif refused == "personal":
        assert why is not None and "adresse" in why
    else:
        assert why is not None and "courants" in why


def test_registration_refuses_a_common_password_and_keeps_the_form(client: FlaskClient) -> None:
    response = post_form(
        client,
        "/register",
        {"display_name": NAME, "email": EMAIL, "password": "motdepasse123", "locale": "fr"},
    )
    page = html_text(response)
    assert response.status_code == 422
    assert "courants" in page and f'value="{EMAIL}"' in page and f'value="{NAME}"' in page
    assert "motdepasse123" not in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_of_a_taken_address_refuses_a_weak_password_the_same_way(client: FlaskClient) -> None:
    make_user(email=EMAIL)
    response = post_form(
        client,
        "/register",
        {"display_name": NAME, "email": EMAIL, "password": "motdepasse123", "locale": "fr"},
    )
    assert response.status_code == 422 and "courants" in html_text(response)


def test_a_password_change_refuses_the_person_s_name(client: FlaskClient) -> None:
    user = make_user(email=EMAIL, name=NAME)
    before = user.password_hash
    sign_in(client, EMAIL)
    new = "Jean Tremblay 2026"
    response = post_form(client, "/account", {"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 422 and "adresse" in html_text(response)
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_reset_refuses_a_common_password(app: Flask, client: FlaskClient) -> None:
    import re

    user = make_user(email=EMAIL, name=NAME)
    before = user.password_hash
    post_form(client, "/password/forgot", {"email": EMAIL})
    link = re.search(
        r"http://civic\.test(/password/reset/\S+)", app.extensions["civic_outbox"][-1].get_content()
    )
    assert link
    response = post_form(client, link.group(1), {"new": "azertyuiop", "confirm": "azertyuiop"})
    assert response.status_code == 422 and "courants" in html_text(response)
    db.session.refresh(user)
    assert user.password_hash == before


def test_the_administrators_command_refuses_a_common_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", EMAIL, "--password", "motdepasse123"]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
