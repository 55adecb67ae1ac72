"""The ballot hash chain: each record holds the previous hash; edits, removals and insertions show."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select, update

from civic.extensions import db
from civic.voting import chain
from civic.voting.models import Ballot, Poll
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll


def _poll_with_ballots(n: int = 4) -> Poll:
    consultation = make_consultation()
    poll = make_poll(consultation)
    for i in range(n):
        cast(make_user(), poll, consultation, [i % 4])
    return poll


def test_each_record_holds_the_previous_hash(app: Flask) -> None:
    poll = _poll_with_ballots()
    ballots = list(db.session.scalars(select(Ballot).order_by(Ballot.position)))
    assert ballots[0].previous_hash == chain.genesis_hash(poll.id)
    for before, after in zip(ballots, ballots[1:], strict=False):
        assert after.previous_hash == before.record_hash
    assert poll.head_hash == ballots[-1].record_hash
    assert chain.verify_chain(poll)


def test_an_edited_ballot_breaks_the_chain(app: Flask) -> None:
    poll = _poll_with_ballots()
    db.session.execute(update(Ballot).where(Ballot.position == 2).values(choice="[3]"))
    db.session.commit()
    assert not chain.verify_chain(poll)


def test_a_removed_ballot_breaks_the_chain(app: Flask) -> None:
    poll = _poll_with_ballots()
    db.session.execute(delete(Ballot).where(Ballot.position == 4))
    db.session.commit()
    assert not chain.verify_chain(poll)


def test_an_inserted_ballot_breaks_the_chain(app: Flask) -> None:
    poll = _poll_with_ballots(2)
    forged = Ballot(
        id="f" * 32,
        poll_id=poll.id,
        position=3,
        choice="[0]",
        receipt="AAAA-AAAA-AAAA-AAAA",
        previous_hash=poll.head_hash,
        record_hash=chain.record_hash(poll.head_hash, "f" * 32, "[0]", "AAAA-AAAA-AAAA-AAAA"),
    )
    db.session.add(forged)
    db.session.commit()
    assert not chain.verify_chain(poll)  # the poll's head and length no longer match


def test_the_receipt_depends_on_the_server_secret_and_the_ballot(app: Flask) -> None:
    code = chain.receipt_code(1, "a" * 32, "[0]")
    assert code != chain.receipt_code(1, "a" * 32, "[1]")
    assert code != chain.receipt_code(1, "b" * 32, "[0]")
    app.config["SECRET_KEY"], saved = "another secret", app.config["SECRET_KEY"]
    try:
        assert code != chain.receipt_code(1, "a" * 32, "[0]")
    finally:
        app.config["SECRET_KEY"] = saved
