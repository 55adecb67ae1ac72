"""CSV and JSON of a position's endorsements, the content hash anyone can recompute, and the cached badges."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic.coalitions import positions
from civic.coalitions.content import canonical, content_hash, normalise
from civic.coalitions.export_views import BADGE_SECONDS
from civic.coalitions.exports import COLUMNS
from civic.extensions import db
from tests.coalitions.factories import campaign, endorse, make_position, revoke
from tests.factories import make_consultation, make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    representative = make_user(name="Représentante")
    organisation = make_organisation(representative, name='=HYPERLINK("http://evil.example")')
    organisation.verified = True
    db.session.commit()
    endorse(representative, position, organisation=organisation, statement="@SUM(A1:A9)")
    endorse(make_user(name="Nommée"), position, show_name=True)
    endorse(make_user(name="Discrète"), position, "oppose", statement="Contre.")
    gone = make_user(name="Partie")
    endorse(gone, position)
    revoke(gone, position, reason="Je pars.")
    return {"consultation": consultation, "position": position, "organisation": organisation}


def _url(world: dict[str, Any], tail: str) -> str:
    return f"/c/{world['consultation'].slug}/positions/{world['position'].id}{tail}"


def test_the_content_hash_is_sha256_of_the_documented_canonical_bytes() -> None:
    text_fr, text_en = "Café « accès »", "Access"
    expected = '{"en":"Access","fr":"Café « accès »","reference":"fr"}'.encode()
    assert canonical(text_fr, text_en, "fr") == expected
    assert content_hash(text_fr, text_en, "fr") == hashlib.sha256(expected).hexdigest()
    # The same text typed with a decomposed é, Windows line ends and surrounding spaces: the same hash.
    decomposed = unicodedata.normalize("NFD", "Café « accès »\r\n")
    assert decomposed != text_fr and content_hash(f"  {decomposed}", "Access\r", "fr") == content_hash(
        text_fr, text_en, "fr"
    )
    # The reference language is part of what is endorsed.
    assert content_hash(text_fr, text_en, "en") != content_hash(text_fr, text_en, "fr")
    assert normalise("a\r\nb\rc") == "a\nb\nc"
    with pytest.raises(ValueError, match="reference"):
        canonical("a", "b", "de")


def test_the_json_export_lets_anyone_recompute_every_versions_hash(world: dict[str, Any], app: Flask) -> None:
    document = json.loads(app.test_client().get(_url(world, "/endorsements.json")).data)
    assert document["versions"]
    for version in document["versions"]:
        recomputed = hashlib.sha256(
            json.dumps(
                {"en": version["text_en"], "fr": version["text_fr"], "reference": version["reference"]},
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
            ).encode()
        ).hexdigest()
        assert recomputed == version["content_hash"]
    assert {e["kind"] for e in document["endorsements"]} == {"organisation", "citizen"}
    assert document["counts"]["citizens"]["oppose"] == 1
    assert set(document["endorsements"][0]) == set(COLUMNS)


def test_the_csv_has_the_documented_columns_and_no_formula(world: dict[str, Any], app: Flask) -> None:
    response = app.test_client().get(_url(world, "/endorsements.csv"))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == COLUMNS
    by_name = {row[2]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    organisation = by_name['\'=HYPERLINK("http://evil.example")']
    assert organisation["statement"] == "'@SUM(A1:A9)" and organisation["verified"] == "yes"
    assert organisation["kind"] == "organisation" and organisation["signatory_name"] == "Claire Dubé"
    assert "Nommée" in by_name and "Discrète" not in by_name and "Partie" not in by_name
    assert sorted(row[6] for row in rows[1:]) == [
        "no",
        "yes",
        "yes",
        "yes",
    ]  # the revoked one is listed, inactive
    for row in rows[1:]:
        assert not row[2].startswith(("=", "+", "@")) and not row[12].startswith(("=", "+", "@"))


def _badge(client: FlaskClient, url: str, **headers: str) -> Any:
    return client.get(url, headers=headers)


def test_the_badge_counts_verified_organisations_and_is_cached(world: dict[str, Any], app: Flask) -> None:
    client = app.test_client()
    svg = _badge(client, _url(world, "/badge.svg?lang=en"))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "We endorse: Digital Plan · 1 organisation" in text and "<script" not in text
    assert svg.headers["Cache-Control"] == f"public, max-age={BADGE_SECONDS}"
    assert (
        _badge(
            client, _url(world, "/badge.svg?lang=en"), **{"If-None-Match": svg.headers["ETag"]}
        ).status_code
        == 304
    )
    french = _badge(client, _url(world, "/badge.svg")).get_data(as_text=True)
    assert "Nous adhérons : Plan numérique · 1 organisation" in french
    # Another verified organisation: a new count, a new ETag.
    representative = make_user()
    other = make_organisation(representative, name="Deuxième")
    other.verified = True
    db.session.commit()
    endorse(representative, world["position"], organisation=other)
    again = _badge(client, _url(world, "/badge.svg?lang=en"), **{"If-None-Match": svg.headers["ETag"]})
    assert again.status_code == 200 and "2 organisations" in again.get_data(as_text=True)


def test_the_html_badge_has_no_script_and_may_be_framed_anywhere(world: dict[str, Any], app: Flask) -> None:
    response = app.test_client().get(_url(world, "/badge.html?lang=en"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<script" not in text and "1 organisation" in text
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none' covers it
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == f"public, max-age={BADGE_SECONDS}"
    # Every other page still refuses to be framed.
    page = app.test_client().get(_url(world, ""))
    assert (
        page.headers["X-Frame-Options"] == "DENY"
        and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )


def test_a_members_only_badge_is_never_kept_by_a_shared_cache(app: Flask) -> None:
    moderator = make_user()
    consultation = make_consultation(
        moderators=[moderator], phases=[("endorsement", -1, 5)], visibility="registered"
    )
    position = make_position(consultation, moderator)
    url = f"/c/{consultation.slug}/positions/{position.id}/badge.svg"
    assert app.test_client().get(url).status_code == 403
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, make_user().email)
    assert client.get(url).headers["Cache-Control"].startswith("private")


def test_a_proposals_text_is_copied_at_publication_not_linked(app: Flask) -> None:
    from tests.factories import make_proposal

    moderator = make_user()
    consultation = campaign(moderator)
    proposal = make_proposal(consultation, make_user(), body="Le texte retenu.", state="accepted")
    position = positions.create_position(
        moderator,
        consultation,
        "Proposition retenue",
        "",
        consultation.phases[0].starts_at,
        consultation.phases[0].ends_at,
        positions.Source("proposal", "fr", proposal_id=proposal.id),
    )
    proposal.body = "Changé après coup."
    db.session.commit()
    version = positions.current_version(position)
    assert version.text_fr == "Le texte retenu." and version.source == "proposal"
    assert version.source_label == f"Proposal: {proposal.title}"
