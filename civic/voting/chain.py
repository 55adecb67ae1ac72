"""The ballot chain: keyed codes, hashes and the check of a poll's chain against its head."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from civic.extensions import db
from civic.voting.models import Ballot, Poll


def _key(purpose: str) -> bytes:
    """Derive a key for one purpose from the server secret (never stored in the database)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"civic.voting.{purpose}".encode(), hashlib.sha256).digest()


def receipt_code(poll_id: int, ballot_id: str, choice: str) -> str:
    """Return the ballot's tracker: an HMAC of the ballot under the server's receipt key, 16 characters."""
    digest = hmac.new(_key("receipt"), f"{poll_id}:{ballot_id}:{choice}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def voter_tag(poll_id: int, user_id: int) -> str:
    return hmac.new(_key("voter-tag"), f"{poll_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def genesis_hash(poll_id: int) -> str:
    """The 'previous hash' of a poll's first record: ties the chain to its poll."""
    return hashlib.sha256(f"civic poll {poll_id}".encode()).hexdigest()


def record_hash(previous: str, ballot_id: str, choice: str, receipt: str) -> str:
    return hashlib.sha256(f"{previous}|{ballot_id}|{choice}|{receipt}".encode()).hexdigest()


def head_of(poll: Poll) -> str:
    return poll.head_hash or genesis_hash(poll.id)


def verify_chain(poll: Poll) -> bool:
    """Recompute the whole chain from the stored ballots and compare it with the poll's head."""
    ballots = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.position))
    previous = genesis_hash(poll.id)
    length = 0
    for ballot in ballots:
        length += 1
        if ballot.position != length or ballot.previous_hash != previous:
            return False
        expected = record_hash(previous, ballot.id, ballot.choice, ballot.receipt)
        if ballot.record_hash != expected:
            return False
        previous = expected
    return length == poll.chain_length and previous == head_of(poll)
