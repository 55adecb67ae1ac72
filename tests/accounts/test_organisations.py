"""Organisations through the pages: create, join, accept or decline, verify, edit."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import Membership, Organisation
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_organisation, make_user


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_creator_becomes_first_representative(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user.email)
    response = post_form(
        client,
        "/organisations/new",
        {"name": "Île-du-Savoir", "description": "*Hello*", "website": "https://example.org"},
    )
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation is not None and organisation.slug == "ile-du-savoir"
    assert organisation.description_html == "<p><em>Hello</em></p>"
    assert [(m.user_id, m.status) for m in organisation.memberships] == [(user.id, Membership.REPRESENTATIVE)]


def test_script_url_as_website_is_refused_and_text_kept(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    response = post_form(
        client,
        "/organisations/new",
        {"name": "Groupe", "description": "Notre mission", "website": "javascript://x/%0aalert(1)"},
    )
    page = html_text(response)
    assert response.status_code == 422
    assert _count(Organisation) == 0
    assert "Notre mission" in page and 'value="Groupe"' in page


def test_empty_organisation_name_is_refused(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    assert post_form(client, "/organisations/new", {"name": ""}).status_code == 422
    assert _count(Organisation) == 0


def test_oversized_description_is_refused(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    assert (
        post_form(client, "/organisations/new", {"name": "G", "description": "x" * 5001}).status_code == 422
    )
    assert _count(Organisation) == 0


def test_anonymous_visitor_cannot_create(client: FlaskClient) -> None:
    response = post_form(client, "/organisations/new", {"name": "Groupe"}, token_from="/sign-in")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _count(Organisation) == 0


def test_join_request_then_representative_accepts(app: object, client: FlaskClient) -> None:
    representative, citizen = make_user(), make_user()
    organisation = make_organisation(representative)
    sign_in(client, citizen.email)
    page = f"/organisations/{organisation.slug}"
    assert post_form(client, f"{page}/join", {}, token_from=page).status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.user_id == citizen.id))
    assert membership is not None and membership.status == Membership.PENDING
    assert post_form(client, f"{page}/join", {}, token_from=page).status_code == 409

    other = app.test_client()  # type: ignore[attr-defined]
    sign_in(other, representative.email)
    response = post_form(other, f"{page}/members/{membership.id}/accept", {}, token_from=page)
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.status == Membership.REPRESENTATIVE


def test_representative_declines_a_request(client: FlaskClient) -> None:
    representative, citizen = make_user(), make_user()
    organisation = make_organisation(representative, pending=[citizen])
    membership_id = organisation.memberships[1].id
    sign_in(client, representative.email)
    page = f"/organisations/{organisation.slug}"
    post_form(client, f"{page}/members/{membership_id}/decline", {}, token_from=page)
    db.session.expire_all()
    assert db.session.get(Membership, membership_id) is None


def test_pending_member_cannot_accept_themselves(client: FlaskClient) -> None:
    representative, citizen = make_user(), make_user()
    organisation = make_organisation(representative, pending=[citizen])
    membership_id = organisation.memberships[1].id
    sign_in(client, citizen.email)
    page = f"/organisations/{organisation.slug}"
    assert post_form(client, f"{page}/members/{membership_id}/accept", {}, token_from=page).status_code == 403
    db.session.expire_all()
    assert db.session.get(Membership, membership_id).status == Membership.PENDING  # type: ignore[union-attr]


def test_only_an_administrator_verifies(client: FlaskClient) -> None:
    representative = make_user()
    organisation = make_organisation(representative)
    page = f"/organisations/{organisation.slug}"
    sign_in(client, representative.email)
    assert post_form(client, f"{page}/verify", {"verified": "1"}, token_from=page).status_code == 403
    post_form(client, "/sign-out", {}, token_from="/")
    sign_in(client, make_user(admin=True).email)
    assert post_form(client, f"{page}/verify", {"verified": "1"}, token_from=page).status_code == 302
    db.session.refresh(organisation)
    assert organisation.verified is True
    assert "Organisation vérifiée" in html_text(client.get(page))


def test_non_representative_cannot_edit(client: FlaskClient) -> None:
    organisation = make_organisation(make_user(), name="Original")
    sign_in(client, make_user().email)
    path = f"/organisations/{organisation.slug}/edit"
    assert client.get(path).status_code == 403
    assert post_form(client, path, {"name": "Hijacked"}, token_from="/").status_code == 403
    db.session.refresh(organisation)
    assert organisation.name == "Original"


def test_unknown_organisation_is_404(client: FlaskClient) -> None:
    assert client.get("/organisations/nope").status_code == 404
