"""Reliability: 200 concurrent casts by 100 voters (each trying twice) leave 100 ballots and a whole chain.

Real threads, each with its own app context, session and database connection, against the real
database of the `app` fixture: SQLite (WAL, write lock) and PostgreSQL (row lock on the poll).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.errors import CivicError
from civic.extensions import db
from civic.voting import ballots, exports
from civic.voting.models import Ballot, Participation, Poll
from tests.factories import make_consultation
from tests.voting.factories import make_poll

pytestmark = pytest.mark.databases("sqlite", "postgresql")

VOTERS = 100
TRIES = 2


def _voters(n: int) -> list[int]:
    users = [
        User(
            email=f"voter-{i}-{secrets.token_hex(3)}@example.org",
            display_name=f"Voter {i}",
            password_hash="x",
            session_token=secrets.token_hex(16),
        )
        for i in range(n)
    ]
    db.session.add_all(users)
    db.session.commit()
    return [u.id for u in users]


def _storm(app: Flask, poll_id: int, consultation_id: int, user_ids: list[int]) -> Counter[str]:
    """Cast from VOTERS x TRIES threads released at once; return how the attempts ended."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(user_ids) * TRIES)

    def attempt(user_id: int, n: int) -> None:
        start.wait(timeout=60)
        with app.app_context():
            user = db.session.get(User, user_id)
            poll = db.session.get(Poll, poll_id)
            consultation = db.session.get(Consultation, consultation_id)
            assert user is not None and poll is not None and consultation is not None
            choice = [n % 4, (n + 1) % 4]
            try:
                ballots.cast_ballot(user, poll, consultation, choice, nonce=secrets.token_hex(8))
                result = "cast"
            except CivicError as error:
                result = type(error).__name__
            except Exception as error:  # reported, so a failure says what went wrong
                result = f"crash: {error!r}"[:200]
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=attempt, args=(uid, n)) for uid in user_ids for n in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.slow
def test_concurrent_casts_leave_one_ballot_per_voter_and_a_whole_chain(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=False)
    user_ids = _voters(VOTERS)
    began = time.perf_counter()
    outcomes = _storm(app, poll.id, consultation.id, user_ids)
    elapsed = time.perf_counter() - began
    db.session.expire_all()
    assert outcomes == {"cast": VOTERS, "AlreadyVoted": VOTERS}, outcomes
    stored = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id))
    participations = db.session.scalar(
        select(func.count()).select_from(Participation).where(Participation.poll_id == poll.id)
    )
    assert stored == VOTERS and participations == VOTERS
    poll = db.session.get(Poll, poll.id)
    assert poll is not None and poll.chain_length == VOTERS and poll.voter_count == VOTERS
    assert exports.verification(poll).ok
    print(f"\n{VOTERS * TRIES} concurrent casts on {db.engine.dialect.name}: {elapsed:.2f} s")


@pytest.mark.slow
def test_concurrent_changes_keep_the_last_ballot_of_each_voter(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    user_ids = _voters(VOTERS // 2)
    outcomes = _storm(app, poll.id, consultation.id, user_ids)
    db.session.expire_all()
    assert outcomes == {"cast": VOTERS}, outcomes
    poll = db.session.get(Poll, poll.id)
    assert poll is not None and poll.chain_length == VOTERS and poll.voter_count == VOTERS // 2
    assert exports.verification(poll).ok
    assert len(ballots.counted_ballots(poll)) == VOTERS // 2
