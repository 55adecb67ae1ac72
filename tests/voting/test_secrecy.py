"""Secret ballots: who voted and what was voted cannot be joined from the schema or the stored data."""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, select, text

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.voting import ballots, chain, closing
from civic.voting.models import Ballot, Participation, Poll
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll


def test_participation_and_ballot_tables_share_nothing_but_the_poll(app: Flask) -> None:
    inspector = inspect(db.engine)
    participation = {c["name"] for c in inspector.get_columns("poll_participations")}
    ballot = {c["name"] for c in inspector.get_columns("ballots")}
    assert participation & ballot == {"poll_id"}
    assert participation == {"poll_id", "user_id", "form_nonce"}  # no id, no timestamp
    assert not any("time" in c or c.endswith("_at") for c in participation | ballot)
    ballot_fks = {fk["referred_table"] for fk in inspector.get_foreign_keys("ballots")}
    assert "poll_participations" not in ballot_fks


def test_secret_ballots_name_no_one_and_have_random_ids(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    users = [make_user() for _ in range(5)]
    for user in users:
        cast(user, poll, consultation, [0])
    rows = list(db.session.scalars(select(Ballot)))
    assert all(b.voter_id is None and b.voter_tag is None for b in rows)
    assert all(re.fullmatch(r"[0-9a-f]{32}", b.id) for b in rows)
    stored = " ".join(f"{b.id} {b.choice} {b.receipt} {b.record_hash}" for b in rows)
    for user in users:
        assert str(user.id) not in stored.split() and user.email not in stored


def test_participations_are_not_stored_in_the_order_people_voted(app: Flask, backend: str) -> None:
    if backend != "sqlite":
        return  # PostgreSQL's heap order is not a rowid; see the module docstring of civic.voting.models
    consultation = make_consultation()
    poll = make_poll(consultation)
    users = [make_user() for _ in range(6)]
    for user in reversed(users):  # vote in the reverse order of user ids
        cast(user, poll, consultation, [0])
    # No rowid to sort by: the table is WITHOUT ROWID and its natural order is the key order.
    rows = db.session.execute(
        text("SELECT user_id FROM poll_participations WHERE poll_id = :p"), {"p": poll.id}
    )
    assert [r[0] for r in rows] == sorted(u.id for u in users)
    sql = db.session.execute(
        text("SELECT sql FROM sqlite_master WHERE name = 'poll_participations'")
    ).scalar()
    assert sql is not None and "WITHOUT ROWID" in sql


def _vote_in_reverse_key_order(n: int) -> tuple[User, Consultation, Poll, list[int], int]:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, allow_changes=True)
    users = [make_user() for _ in range(n)]
    voting_order = [u.id for u in reversed(users)]  # the reverse of key order
    for user in reversed(users):
        cast(user, poll, consultation, [0], nonce=f"form-{user.id}")
    cast(users[2], poll, consultation, [1], nonce="a second ballot")  # an update writes a new row version
    return moderator, consultation, poll, voting_order, users[2].id


def _physical(poll_id: int) -> list[tuple[int, int]]:
    """(user id, writing transaction id) of the poll's participation rows, in heap order (PostgreSQL)."""
    rows = db.session.execute(
        text("SELECT user_id, xmin::text::bigint FROM poll_participations WHERE poll_id = :p ORDER BY ctid"),
        {"p": poll_id},
    )
    return [(r[0], r[1]) for r in rows]


def test_closing_rewrites_participations_so_heap_order_and_xmin_forget_the_voting_order(
    app: Flask, backend: str
) -> None:
    if backend != "postgresql":
        return  # ctid and xmin are PostgreSQL's; the rewrite itself is checked on both below
    # A fresh heap (earlier tests leave free space that rows could fill in any order): rows then go
    # one after the other, and the test sees exactly what the voting order leaves behind.
    db.session.execute(text("TRUNCATE poll_participations"))
    db.session.commit()
    moderator, consultation, poll, voting_order, moved = _vote_in_reverse_key_order(8)
    before = _physical(poll.id)
    # What the rewrite is for: while the poll is open, heap order and xmin follow the voting order.
    assert [u for u, _x in before] == [u for u in voting_order if u != moved] + [moved]
    ballot_xmins = set(
        db.session.execute(
            text("SELECT xmin::text::bigint FROM ballots WHERE poll_id = :p"), {"p": poll.id}
        ).scalars()
    )
    assert {x for _u, x in before} <= ballot_xmins  # each row shares its transaction with a ballot
    db.session.rollback()
    closing.close_poll(moderator, consultation, poll)
    after = _physical(poll.id)
    assert [u for u, _x in after] == sorted(voting_order)
    assert len({x for _u, x in after}) == 1 and not {x for _u, x in after} & ballot_xmins


def _file_offsets(nonces: dict[int, str]) -> dict[int, list[int]]:
    """Where each participation's stored nonce hash lies in the SQLite file (after a checkpoint)."""
    db.session.commit()  # the session's connection goes back to the pool: nothing holds the file
    with db.engine.connect() as connection:
        busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    assert busy == 0
    path = db.engine.url.database
    assert path is not None
    data = Path(path).read_bytes()
    found: dict[int, list[int]] = {}
    for user_id, nonce in nonces.items():
        stored = hashlib.sha256(nonce.encode()).hexdigest().encode()
        found[user_id] = [m.start() for m in re.finditer(re.escape(stored), data)]
    return found


def test_closing_rewrites_participations_so_sqlite_pages_forget_the_voting_order(
    app: Flask, backend: str
) -> None:
    if backend != "sqlite":
        return
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation)
    users = [make_user() for _ in range(8)]
    nonces = {u.id: secrets.token_hex(8) for u in users}
    for user in reversed(users):
        cast(user, poll, consultation, [0], nonce=nonces[user.id])
    before = _file_offsets(nonces)
    # What the rewrite is for: SQLite fills a page from its end, so byte offsets follow the voting order.
    assert sorted(nonces, key=lambda u: -before[u][0]) == [u.id for u in reversed(users)]
    closing.close_poll(moderator, consultation, poll)
    after = _file_offsets(nonces)
    assert all(len(places) == 1 for places in after.values()), after  # no old copy left in the file
    assert sorted(nonces, key=lambda u: -after[u][0]) == sorted(nonces)


def test_closing_keeps_every_participation_as_it_was(app: Flask) -> None:
    moderator, consultation, poll, voting_order, _moved = _vote_in_reverse_key_order(5)
    query = select(Participation.user_id, Participation.form_nonce).where(Participation.poll_id == poll.id)
    before = sorted(db.session.execute(query).all())
    db.session.rollback()
    closing.close_poll(moderator, consultation, poll)
    db.session.expire_all()
    assert sorted(db.session.execute(query).all()) == before and len(before) == len(voting_order)
    assert poll.voter_count == len(voting_order)
    assert all(ballots.has_voted(poll, db.session.get(User, u)) for u in voting_order)


def test_public_ballots_name_their_voter(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, secrecy="public")
    user = make_user()
    cast(user, poll, consultation, [0])
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.voter_id == user.id
    assert db.session.get(Participation, (poll.id, user.id)) is not None


def test_changeable_ballots_carry_a_keyed_tag_not_the_person(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    user = make_user()
    cast(user, poll, consultation, [0])
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.voter_tag is not None and ballot.voter_id is None
    # Not an unkeyed hash anyone could recompute: it needs the server secret, kept out of the database.
    assert ballot.voter_tag != hashlib.sha256(f"{poll.id}:{user.id}".encode()).hexdigest()
    assert ballot.voter_tag == chain.voter_tag(poll.id, user.id)
    app.config["SECRET_KEY"], saved = "another secret", app.config["SECRET_KEY"]
    try:
        assert ballot.voter_tag != chain.voter_tag(poll.id, user.id)
    finally:
        app.config["SECRET_KEY"] = saved
