"""Secret ballots: no row pairs a person with a ballot, and after closing the database files keep no trace
that would (SQLite's pages and write-ahead log, PostgreSQL's heap tuples), read as an auditor reads them."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text

from civic import create_app
from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.database import protect_sqlite_file
from civic.extensions import db
from civic.voting import ballots, chain, closing
from civic.voting.models import Ballot, Participation, Poll
from config import private_folder
from tests.conftest import base_config
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_participation_and_ballot_tables_share_nothing_but_the_poll(app: Flask) -> None:
    inspector = inspect(db.engine)
    participation = {c["name"] for c in inspector.get_columns("poll_participations")}
    ballot = {c["name"] for c in inspector.get_columns("ballots")}
    assert participation & ballot == {"poll_id"}
    # No person id, no row id, no timestamp: a pseudonym computed with the server's secret.
    assert participation == {"poll_id", "voter", "form_nonce"}
    assert not any("time" in c or c.endswith("_at") for c in participation | ballot)
    ballot_fks = {fk["referred_table"] for fk in inspector.get_foreign_keys("ballots")}
    assert "poll_participations" not in ballot_fks
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("poll_participations")} == {"polls"}


def test_secret_ballots_name_no_one_and_have_random_ids(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    users = [make_user() for _ in range(5)]
    for user in users:
        cast(user, poll, consultation, [0])
    rows = list(db.session.scalars(select(Ballot)))
    assert all(b.voter_id is None and b.voter_tag is None for b in rows)
    assert all(re.fullmatch(r"[0-9a-f]{32}", b.id) for b in rows)
    stored = " ".join(f"{b.id} {b.choice} {b.receipt} {b.record_hash} {b.signature}" for b in rows)
    for user in users:
        assert str(user.id) not in stored.split() and user.email not in stored


def test_participations_are_stored_under_keyed_pseudonyms_not_person_ids(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    users = [make_user() for _ in range(4)]
    for user in users:
        cast(user, poll, consultation, [0])
    stored = set(db.session.scalars(select(Participation.voter).where(Participation.poll_id == poll.id)))
    assert stored == {chain.participant(poll.id, u.id) for u in users}
    # Not an unkeyed hash anyone could recompute, and not the tag its ballots carry.
    for user in users:
        assert hashlib.sha256(f"{poll.id}:{user.id}".encode()).hexdigest() not in stored
    tags = set(db.session.scalars(select(Ballot.voter_tag).where(Ballot.poll_id == poll.id)))
    assert not stored & tags
    assert all(ballots.has_voted(poll, u) for u in users) and not ballots.has_voted(poll, make_user())
    app.config["VOTING_SECRET_KEY"] = "another secret"
    try:
        assert not ballots.has_voted(poll, users[0])  # pairing needs the server's secret
    finally:
        app.config["VOTING_SECRET_KEY"] = None


@pytest.mark.databases("sqlite")  # PostgreSQL's heap order is not a rowid: see the closing tests below
def test_participations_are_not_stored_in_the_order_people_voted(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    for user in [make_user() for _ in range(6)]:
        cast(user, poll, consultation, [0])
    # No rowid to sort by: the table is WITHOUT ROWID and its natural order is the key order.
    rows = db.session.execute(
        text("SELECT voter FROM poll_participations WHERE poll_id = :p"), {"p": poll.id}
    )
    voters = [r[0] for r in rows]
    assert voters == sorted(voters)
    sql = db.session.execute(
        text("SELECT sql FROM sqlite_master WHERE name = 'poll_participations'")
    ).scalar()
    assert sql is not None and "WITHOUT ROWID" in sql


def _vote(n: int, allow_changes: bool = True) -> tuple[User, Consultation, Poll, list[User]]:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, allow_changes=allow_changes)
    users = [make_user() for _ in range(n)]
    for user in users:
        cast(user, poll, consultation, [0], nonce=f"form-{poll.id}-{user.id}")
    if allow_changes:  # an update writes a new row version
        cast(users[2], poll, consultation, [1], nonce="a second ballot")
    return moderator, consultation, poll, users


def test_closing_keeps_every_participation_as_it_was(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(5)
    query = select(Participation.voter, Participation.form_nonce).where(Participation.poll_id == poll.id)
    before = sorted(db.session.execute(query).all())
    db.session.rollback()
    closing.close_poll(moderator, consultation, poll)
    db.session.expire_all()
    assert sorted(db.session.execute(query).all()) == before and len(before) == len(users)
    assert poll.voter_count == len(users)
    assert all(ballots.has_voted(poll, db.session.get(User, u.id)) for u in users)


def test_closing_erases_the_salt_so_published_tags_name_no_one(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(3)
    salt = poll.tag_salt
    assert salt
    tags = {b.voter_tag for b in db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id))}
    assert chain.voter_tag(poll.id, users[0].id, salt) in tags
    closing.close_poll(moderator, consultation, poll)
    db.session.refresh(poll)
    assert poll.tag_salt is None
    # With the secret but without the salt, no tag can be recomputed for anyone.
    assert not {chain.voter_tag(poll.id, u.id, "") for u in users} & tags


def test_public_ballots_name_their_voter(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, secrecy="public")
    user = make_user()
    cast(user, poll, consultation, [0])
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.voter_id == user.id
    assert db.session.get(Participation, (poll.id, chain.participant(poll.id, user.id))) is not None


# --- PostgreSQL: heap order, xmin and dead tuples, read with pageinspect -----------------------------


def _tuples(table: str) -> list[tuple[int | None, bytes | None]]:
    """(xmin, data) of every line pointer of every page of a table, dead ones included (pageinspect)."""
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    pages = db.session.scalar(
        text("SELECT pg_relation_size(:t) / current_setting('block_size')::int"), {"t": table}
    )
    found: list[tuple[int | None, bytes | None]] = []
    for page in range(int(pages or 0)):
        rows = db.session.execute(
            text("SELECT t_xmin::text::bigint, t_data FROM heap_page_items(get_raw_page(:t, :n))"),
            {"t": table, "n": page},
        )
        found.extend((r[0], bytes(r[1]) if r[1] is not None else None) for r in rows)
    db.session.commit()
    return found


def _ballot_xmins(poll_id: int) -> set[int]:
    rows = db.session.execute(
        text("SELECT xmin::text::bigint FROM ballots WHERE poll_id = :p"), {"p": poll_id}
    )
    found = set(rows.scalars())
    db.session.commit()
    return found


@pytest.mark.databases("postgresql")
def test_postgresql_keeps_no_tuple_written_with_a_ballot_after_closing(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(8)
    voters = {chain.participant(poll.id, u.id).encode() for u in users}
    ballot_xmins = _ballot_xmins(poll.id)
    mine = [(x, d) for x, d in _tuples("poll_participations") if d and any(v in d for v in voters)]
    # What closing is for: while the poll is open each participation tuple, live or dead, was written
    # by the transaction of a ballot (the update of the changed vote left a dead one).
    assert len(mine) == len(users) + 1 and {x for x, _d in mine} <= ballot_xmins
    closing.close_poll(moderator, consultation, poll)
    after = _tuples("poll_participations")
    with_xmin = [(x, d) for x, d in after if x is not None]
    assert not {x for x, _d in with_xmin} & ballot_xmins, "a participation tuple still shares a ballot's xmin"
    mine = [d for _x, d in with_xmin if d and any(v in d for v in voters)]
    assert len(mine) == len(users)  # one live tuple each, no dead copy left
    # No tuple holds a person's id at all: the table has no such column.
    assert {c["name"] for c in inspect(db.engine).get_columns("poll_participations")} == {
        "poll_id",
        "voter",
        "form_nonce",
    }


@pytest.mark.databases("postgresql")
def test_closing_rewrites_participations_so_heap_order_forgets_the_voting_order(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(8, allow_changes=False)
    query = text("SELECT voter FROM poll_participations WHERE poll_id = :p ORDER BY ctid")
    voting_order = [chain.participant(poll.id, u.id) for u in users]
    before = list(db.session.execute(query, {"p": poll.id}).scalars())
    db.session.commit()
    # A reused heap may put rows anywhere; the check that matters is after closing.
    closing.close_poll(moderator, consultation, poll)
    after = list(db.session.execute(query, {"p": poll.id}).scalars())
    assert sorted(before) == sorted(after) == sorted(voting_order)
    assert after == sorted(voting_order)


# --- SQLite: the database file and its write-ahead log, read as bytes --------------------------------


def _wal_commits(path: Path) -> list[bytes]:
    """The frames of the write-ahead log, grouped by transaction (each group ends at a commit frame).

    Frames of an older generation (left after a checkpoint reset the log) are read too: an auditor
    reading the file sees them as well.
    """
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 32:
        return []
    page_size = int.from_bytes(data[8:12], "big")
    commits, current, offset = [], bytearray(), 32
    while offset + 24 + page_size <= len(data):
        header, page = data[offset : offset + 24], data[offset + 24 : offset + 24 + page_size]
        current += page
        if int.from_bytes(header[4:8], "big"):  # "database size after commit": a commit frame
            commits.append(bytes(current))
            current = bytearray()
        offset += 24 + page_size
    if current:
        commits.append(bytes(current))
    return commits


def _database_files() -> tuple[Path, Path]:
    db.session.commit()  # nothing of the test's own holds the file
    path = db.engine.url.database
    assert path is not None
    return Path(path), Path(path + "-wal")


@pytest.mark.databases("sqlite")
def test_sqlite_log_pairs_pseudonyms_with_ballots_only_while_open(app: Flask) -> None:
    """While the poll is open, each vote's commit in the log holds its participation and its ballot.

    That is what docs/polls.md admits (pairing them needs the server's secret); closing erases it.
    """
    moderator, consultation, poll, users = _vote(6, allow_changes=False)
    database, wal = _database_files()
    commits = _wal_commits(wal)
    pairs = {
        (u.id, b.id)
        for u in users
        for b in db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id))
        for commit in commits
        if chain.participant(poll.id, u.id).encode() in commit and b.id.encode() in commit
    }
    assert len({user for user, _ballot in pairs}) == len(users)
    closing.close_poll(moderator, consultation, poll)
    database, wal = _database_files()
    assert wal.stat().st_size == 0 and _wal_commits(wal) == []


@pytest.mark.databases("sqlite")
def test_sqlite_files_keep_no_old_participation_after_closing(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(8)
    nonces = set(db.session.scalars(select(Participation.form_nonce).where(Participation.poll_id == poll.id)))
    closing.close_poll(moderator, consultation, poll)
    database, wal = _database_files()
    assert wal.stat().st_size == 0  # the log's frames, which paired votes, are gone
    data = database.read_bytes()
    for user in users:
        # Each participation is in the file once: its old cells, in voting order, were zeroed.
        assert data.count(chain.participant(poll.id, user.id).encode()) == 1
    for nonce in nonces:
        assert data.count(nonce.encode()) == 1
    # The replaced form's hash (the changed vote) is nowhere.
    replaced = hashlib.sha256(f"form-{poll.id}-{users[2].id}".encode()).hexdigest().encode()
    assert replaced not in nonces and replaced not in data


@pytest.mark.databases("sqlite")
def test_sqlite_pages_keep_participations_in_key_order_after_closing(app: Flask) -> None:
    moderator, consultation, poll, users = _vote(8, allow_changes=False)
    closing.close_poll(moderator, consultation, poll)
    database, _wal = _database_files()
    data = database.read_bytes()
    voters = sorted(chain.participant(poll.id, u.id) for u in users)
    offsets = [data.index(v.encode()) for v in voters]
    # SQLite fills a page from its end: key order means offsets decrease along the sorted pseudonyms.
    assert offsets == sorted(offsets, reverse=True)


# --- files readable by their owner only ----------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_log_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "civic.sqlite3"
    old_umask = os.umask(0o022)
    try:
        app = create_app({"CIVIC_ENV": "testing", **base_config(f"sqlite:///{path}")})
        with app.app_context():
            db.create_all()
            db.session.execute(text("CREATE TABLE IF NOT EXISTS probe (x)"))
            db.session.execute(text("INSERT INTO probe VALUES (1)"))
            db.session.commit()
            assert _mode(path) == 0o600
            assert _mode(Path(f"{path}-wal")) == 0o600 and _mode(Path(f"{path}-shm")) == 0o600
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(path.parent) == 0o700


def test_existing_files_and_the_instance_folder_are_tightened_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    path = instance / "civic.sqlite3"
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.write_bytes(b"")
        name.chmod(0o644)
    monkeypatch.setattr("civic.database.INSTANCE", instance)
    protect_sqlite_file(path)
    assert _mode(instance) == 0o700
    assert all(_mode(p) == 0o600 for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")))
    other = tmp_path / "secret-home"
    private_folder(other)
    assert _mode(other) == 0o700
