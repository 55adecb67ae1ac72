"""A consultation's open-data package: valid Frictionless data, verifiable polls, no personal data."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.accounts.models import User
from civic.api import tokens
from civic.coalitions.models import Position
from civic.consultations.models import Consultation
from civic.deliberation.discussion import services as discussion
from civic.deliberation.opinions import services as opinions
from civic.extensions import db
from civic.opendata import services
from civic.timestamps import utcnow
from civic.voting import closing
from tests.coalitions.factories import endorse, make_position
from tests.conftest import sign_in
from tests.deliberation.factories import make_comment, make_thread
from tests.deliberation.opinions.factories import make_map, statements_of
from tests.factories import make_consultation, make_organisation, make_proposal, make_user
from tests.voting.factories import cast, make_poll

ROOT = Path(__file__).resolve().parents[2]


def _world() -> tuple[object, list[object]]:
    moderator = make_user(name="Modératrice", email="moderatrice@example.org")
    consultation = make_consultation(moderators=[moderator], phases=[("deliberation", -1, 10)])
    consultation.phases[0].components = "proposals discussion voting opinions"
    db.session.commit()
    people = [make_user(name=f"Personne {i}", email=f"p{i}@example.org") for i in range(6)]
    make_proposal(consultation, people[0], title='=HYPERLINK("http://x")', body="Un texte")
    make_proposal(consultation, people[1], title="Brouillon privé", body="x", state="draft")
    hidden = make_proposal(consultation, people[2], title="Caché", body="Texte caché")
    hidden.hidden, hidden.hidden_reason = True, "Hors sujet"
    thread = make_thread(consultation)
    make_comment(thread, people[3], "Un avis public")
    secret = make_comment(thread, people[4], "Propos masqué")
    secret.hidden, secret.hidden_reason = True, "Insulte"
    gone = make_comment(thread, people[5], "Propos effacé")
    discussion.delete_comment(people[5], gone)
    poll = make_poll(consultation)
    for i, person in enumerate(people):
        cast(person, poll, consultation, [i % 2, 1 - i % 2])
    closing.close_poll(moderator, consultation, poll)
    make_poll(consultation)  # still open: not in the package
    tokens.create(people[0], "site", "read")
    _campaign(consultation, moderator, people)
    return consultation, [moderator, *people]


def _campaign(consultation: Consultation, moderator: User, people: list[User]) -> None:
    """A position endorsed by an organisation, a named citizen and one who chose not to be named; an
    opinion map with votes and a hidden statement."""
    position = make_position(consultation, moderator)
    endorse(people[0], position, organisation=make_organisation(people[0], name="Centre Quartier"))
    endorse(people[1], position, show_name=True, statement="=SUM(A1)")
    endorse(
        make_user(name="Sans Nom", email="sans-nom@example.org"),
        position,
        "reservations",
        statement="Sous réserve du budget",
    )
    opinion_map = make_map(consultation, moderator)
    for person in people:
        for statement in statements_of(opinion_map)[:4]:
            opinions.vote(person, opinion_map, statement.id, 1 if person.id % 2 else -1)
    secret = opinions.add_statement(people[2], opinion_map, "Énoncé masqué")
    secret.hidden = True
    db.session.commit()


def _package(client: FlaskClient, slug: str) -> zipfile.ZipFile:
    response = client.get(f"/c/{slug}/open-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_package_is_valid_frictionless_data(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    from frictionless import validate

    consultation, _people = _world()
    archive = _package(client, consultation.slug)
    archive.extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    names = {r["name"] for r in descriptor["resources"]}
    assert names >= {"proposals", "comments", "polls", "moderation_log", "positions", "endorsements"}
    opinion_map = next(n for n in names if n.startswith("opinion-map-")).split("-")[2]
    assert {f"opinion-map-{opinion_map}-{n}" for n in ("comments", "votes", "participants-votes")} <= names
    summary = next(r for r in descriptor["resources"] if r["name"] == f"opinion-map-{opinion_map}-summary")
    assert summary["dialect"] == {"header": False}  # Pol.is's key-value lines: "topic" is a row, not a header
    card = (tmp_path / "README.md").read_text()
    assert "Licence" in card and "What is not in it" in card and "Ce qui n" in card  # both languages


def test_what_the_site_hides_stays_out(app: Flask, client: FlaskClient) -> None:
    consultation, _people = _world()
    archive = _package(client, consultation.slug)
    proposals = archive.read("data/proposals.csv").decode()
    comments = archive.read("data/comments.csv").decode()
    assert "Brouillon privé" not in proposals and "Texte caché" not in proposals and "Hors sujet" in proposals
    assert "Propos masqué" not in comments and "Insulte" in comments and "Propos effacé" not in comments
    assert "'=HYPERLINK" in proposals  # a formula cell neutralised
    statements = next(
        n for n in archive.namelist() if n.startswith("opinions/") and n.endswith("comments.csv")
    )
    assert "Des ateliers numériques" in archive.read(statements).decode()
    assert "Énoncé masqué" not in archive.read(statements).decode()


def test_the_campaign_is_in_the_package(app: Flask, client: FlaskClient) -> None:
    consultation, people = _world()
    archive = _package(client, consultation.slug)
    positions = list(csv.DictReader(io.StringIO(archive.read("data/positions.csv").decode())))
    assert [(p["title_fr"], p["version"], p["organisations"], p["citizens"]) for p in positions] == [
        ("Plan numérique", "1", "1", "2")
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", positions[0]["content_hash"])
    rows = list(csv.DictReader(io.StringIO(archive.read("data/endorsements.csv").decode())))
    assert sorted((r["kind"], r["name"], r["stance"]) for r in rows) == [
        ("citizen", "", "reservations"),  # chose not to be named
        ("citizen", people[2].display_name, "endorse"),
        ("organisation", "Centre Quartier", "endorse"),
    ]
    assert {r["content_hash"] for r in rows} == {positions[0]["content_hash"]}
    assert "'=SUM(A1)" in archive.read("data/endorsements.csv").decode()
    assert "Sans Nom" not in b"".join(archive.read(n) for n in archive.namelist()).decode()
    card = archive.read("README.md").decode()
    assert "data/endorsements.csv" in card and "opinions/map-N/" in card


def test_no_personal_data_leaves(app: Flask, client: FlaskClient) -> None:
    consultation, people = _world()
    archive = _package(client, consultation.slug)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", everything), "an e-mail address"
    assert "$argon2" not in everything and "civic_" not in everything
    for person in people:
        assert person.password_hash not in everything and person.session_token not in everything
    for name in archive.namelist():
        if name.endswith("-audit.json"):
            audit = json.loads(archive.read(name))
            for record in audit["records"]:
                assert set(record) <= {"position", "ballot_id", "choice", "voter_tag", "previous_hash",
                                       "record_hash", "signature", "receipt", "format"}  # fmt: skip


def test_anyone_recounts_every_closed_poll_from_the_package_alone(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    consultation, _people = _world()
    package = tmp_path / "open-data.zip"
    package.write_bytes(client.get(f"/c/{consultation.slug}/open-data.zip").data)
    command = [sys.executable, "-m", "civic.voting", "verify", str(package)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all checks passed" in done.stdout and "again gives the published result" in done.stdout
    # A ballot changed in the package is caught.
    with zipfile.ZipFile(package) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in files if n.endswith("-audit.json"))
    audit = json.loads(files[name])
    audit["records"][0]["choice"] = "[1,0]" if audit["records"][0]["choice"] != "[1,0]" else "[0,1]"
    files[name] = json.dumps(audit).encode()
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    done = subprocess.run(
        [*command[:-1], str(tampered)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )  # noqa: S603
    assert done.returncode == 1 and "FAILED" in done.stdout


def test_the_address_is_stable_and_answers_304_when_unchanged(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OPENDATA_MAX_AGE_HOURS", 24)  # the stored package, as in production
    consultation, _people = _world()
    first = client.get(f"/c/{consultation.slug}/open-data.zip")
    again = client.get(
        f"/c/{consultation.slug}/open-data.zip", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    page = client.get(f"/c/{consultation.slug}/open-data").get_data(as_text=True)
    assert f"/c/{consultation.slug}/open-data.zip" in page and "datapackage.json" in page


def test_private_consultations_publish_nothing_to_strangers(app: Flask, client: FlaskClient) -> None:
    members = make_consultation(visibility="registered")
    draft = make_consultation(status="draft")
    assert client.get(f"/c/{members.slug}/open-data.zip").status_code == 403
    assert client.get(f"/c/{draft.slug}/open-data.zip").status_code == 404


def test_the_research_export_is_for_administrators_with_small_counts_suppressed(app: Flask) -> None:
    consultation, people = _world()
    citizen = app.test_client()
    sign_in(citizen, people[1].email)
    assert citizen.get(f"/c/{consultation.slug}/research.zip").status_code == 403
    admin = app.test_client()
    sign_in(admin, make_user(admin=True).email)
    exports = [
        zipfile.ZipFile(io.BytesIO(admin.get(f"/c/{consultation.slug}/research.zip").data)) for _ in range(2)
    ]
    daily = exports[0].read("participation_by_day.csv").decode()
    counts = [row.split(",")[-2:] for row in daily.strip().splitlines()[1:]]
    assert counts and all(c in ("<5",) or int(c) >= 5 for row in counts for c in row)
    assert "<5" in daily
    pseudonyms = [
        set(re.findall(r"^[0-9a-f]{16}", e.read("participants.csv").decode(), re.M)) for e in exports
    ]
    assert pseudonyms[0] and not pseudonyms[0] & pseudonyms[1]  # not linkable across exports
    assert "dictionary.md" in exports[0].namelist()
    everything = b"".join(exports[0].read(n) for n in exports[0].namelist()).decode()
    assert "@example.org" not in everything and "Personne" not in everything


@pytest.mark.parametrize("path", ["/c/{slug}/open-data", "/c/{slug}/open-data/datapackage.json"])
def test_the_description_pages_answer(app: Flask, client: FlaskClient, path: str) -> None:
    consultation, _people = _world()
    assert client.get(path.format(slug=consultation.slug)).status_code == 200


def test_the_package_is_made_again_once_a_poll_or_an_endorsement_period_closes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OPENDATA_MAX_AGE_HOURS", 24)  # the tests' setting is 0: always made
    consultation, people = _world()
    _data, made = services.package_of(consultation)
    assert services.package_of(consultation, made + timedelta(minutes=5))[1] == made  # kept
    position = db.session.scalars(select(Position).where(Position.consultation_id == consultation.id)).one()
    position.closes_at = made + timedelta(hours=1)
    db.session.commit()
    assert services.package_of(consultation, made + timedelta(minutes=30))[1] == made  # not closed yet
    remade = services.package_of(consultation, made + timedelta(hours=2))[1]
    assert remade > made  # closed since: made again
    poll = make_poll(consultation)
    cast(people[1], poll, consultation, [0, 1])
    closing.close_poll(people[0], consultation, poll)
    data, when = services.package_of(consultation, utcnow() + timedelta(seconds=1))
    assert (
        when > remade and f"polls/poll-{poll.id}-audit.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    )
