"""Secret ballots: who voted and what was voted cannot be joined from the schema or the stored data."""

from __future__ import annotations

import hashlib
import re

from flask import Flask
from sqlalchemy import inspect, select, text

from civic.extensions import db
from civic.voting import services
from civic.voting.models import Ballot, Participation
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
    ballots = list(db.session.scalars(select(Ballot)))
    assert all(b.voter_id is None and b.voter_tag is None for b in ballots)
    assert all(re.fullmatch(r"[0-9a-f]{32}", b.id) for b in ballots)
    stored = " ".join(f"{b.id} {b.choice} {b.receipt} {b.record_hash}" for b in ballots)
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
    assert ballot.voter_tag == services.voter_tag(poll.id, user.id)
    app.config["SECRET_KEY"], saved = "another secret", app.config["SECRET_KEY"]
    try:
        assert ballot.voter_tag != services.voter_tag(poll.id, user.id)
    finally:
        app.config["SECRET_KEY"] = saved
