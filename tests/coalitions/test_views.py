"""Coalition pages with plain forms (no JavaScript): put forward, endorse, change, revoke, republish; refused
forms come back with what was typed; who sees what."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.coalitions.models import Endorsement, EndorsementEvent, Position, PositionVersion
from civic.extensions import db
from tests.coalitions.factories import campaign, endorse, make_document_version, make_position, revoke
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_document, make_organisation, make_user


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    representative = make_user(name="Sophie Représentante")
    organisation = make_organisation(representative, name="Réseau vérifié")
    organisation.verified = True
    unverified = make_organisation(make_user(name="Autre rep"), name="Collectif pas vérifié")
    db.session.commit()
    return {
        "moderator": moderator,
        "consultation": consultation,
        "position": position,
        "representative": representative,
        "organisation": organisation,
        "unverified": unverified,
        "citizen": make_user(name="Jeanne Citoyenne"),
    }


def _url(world: dict[str, Any], tail: str = "") -> str:
    return f"/c/{world['consultation'].slug}/positions/{world['position'].id}{tail}"


def _client(app: Flask, user: Any = None) -> FlaskClient:
    """A client reading the site in English (signed in as `user` when given)."""
    client = app.test_client()
    client.set_cookie("lang", "en", domain="civic.test")
    if user is not None:
        user.locale = "en"
        db.session.commit()
        sign_in(client, user.email)
    return client


def _rows() -> tuple[int, int]:
    db.session.rollback()
    return (
        int(db.session.scalar(select(func.count()).select_from(Endorsement)) or 0),
        int(db.session.scalar(select(func.count()).select_from(EndorsementEvent)) or 0),
    )


ORGANISATION_FORM = {
    "version": "1",
    "base": "0",
    "stance": "endorse",
    "statement": "Nous **adhérons**.",
    "signatory_name": "Claire Dubé",
    "signatory_role": "Présidente",
    "mandate_body": "Assemblée générale",
    "mandate_date": (date.today() - timedelta(days=3)).isoformat(),
    "mandate_scope": "Adhérer au manifeste",
    "mandate_url": "https://example.org/resolution-12",
}


def test_the_consultations_endorsement_step_links_to_the_coalition_page(
    world: dict[str, Any], app: Flask
) -> None:
    page = _client(app).get(f"/c/{world['consultation'].slug}").get_data(as_text=True)
    assert f'href="/c/{world["consultation"].slug}/coalition"' in page


def test_a_citizen_endorses_with_a_plain_form(world: dict[str, Any], app: Flask) -> None:
    client = _client(app, world["citizen"])
    response = post_form(
        client, _url(world, "/endorse"), {"version": "1", "base": "0", "stance": "endorse", "show_name": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(world))
    page = html_text(client.get(_url(world)))
    assert "Change the endorsement" in page
    coalition = html_text(client.get(f"/c/{world['consultation'].slug}/coalition?kind=citizens"))
    assert "Jeanne Citoyenne" in coalition


def test_an_organisation_endorses_and_its_representatives_see_who_acted(
    world: dict[str, Any], app: Flask
) -> None:
    client = _client(app, world["representative"])
    org_url = _url(world, f"/organisations/{world['organisation'].slug}/endorse")
    assert client.get(org_url).status_code == 200
    response = post_form(client, org_url, ORGANISATION_FORM)
    assert response.status_code == 302, html_text(response)[:500]
    endorsement = db.session.scalar(select(Endorsement))
    assert endorsement is not None and endorsement.mandate_url == "https://example.org/resolution-12"
    history = _url(world, f"/endorsements/{endorsement.id}")
    assert "Sophie Représentante" in html_text(client.get(history))
    # Anyone else reads the signatory, never the account that acted.
    outsider = html_text(_client(app).get(history))
    assert "Claire Dubé" in outsider and "Sophie Représentante" not in outsider
    assert "Sophie Représentante" not in html_text(_client(app, world["citizen"]).get(history))


def test_the_organisation_form_is_only_for_its_representatives(world: dict[str, Any], app: Flask) -> None:
    client = _client(app, world["citizen"])
    org_url = _url(world, f"/organisations/{world['organisation'].slug}/endorse")
    assert client.get(org_url).status_code == 403
    before = _rows()
    response = post_form(client, org_url, ORGANISATION_FORM, token_from=_url(world, "/endorse"))
    assert response.status_code == 403
    page = html_text(response)
    assert "You do not represent Réseau vérifié" in page
    assert "Claire Dubé" in page and "Nous **adhérons**." in page  # the form keeps what was typed
    assert _rows() == before


BAD_FORMS = {
    "oversized statement": ({"statement": "x" * 2001}, 422, "2000"),
    "mandate in the future": (
        {"mandate_date": (date.today() + timedelta(days=2)).isoformat()},
        422,
        "mandat",
    ),
    "resolution as a script": ({"mandate_url": "javascript:alert(1)"}, 422, "http"),
    "superseded version": ({"version": "7"}, 409, "7"),
    "condition on another document's amendment": ({"condition": "999999"}, 422, "amend"),
    "a date that is not one": ({"mandate_date": "2026-13-45"}, 422, "date"),
}


@pytest.mark.parametrize("case", BAD_FORMS)
def test_a_refused_form_keeps_what_was_typed_and_stores_nothing(
    world: dict[str, Any], app: Flask, case: str
) -> None:
    changes, status, word = BAD_FORMS[case]
    client = _client(app, world["representative"])
    org_url = _url(world, f"/organisations/{world['organisation'].slug}/endorse")
    before = _rows()
    response = post_form(client, org_url, {**ORGANISATION_FORM, **changes})
    assert response.status_code == status, html_text(response)[:800]
    page = html_text(response)
    assert "Claire Dubé" in page and "Assemblée générale" in page and "Adhérer au manifeste" in page
    assert word.lower() in page.lower()
    assert 'class="field-errors"' in page or 'role="alert"' in page
    assert _rows() == before


def test_endorsing_twice_shows_the_endorsement_to_change_instead(world: dict[str, Any], app: Flask) -> None:
    client = _client(app, world["citizen"])
    form = {"version": "1", "base": "0", "stance": "endorse", "statement": "Premier onglet"}
    assert post_form(client, _url(world, "/endorse"), form).status_code == 302
    before = _rows()
    response = post_form(client, _url(world, "/endorse"), {**form, "statement": "Deuxième onglet"})
    assert response.status_code == 409
    page = html_text(response)
    assert "Deuxième onglet" in page
    assert _rows() == before
    # The form now carries the endorsement's revision: sending it again changes it.
    revision = db.session.scalar(select(Endorsement.revision))
    assert revision == 1 and re.search(r'<input[^>]*name="base"[^>]*value="1"', page)


def test_revoking_with_a_plain_form_needs_a_reason(world: dict[str, Any], app: Flask) -> None:
    endorse(world["citizen"], world["position"])
    client = _client(app, world["citizen"])
    before = _rows()
    response = post_form(client, _url(world, "/revoke"), {"base": "1", "reason": " "})
    assert response.status_code == 422 and _rows() == before
    response = post_form(client, _url(world, "/revoke"), {"base": "1", "reason": "Je retire mon nom."})
    assert response.status_code == 302
    assert db.session.scalar(select(Endorsement.active)) is False


def test_unverified_organisations_are_listed_apart(world: dict[str, Any], app: Flask) -> None:
    endorse(world["representative"], world["position"], organisation=world["organisation"])
    rep = world["unverified"].memberships[0].user
    endorse(rep, world["position"], organisation=world["unverified"])
    page = html_text(_client(app).get(f"/c/{world['consultation'].slug}/coalition"))
    members, apart = page.split('id="unverified-title"', 1)
    assert "Réseau vérifié" in members and "Collectif pas vérifié" not in members
    assert "Collectif pas vérifié" in apart.split('id="timeline-title"')[0]
    only = html_text(_client(app).get(f"/c/{world['consultation'].slug}/coalition?verified=no"))
    assert 'id="members-title"' not in only and "Collectif pas vérifié" in only


def test_filters_by_stance_and_kind(world: dict[str, Any], app: Flask) -> None:
    endorse(world["representative"], world["position"], "oppose", organisation=world["organisation"])
    endorse(world["citizen"], world["position"], show_name=True)
    endorse(make_user(name="Anonyme Secrète"), world["position"])
    base = f"/c/{world['consultation'].slug}/coalition"
    oppose = html_text(_client(app).get(f"{base}?stance=endorse"))
    assert "Réseau vérifié" not in oppose.split('id="timeline-title"')[0]
    citizens = html_text(_client(app).get(f"{base}?kind=citizens"))
    listed = citizens.split('id="timeline-title"')[0]
    assert "Jeanne Citoyenne" in listed and "Anonyme Secrète" not in citizens


def test_anonymous_citizens_are_counted_never_named(world: dict[str, Any], app: Flask) -> None:
    endorse(make_user(name="Personne Discrète"), world["position"], statement="Sans mon nom")
    client = _client(app)
    for path in ("/coalition", ""):
        url = f"/c/{world['consultation'].slug}{path}" if path else _url(world)
        assert "Personne Discrète" not in html_text(client.get(url))
    assert "Personne Discrète" not in html_text(client.get(_url(world, "/endorsements.csv")))
    assert "Personne Discrète" not in html_text(client.get(_url(world, "/endorsements.json")))


def test_the_organisation_page_shows_its_endorsements_and_activity(world: dict[str, Any], app: Flask) -> None:
    endorse(world["representative"], world["position"], organisation=world["organisation"])
    revoke(
        world["representative"],
        world["position"],
        reason="Le conseil hésite.",
        organisation=world["organisation"],
    )
    endorse(
        world["representative"],
        world["position"],
        "reservations",
        organisation=world["organisation"],
        statement="Mais",
    )
    page = html_text(_client(app).get(f"/organisations/{world['organisation'].slug}"))
    assert "Plan numérique" in page or "Digital Plan" in page
    activity = page.split('id="org-activity-title"')[1]
    assert "revoked their stance on version 1" in activity and "Le conseil hésite." not in page
    assert "Sophie Représentante" not in page.split('id="org-activity-title"')[1].split("<h2")[0]
    own = html_text(_client(app, world["representative"]).get(f"/organisations/{world['organisation'].slug}"))
    assert "Sophie Représentante" in own.split('id="org-activity-title"')[1]


def test_the_organisation_page_hides_positions_of_draft_and_members_only_campaigns(
    world: dict[str, Any], app: Flask
) -> None:
    moderator = world["moderator"]
    hidden = make_consultation(
        moderators=[moderator], phases=[("endorsement", -1, 10)], visibility="registered"
    )
    secret = make_position(hidden, moderator)
    secret.title_fr = secret.title_en = "Position réservée"
    db.session.commit()
    endorse(world["representative"], secret, organisation=world["organisation"])
    url = f"/organisations/{world['organisation'].slug}"
    assert "Position réservée" not in html_text(_client(app).get(url))
    assert "Position réservée" in html_text(_client(app, world["citizen"]).get(url))
    hidden.status = "draft"
    db.session.commit()
    assert "Position réservée" not in html_text(_client(app, world["citizen"]).get(url))


def test_a_moderator_puts_a_document_version_forward_and_republishes_it(app: Flask) -> None:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    document = make_document(consultation, moderator, "Texte un")
    first = make_document_version(document, 1, "Le texte, version un.")
    client = _client(app, moderator)
    form = {
        "title_fr": "Le manifeste",
        "opens_at": "2020-01-01T09:00",
        "closes_at": "2099-01-01T09:00",
        "source": "document",
        "document_version": str(first.id),
        "reference": "fr",
        "text_en": "The text, version one.",
    }
    response = post_form(client, f"/c/{consultation.slug}/positions/new", form)
    assert response.status_code == 302, html_text(response)[:800]
    position = db.session.scalar(select(Position))
    assert position is not None and position.document_id == document.id
    version = db.session.scalar(select(PositionVersion))
    assert (
        version is not None
        and version.text_fr == "Le texte, version un."
        and version.text_en == "The text, version one."
    )
    page = html_text(client.get(f"/c/{consultation.slug}/positions/{position.id}"))
    assert version.content_hash in page
    second = make_document_version(document, 2, "Le texte, version deux.")
    url = f"/c/{consultation.slug}/positions/{position.id}/republish"
    refused = post_form(
        client, url, {"source": "document", "document_version": str(second.id), "reference": "fr", "note": ""}
    )
    assert refused.status_code == 422
    response = post_form(
        client,
        url,
        {"source": "document", "document_version": str(second.id), "reference": "fr", "note": "Deux"},
    )
    assert response.status_code == 302, html_text(response)[:800]
    assert db.session.scalar(select(func.count()).select_from(PositionVersion)) == 2


def test_a_refused_position_form_keeps_the_text(world: dict[str, Any], app: Flask) -> None:
    client = _client(app, world["moderator"])
    form = {
        "title_fr": "Titre",
        "opens_at": "2099-01-01T09:00",
        "closes_at": "2098-01-01T09:00",
        "source": "text",
        "reference": "fr",
        "text_fr": "Mon texte à garder",
    }
    response = post_form(client, f"/c/{world['consultation'].slug}/positions/new", form)
    assert response.status_code == 422
    page = html_text(response)
    assert "Mon texte à garder" in page
    assert db.session.scalar(select(func.count()).select_from(Position)) == 1


def test_the_version_page_and_the_canonical_bytes_match_the_hash(world: dict[str, Any], app: Flask) -> None:
    import hashlib

    client = _client(app)
    version = db.session.scalar(select(PositionVersion))
    assert version is not None
    page = html_text(client.get(_url(world, "/versions/1")))
    assert version.content_hash in page
    raw = client.get(_url(world, "/versions/1/canonical.json")).data
    assert hashlib.sha256(raw).hexdigest() == version.content_hash
    assert client.get(_url(world, "/versions/2")).status_code == 404


def test_the_signatory_sheet_lists_the_current_versions_organisations(
    world: dict[str, Any], app: Flask
) -> None:
    endorse(world["representative"], world["position"], organisation=world["organisation"])
    page = html_text(_client(app).get(_url(world, "/sheet")))
    assert "Réseau vérifié" in page and "Claire Dubé" in page and "Conseil d'administration" in page
