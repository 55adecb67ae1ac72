"""The upgrade to the signed chain keeps an existing database working: voters keep their receipt codes,
who voted is kept under pseudonyms, every poll's audit verifies, and voting goes on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from civic import create_app
from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.voting import ballots, exports
from civic.voting.audit.tally import CountedBallot, Rules, count
from civic.voting.models import Ballot, Poll
from tests.conftest import TEST_DATABASE_URL, PostgresDatabase, base_config, service_missing

BEFORE = "0bbdc51e4ee9"  # the last revision before pseudonymous participations and signatures
SECRET = "an existing deployment's secret"
pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def old_database(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh database migrated only up to the revision before this change."""
    if backend == "postgresql":
        if not TEST_DATABASE_URL:
            service_missing("PostgreSQL tests need TEST_DATABASE_URL")
        database = PostgresDatabase(TEST_DATABASE_URL or "")
        url = database.__enter__()
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"CIVIC_ENV": "testing", **base_config(url), "SECRET_KEY": SECRET})
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            database.__exit__()


def _insert(table: str, **values: Any) -> int | None:
    """Insert a row with the given values, filling other required columns as the old schema asks."""
    for column in inspect(db.engine).get_columns(table):
        name = column["name"]
        if (
            name in values
            or column["nullable"]
            or column.get("default") is not None
            or column.get("autoincrement") is True
        ):
            continue
        if name == "id":
            continue
        kind = str(column["type"]).upper()
        if "DATE" in kind or "TIME" in kind:
            values[name] = datetime.now(UTC)
        elif "BOOL" in kind:
            values[name] = False
        else:
            values[name] = 0 if "INT" in kind else ""
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    returning = " RETURNING id" if "id" in {c["name"] for c in inspect(db.engine).get_columns(table)} else ""
    row = db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}){returning}"), values)  # noqa: S608 - test's own names
    return row.scalar() if returning else None


def _key(purpose: str) -> bytes:
    return hmac.new(SECRET.encode(), f"civic.voting.{purpose}".encode(), hashlib.sha256).digest()


def _legacy_poll(
    consultation_id: int, voters: list[int], closed: bool, allow_changes: bool
) -> tuple[int, list[str]]:
    """A poll as the previous version stored it: participations by person id, HMAC receipts, old chain."""
    now = datetime.now(UTC)
    poll_id = _insert(
        "polls",
        consultation_id=consultation_id,
        question_fr="Ancien scrutin",
        method="schulze",
        seats=1,
        rules_preset="default",
        max_score=5,
        block_threshold=1,
        seed=7,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=3),
        eligibility="registered",
        secrecy="secret",
        allow_changes=allow_changes,
        chain_length=0,
        head_hash="",
        voter_count=len(voters),
    )
    assert poll_id is not None
    for position in range(3):
        _insert(
            "poll_options", poll_id=poll_id, position=position, label_fr=f"Option {position}", label_en=""
        )
    previous, receipts = hashlib.sha256(f"civic poll {poll_id}".encode()).hexdigest(), []
    counted: list[CountedBallot] = []
    casts = [*voters, *(voters[:1] if allow_changes else [])]  # the first voter changed their ballot
    for position, user_id in enumerate(casts, start=1):
        ballot_id, choice = (
            secrets.token_hex(16),
            json.dumps([position % 3, (position + 1) % 3], separators=(",", ":")),
        )
        digest = hmac.new(
            _key("receipt"), f"{poll_id}:{ballot_id}:{choice}".encode(), hashlib.sha256
        ).digest()
        code = base64.b32encode(digest[:10]).decode()
        receipt = "-".join(code[i : i + 4] for i in range(0, 16, 4))
        tag = (
            hmac.new(_key("voter-tag"), f"{poll_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
            if allow_changes
            else None
        )
        record = hashlib.sha256(f"{previous}|{ballot_id}|{choice}|{receipt}".encode()).hexdigest()
        _insert(
            "ballots",
            id=ballot_id,
            poll_id=poll_id,
            position=position,
            choice=choice,
            receipt=receipt,
            previous_hash=previous,
            record_hash=record,
            voter_tag=tag,
        )
        receipts.append(receipt)
        counted.append(CountedBallot(choice, receipt))
        previous = record
    for user_id in voters:
        _insert("poll_participations", poll_id=poll_id, user_id=user_id, form_nonce="")
    db.session.execute(
        text("UPDATE polls SET chain_length = :n, head_hash = :h WHERE id = :p"),
        {"n": len(casts), "h": previous, "p": poll_id},
    )
    if closed:  # counted by the previous version: its result document, with its stored verdict
        rules = Rules(
            "schulze", ["Option 0", "Option 1", "Option 2"], "Ancien scrutin", 1, "default", 7, 5, 1
        )
        document = {
            "poll": poll_id,
            "question": {"fr": "Ancien scrutin", "en": ""},
            "result": count(rules, counted).to_dict(),
            "chain": {"records": len(casts), "head": previous, "valid": True},
            "counted_ballots": len(counted),
        }
        db.session.execute(
            text("UPDATE polls SET closed_at = :t, result_json = :doc WHERE id = :p"),
            {"t": now - timedelta(hours=1), "doc": json.dumps(document), "p": poll_id},
        )
    db.session.commit()
    return poll_id, receipts


def test_upgrading_keeps_receipts_and_who_voted_and_every_audit_verifies(old_database: Flask) -> None:
    voters = [
        _insert("users", email=f"v{i}@example.org", display_name=f"V{i}", session_token=secrets.token_hex(8))
        for i in range(4)
    ]
    consultation_id = _insert(
        "consultations", slug="ancienne", title_fr="Ancienne", status="open", visibility="public"
    )
    assert consultation_id is not None and all(v is not None for v in voters)
    user_ids = [int(v) for v in voters if v is not None]
    open_poll, open_receipts = _legacy_poll(consultation_id, user_ids, closed=False, allow_changes=True)
    closed_poll, closed_receipts = _legacy_poll(consultation_id, user_ids, closed=True, allow_changes=False)
    db.session.commit()

    upgrade()
    db.session.remove()

    assert {c["name"] for c in inspect(db.engine).get_columns("poll_participations")} == {
        "poll_id",
        "voter",
        "form_nonce",
    }
    closed = db.session.get(Poll, closed_poll)
    assert closed is not None
    report = exports.verification(closed)
    assert report.ok, report.problems
    assert set(report.receipts) == set(closed_receipts) and report.upgraded == len(closed_receipts)
    assert report.recounted and "valid" not in json.loads(closed.result_json or "{}")["chain"]
    poll = db.session.get(Poll, open_poll)
    consultation = db.session.get(Consultation, consultation_id)
    assert poll is not None and consultation is not None
    report = exports.verification(poll)
    assert report.ok, report.problems
    assert set(report.receipts) == set(open_receipts)
    assert not report.receipts[open_receipts[0]].counted  # the first voter's first ballot stays replaced
    people = [db.session.get(User, u) for u in user_ids]
    assert all(p is not None and ballots.has_voted(poll, p) for p in people)
    # Voting goes on: the first voter changes again (their old ballots are found through the new tags).
    first = people[0]
    assert first is not None
    ballots.cast_ballot(first, poll, consultation, [2])
    report = exports.verification(poll)
    assert report.ok and report.counted == len(user_ids) and report.records == len(open_receipts) + 1
    counted = {b.choice for b in ballots.counted_ballots(poll)}
    assert "[2]" in counted
    assert (
        db.session.scalar(select(Ballot.record_format).where(Ballot.poll_id == poll.id, Ballot.position == 1))
        == 0
    )
