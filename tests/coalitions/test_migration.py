"""The upgrade that keeps citizens' counts and watches conditions and expiries fills both from the
endorsements already given, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from civic import create_app
from civic.extensions import db
from tests.conftest import TEST_DATABASE_URL, PostgresDatabase, base_config, service_missing

BEFORE = "edadf699cf25"  # the revision before citizen_tallies and endorsements.watched
pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def old_database(backend: str, tmp_path: Path) -> Iterator[Flask]:
    if backend == "postgresql":
        if not TEST_DATABASE_URL:
            service_missing("PostgreSQL tests need TEST_DATABASE_URL")
        database = PostgresDatabase(TEST_DATABASE_URL or "")
        url = database.__enter__()
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"CIVIC_ENV": "testing", **base_config(url)})
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            database.__exit__()


def _insert(table: str, **values: Any) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    row = db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values)  # noqa: S608 - the test's own names
    return int(row.scalar_one())


def test_the_upgrade_counts_citizens_and_watches_conditions_and_expiries(old_database: Flask) -> None:
    now = datetime.now(UTC).replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else datetime.now(UTC)
    consultation = _insert(
        "consultations",
        slug="c",
        title_fr="C",
        title_en="",
        description_fr="",
        description_en="",
        description_html_fr="",
        description_html_en="",
        status="open",
        visibility="public",
        created_at=now,
        flag_threshold=3,
    )
    position = _insert(
        "positions",
        consultation_id=consultation,
        title_fr="P",
        title_en="",
        opens_at=now,
        closes_at=now + timedelta(days=3),
        created_at=now,
    )
    version = _insert(
        "position_versions",
        position_id=position,
        number=1,
        reference="fr",
        text_fr="T",
        text_en="",
        html_fr="",
        html_en="",
        content_hash="h",
        source="text",
        source_label="",
        note="",
        note_html="",
        published_at=now,
    )
    organisation = _insert(
        "organisations",
        slug="o",
        name="O",
        description="",
        description_html="",
        website="",
        logo_url="",
        verified=True,
        created_at=now,
    )
    common = {
        "position_id": position, "version_id": version, "content_hash": "h", "statement": "", "statement_html": "",
        "signatory_name": "", "signatory_role": "", "mandate_body": "", "mandate_scope": "", "mandate_url": "",
        "revision": 1, "expiry_noted": False, "created_at": now, "updated_at": now,
    }  # fmt: skip
    people = [
        _insert(
            "users",
            email=f"p{i}@example.org",
            display_name=f"P{i}",
            password_hash="x",
            locale="fr",
            is_admin=False,
            created_at=now,
            session_token="t",
            email_notifications=False,
        )
        for i in range(5)
    ]
    citizens = [
        ("endorse", "", True, True),
        ("endorse", "", True, True),
        ("endorse", "", False, True),
        ("oppose", "pending", False, True),
        ("endorse", "", False, False),  # revoked: not counted
    ]
    for person, (stance, condition, named, active) in zip(people, citizens, strict=True):
        _insert(
            "endorsements",
            endorser=f"u:{person}",
            user_id=person,
            stance=stance,
            condition_state=condition,
            show_name=named,
            active=active,
            **common,
        )
    _insert(
        "endorsements",
        endorser=f"o:{organisation}",
        organisation_id=organisation,
        stance="endorse",
        condition_state="",
        show_name=False,
        active=True,
        **{**common, "mandate_expires": date.today() + timedelta(days=30)},
    )
    db.session.commit()

    upgrade(revision="3b7e5c0d9a21")

    counts = {
        (stance, condition, bool(named)): count
        for stance, condition, named, count in db.session.execute(
            text("SELECT stance, condition_state, named, count FROM citizen_tallies WHERE position_id = :p"),
            {"p": position},
        )
    }
    assert counts == {("endorse", "", True): 2, ("endorse", "", False): 1, ("oppose", "pending", False): 1}
    watched = {
        endorser: bool(flag)
        for endorser, flag in db.session.execute(text("SELECT endorser, watched FROM endorsements"))
    }
    assert watched == {
        f"u:{people[0]}": False,
        f"u:{people[1]}": False,
        f"u:{people[2]}": False,
        f"u:{people[3]}": True,  # a pending condition
        f"u:{people[4]}": False,
        f"o:{organisation}": True,  # a mandate that will expire
    }
