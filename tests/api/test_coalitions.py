"""Positions and endorsements through the API: what the pages show, and endorsing by the pages' rules."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import Sanction
from civic.coalitions.models import Endorsement
from civic.extensions import db
from civic.timestamps import utcnow
from tests.api.conftest import call, token_for
from tests.coalitions.factories import campaign, endorse, make_position, mandate
from tests.factories import make_consultation, make_organisation, make_user


def _endorsements() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(Endorsement)) or 0)


def _world() -> tuple[str, int, object]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    return consultation.slug, position.id, position


def test_a_position_reads_as_on_its_page(client: FlaskClient) -> None:
    slug, position_id, position = _world()
    representative = make_user(name="Rep")
    endorse(representative, position, organisation=make_organisation(representative, name="Centre Quartier"))
    endorse(make_user(name="Lina"), position, show_name=True)
    endorse(make_user(name="Discrète"), position, "reservations", statement="Sous réserve")
    listing = client.get(f"/api/v1/consultations/{slug}/positions").get_json()
    assert [p["id"] for p in listing["items"]] == [position_id]
    one = client.get(f"/api/v1/consultations/{slug}/positions/{position_id}").get_json()
    assert one["title"] == {"fr": "Plan numérique", "en": "Digital Plan"} and one["version"] == 1
    assert one["organisations"]["endorse"] == 1
    assert (one["citizens"]["endorse"], one["citizens"]["reservations"]) == (1, 1)
    assert len(one["content_hash"]) == 64 and "Manifeste" in one["text"]["fr"]
    items = client.get(f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements").get_json()[
        "items"
    ]
    # Organisations and the citizen who chose to be named; the other citizen is only counted.
    assert sorted(e["name"] for e in items) == ["Centre Quartier", "Lina"]
    org = next(e for e in items if e["organisation"])
    assert org["signatory"]["name"] == "Claire Dubé" and org["mandate"]["body"] == "Conseil d'administration"
    assert all(e["content_hash"] == one["content_hash"] and e["version"] == 1 for e in items)


def test_positions_of_hidden_consultations_are_not_found(client: FlaskClient) -> None:
    moderator = make_user()
    draft = campaign(moderator, status="draft")
    position = make_position(draft, moderator)
    for path in ("positions", f"positions/{position.id}", f"positions/{position.id}/endorsements"):
        assert client.get(f"/api/v1/consultations/{draft.slug}/{path}").status_code == 404
    other = make_consultation()
    assert client.get(f"/api/v1/consultations/{other.slug}/positions/{position.id}").status_code == 404


def test_endorse_then_change_with_a_reason(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    token = token_for(make_user(name="Yves"))
    path = f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements"
    made = call(client, "POST", path, token, json={"stance": "endorse", "show_name": True})
    assert made.status_code == 201 and made.get_json()["name"] == "Yves"
    unexplained = call(client, "POST", path, token, json={"stance": "oppose"})
    assert unexplained.status_code == 422 and unexplained.get_json()["error"]["details"]["json"]["reason"]
    changed = call(client, "POST", path, token, json={"stance": "oppose", "reason": "Le budget manque."})
    assert changed.status_code == 201 and changed.get_json()["stance"] == "oppose"
    assert _endorsements() == 1


def test_an_organisation_endorses_through_its_representative_only(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    representative = make_user()
    organisation = make_organisation(representative)
    path = f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements"
    body = {"stance": "endorse", "organisation": organisation.slug, **mandate()}
    body["mandate_date"] = body["mandate_date"].isoformat()
    stranger = call(client, "POST", path, token_for(make_user()), json=body)
    assert stranger.status_code == 403 and _endorsements() == 0
    no_mandate = call(client, "POST", path, token_for(representative),
                      json={"stance": "endorse", "organisation": organisation.slug})  # fmt: skip
    details = no_mandate.get_json()["error"]["details"]["json"]
    assert no_mandate.status_code == 422 and {"signatory_name", "mandate_body"} <= set(details)
    assert _endorsements() == 0
    future = {**body, "mandate_date": (date.today() + timedelta(days=3)).isoformat()}
    assert call(client, "POST", path, token_for(representative), json=future).status_code == 422
    made = call(client, "POST", path, token_for(representative), json=body)
    assert made.status_code == 201 and made.get_json()["organisation"] == organisation.slug


def test_bad_input_is_refused_and_nothing_is_written(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    token = token_for(make_user())
    path = f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements"
    for body in (
        {},
        {"stance": "maybe"},
        {"stance": "endorse", "statement": "x" * 5001},
        {"stance": "endorse", "condition": 2**63},
        {"stance": "endorse", "condition": 999},
        {"stance": "reservations"},
        {"stance": "endorse", "revision": -1},
        {"stance": "endorse", "organisation": "nobody-here"},
    ):
        response = call(client, "POST", path, token, json=body)
        assert 400 <= response.status_code < 500 and response.get_json()["error"]["message"], body
    assert _endorsements() == 0


def test_a_stale_revision_is_a_conflict(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    token = token_for(make_user())
    path = f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements"
    assert call(client, "POST", path, token, json={"stance": "endorse"}).status_code == 201
    stale = call(client, "POST", path, token, json={"stance": "oppose", "reason": "Non.", "revision": 0})
    assert stale.status_code == 409
    assert (
        client.get(f"/api/v1/consultations/{slug}/positions/{position_id}").get_json()["citizens"]["endorse"]
        == 1
    )


def test_sanctioned_people_cannot_endorse(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    person = make_user()
    db.session.add(
        Sanction(user_id=person.id, kind="suspension", reason="Pause", ends_at=utcnow() + timedelta(days=1))
    )
    db.session.commit()
    response = call(client, "POST", f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements",
                    token_for(person), json={"stance": "endorse"})  # fmt: skip
    assert response.status_code == 403 and "Pause" in response.get_json()["error"]["message"]
    assert _endorsements() == 0


def test_a_read_token_cannot_endorse(client: FlaskClient) -> None:
    slug, position_id, _position = _world()
    response = call(client, "POST", f"/api/v1/consultations/{slug}/positions/{position_id}/endorsements",
                    token_for(make_user(), "read"), json={"stance": "endorse"})  # fmt: skip
    assert response.status_code == 403 and _endorsements() == 0
