"""Lifting a suspension or ban from the pages: listed where sanctions are shown, admins only, logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts import sanctions
from civic.accounts.models import Sanction, User
from civic.deliberation.moderation import services
from civic.deliberation.moderation.models import ModerationAction
from civic.extensions import db
from civic.timestamps import utcnow
from tests.conftest import csrf_token, html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("app")


def _lifted(sanction_id: int) -> bool:
    db.session.expire_all()
    return bool(db.session.scalar(select(Sanction.lifted).where(Sanction.id == sanction_id)))


def _lift_logs() -> int:
    return db.session.scalar(select(func.count()).where(ModerationAction.action == "lift")) or 0


def _setting(client: FlaskClient) -> tuple[str, Sanction, Sanction]:
    """An admin signed in, one suspension in force and one ban, on two people."""
    admin = make_user(admin=True)
    slug = discussion_consultation().slug
    in_a_week = utcnow() + timedelta(days=7)
    suspension = services.sanction(
        admin, make_user(name="Sam Suspendu").id, "suspension", "Insultes", in_a_week
    )
    ban = services.sanction(admin, make_user(name="Bea Bannie").id, "ban", "Spam répété", None)
    sign_in(client, admin.email)
    return slug, suspension, ban


def test_sanctions_page_lists_those_in_force_with_a_lift_button(client: FlaskClient) -> None:
    slug, suspension, ban = _setting(client)
    ended = services.sanction(
        make_user(admin=True),
        make_user(name="Eli Ancien").id,
        "suspension",
        "Ancien",
        utcnow() + timedelta(hours=1),
    )
    ended.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = html_text(client.get(f"/c/{slug}/moderation/sanctions"))
    assert "Sam Suspendu" in page and "Bea Bannie" in page and "Insultes" in page
    assert "Eli Ancien" not in page
    assert page.index("Sam Suspendu") < page.index("Bea Bannie")  # ending soonest first, bans last
    assert (
        f"/moderation/sanctions/{suspension.id}/lift" in page
        and f"/moderation/sanctions/{ban.id}/lift" in page
    )


def test_lift_through_the_page_lets_the_person_post_and_logs_it(client: FlaskClient) -> None:
    slug, suspension, _ban = _setting(client)
    response = post_form(
        client,
        f"/c/{slug}/moderation/sanctions/{suspension.id}/lift",
        {},
        token_from=f"/c/{slug}/moderation/sanctions",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/c/{slug}/moderation/sanctions"
    )
    assert _lifted(suspension.id)
    person = db.session.get(User, suspension.user_id)
    assert person is not None
    sanctions.ensure_can_participate(person)
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "lift"))
    assert entry is not None and entry.kind == "user" and entry.target_id == person.id
    assert "Sam Suspendu" not in html_text(client.get(f"/c/{slug}/moderation/sanctions")).split("<h1>")[1]
    log = html_text(client.get(f"/c/{slug}/moderation/log")).split("<table", 1)[1]
    assert (
        "A levé la sanction visant une personne participante" in log
        or "Lifted the sanction of a participant" in log
    )
    assert "Sam Suspendu" not in log  # the public log never names the person


def test_person_page_lists_their_sanctions_and_lifting_returns_there(client: FlaskClient) -> None:
    slug, suspension, _ban = _setting(client)
    page_path = f"/c/{slug}/moderation/users/{suspension.user_id}/sanction"
    page = html_text(client.get(page_path))
    assert "Insultes" in page and "Spam répété" not in page
    response = post_form(
        client,
        f"/c/{slug}/moderation/sanctions/{suspension.id}/lift",
        {"next": page_path},
        token_from=page_path,
    )
    assert response.headers["Location"].endswith(page_path) and _lifted(suspension.id)


def test_forged_lift_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    slug, suspension, _ban = _setting(client)
    response = client.post(f"/c/{slug}/moderation/sanctions/{suspension.id}/lift", data={})
    assert response.status_code == 400 and not _lifted(suspension.id) and _lift_logs() == 0


def test_lift_is_a_post_only(client: FlaskClient) -> None:
    slug, suspension, _ban = _setting(client)
    assert client.get(f"/c/{slug}/moderation/sanctions/{suspension.id}/lift").status_code == 405
    assert not _lifted(suspension.id)


@pytest.mark.parametrize("target", ["unknown", "text"])
def test_unknown_sanction_is_not_found(client: FlaskClient, target: str) -> None:
    slug, _suspension, _ban = _setting(client)
    sanction_id = "999999" if target == "unknown" else "abc"
    token = csrf_token(client, f"/c/{slug}/moderation/sanctions")
    response = client.post(f"/c/{slug}/moderation/sanctions/{sanction_id}/lift", data={"csrf_token": token})
    assert response.status_code == 404 and _lift_logs() == 0


def test_lifting_twice_or_an_ended_sanction_is_a_conflict(client: FlaskClient) -> None:
    slug, suspension, ban = _setting(client)
    path = f"/c/{slug}/moderation/sanctions"
    post_form(client, f"{path}/{suspension.id}/lift", {}, token_from=path)
    again = post_form(client, f"{path}/{suspension.id}/lift", {}, token_from=path)
    assert again.status_code == 409 and _lift_logs() == 1
    ban.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    ended = post_form(client, f"{path}/{ban.id}/lift", {}, token_from=path)
    assert ended.status_code == 409 and not _lifted(ban.id) and _lift_logs() == 1


def test_an_unsafe_next_address_is_not_followed(client: FlaskClient) -> None:
    slug, suspension, _ban = _setting(client)
    path = f"/c/{slug}/moderation/sanctions"
    response = post_form(
        client, f"{path}/{suspension.id}/lift", {"next": "https://evil.example/"}, token_from=path
    )
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
