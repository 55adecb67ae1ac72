"""Consultations through the pages: create, describe, phases, moderators, visibility."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.consultations.models import Consultation, Phase
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_user

NEW = {
    "slug": "budget-2027",
    "title_fr": "Budget participatif",
    "title_en": "",
    "description_fr": "Une **description**",
    "description_en": "",
    "status": "open",
    "visibility": "public",
}


def _admin(client: FlaskClient) -> None:
    sign_in(client, make_user(admin=True).email)


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_administrator_creates_a_consultation(client: FlaskClient) -> None:
    _admin(client)
    response = post_form(client, "/consultations/new", NEW)
    assert response.status_code == 302 and response.headers["Location"].endswith("/c/budget-2027/phases")
    consultation = db.session.scalar(select(Consultation))
    assert (
        consultation is not None
        and consultation.description_html_fr == "<p>Une <strong>description</strong></p>"
    )


def test_title_falls_back_to_the_other_language(client: FlaskClient) -> None:
    _admin(client)
    post_form(client, "/consultations/new", NEW)
    client.set_cookie("lang", "en", domain="civic.test")
    page = html_text(client.get("/c/budget-2027"))
    assert '<h1 lang="fr">Budget participatif</h1>' in page


def test_citizen_cannot_create_a_consultation(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    assert client.get("/consultations/new").status_code == 403
    assert post_form(client, "/consultations/new", NEW, token_from="/").status_code == 403
    assert _count(Consultation) == 0


def test_bad_slug_is_refused_and_text_kept(client: FlaskClient) -> None:
    _admin(client)
    response = post_form(client, "/consultations/new", {**NEW, "slug": "Not A Slug!"})
    assert response.status_code == 422
    assert _count(Consultation) == 0
    assert "Une **description**" in html_text(response)


def test_missing_title_in_both_languages_is_refused(client: FlaskClient) -> None:
    _admin(client)
    response = post_form(client, "/consultations/new", {**NEW, "title_fr": ""})
    assert response.status_code == 422
    assert _count(Consultation) == 0


def test_duplicate_slug_is_a_conflict(client: FlaskClient) -> None:
    make_consultation(slug="budget-2027")
    _admin(client)
    response = post_form(client, "/consultations/new", NEW)
    assert response.status_code == 409
    assert _count(Consultation) == 1


def test_phase_is_added_in_local_time_and_shown_in_the_timeline(client: FlaskClient) -> None:
    consultation = make_consultation(phases=[])
    _admin(client)
    path = f"/c/{consultation.slug}/phases"
    response = post_form(
        client, path, {"kind": "voting", "starts_at": "2027-01-10T09:00", "ends_at": "2027-01-20T17:00"}
    )
    assert response.status_code == 302
    phase = db.session.scalar(select(Phase))
    assert phase is not None
    assert phase.starts_at.isoformat() == "2027-01-10T14:00:00+00:00"  # 09:00 in Montreal (EST) is 14:00 UTC
    assert phase.component_names == ["voting"]  # the usual components of a voting phase
    assert "<h3>Vote" in html_text(client.get(f"/c/{consultation.slug}"))


def test_phase_ending_before_it_starts_is_refused(client: FlaskClient) -> None:
    consultation = make_consultation(phases=[])
    _admin(client)
    response = post_form(
        client,
        f"/c/{consultation.slug}/phases",
        {"kind": "voting", "starts_at": "2027-01-10T09:00", "ends_at": "2027-01-01T09:00"},
    )
    assert response.status_code == 422
    assert "Une phase doit se terminer après son début." in html_text(response)
    assert _count(Phase) == 0


def test_phase_with_unknown_kind_or_bad_date_is_refused(client: FlaskClient) -> None:
    consultation = make_consultation(phases=[])
    _admin(client)
    path = f"/c/{consultation.slug}/phases"
    assert (
        post_form(
            client, path, {"kind": "party", "starts_at": "2027-01-10T09:00", "ends_at": "2027-01-11T09:00"}
        ).status_code
        == 422
    )
    assert (
        post_form(
            client, path, {"kind": "voting", "starts_at": "tomorrow", "ends_at": "2027-01-11T09:00"}
        ).status_code
        == 422
    )
    assert _count(Phase) == 0


def test_moderator_moves_the_current_phase_by_hand(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    voting = next(p for p in consultation.phases if p.kind == "voting")
    sign_in(client, moderator.email)
    path = f"/c/{consultation.slug}/phases"
    post_form(client, f"/c/{consultation.slug}/current-phase", {"phase": str(voting.id)}, token_from=path)
    page = html_text(client.get(f"/c/{consultation.slug}"))
    assert "Étape 3 sur 3 : Vote, jusqu'au" in page
    post_form(client, f"/c/{consultation.slug}/current-phase", {"phase": ""}, token_from=path)
    assert "Étape 2 sur 3 : Propositions, jusqu'au" in html_text(client.get(f"/c/{consultation.slug}"))


def test_citizen_cannot_move_the_phase(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = post_form(client, f"/c/{consultation.slug}/current-phase", {"phase": ""}, token_from="/")
    assert response.status_code == 403


def test_administrator_names_a_moderator(client: FlaskClient) -> None:
    consultation = make_consultation()
    future = make_user(email="nadia@example.org", name="Nadia")
    _admin(client)
    path = f"/c/{consultation.slug}/moderators"
    assert post_form(client, path, {"email": "nadia@example.org"}).status_code == 302
    db.session.refresh(consultation)
    assert [m.id for m in consultation.moderators] == [future.id]
    assert post_form(client, path, {"email": "nadia@example.org"}).status_code == 409


def test_naming_an_unknown_account_is_refused_with_text_kept(client: FlaskClient) -> None:
    consultation = make_consultation()
    _admin(client)
    response = post_form(client, f"/c/{consultation.slug}/moderators", {"email": "ghost@example.org"})
    assert response.status_code == 422
    assert 'value="ghost@example.org"' in html_text(response)


def test_moderator_cannot_name_moderators(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    sign_in(client, moderator.email)
    assert client.get(f"/c/{consultation.slug}/moderators").status_code == 403


def test_draft_is_hidden_from_the_public(client: FlaskClient) -> None:
    consultation = make_consultation(status="draft")
    assert client.get(f"/c/{consultation.slug}").status_code == 404
    assert consultation.title_fr not in html_text(client.get("/"))


def test_registered_only_consultation_asks_to_sign_in(client: FlaskClient) -> None:
    consultation = make_consultation(visibility="registered")
    response = client.get(f"/c/{consultation.slug}")
    assert response.status_code == 403
    sign_in(client, make_user().email)
    assert client.get(f"/c/{consultation.slug}").status_code == 200


def test_home_lists_visible_consultations(client: FlaskClient) -> None:
    make_consultation(slug="visible-one")
    page = html_text(client.get("/"))
    assert "/c/visible-one" in page and "Étape 2 sur 3 : Propositions, jusqu'au" in page
