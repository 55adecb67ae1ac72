"""The ballot chain on the server: keys from the server secret, pseudonyms, signed records, heads and
checkpoints. What each byte means is in civic.voting.audit.records; the check is civic.voting.audit.verify.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app
from sqlalchemy import select

from civic.extensions import db
from civic.voting.audit import records
from civic.voting.models import Poll, PollCheckpoint


def _secret() -> bytes:
    config = current_app.config
    return str(config.get("VOTING_SECRET_KEY") or config["SECRET_KEY"]).encode()


def _key(purpose: str) -> bytes:
    """Derive a key for one purpose from the server secret (never stored in the database)."""
    return hmac.new(_secret(), f"civic.voting.{purpose}".encode(), hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _signing_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    """Return the server's ballot-signing key: an Ed25519 key whose seed derives from the secret."""
    return _signing_key(_key("ballot-signing"))


def public_key_hex() -> str:
    """Return the public half of the ballot-signing key, as published: 64 hexadecimal digits."""
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def sign(message: bytes) -> str:
    return signing_key().sign(message).hex()


def participant(poll_id: int, user_id: int) -> str:
    """Return the pseudonym under which a person's participation in a poll is stored."""
    return hmac.new(_key("participation"), f"{poll_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def voter_tag(poll_id: int, user_id: int, salt: str) -> str:
    """Return the tag of a person's ballots in a poll that allows changes (published with them).

    It covers the poll's salt, erased at closing: the published tags then name no one, even to someone
    who holds the server secret.
    """
    message = f"{poll_id}:{user_id}:{salt}".encode()
    return hmac.new(_key("voter-tag"), message, hashlib.sha256).hexdigest()


def head_of(poll: Poll) -> str:
    return poll.head_hash or records.genesis_hash(poll.id)


@dataclass(frozen=True, slots=True)
class Record:
    """A new chain record: a random ballot id, its hash, the server's signature and the receipt code."""

    ballot_id: str
    record_hash: str
    signature: str
    receipt: str


def new_record(poll_id: int, position: int, choice: str, tag: str | None, previous: str) -> Record:
    """Hash and sign the record of a ballot about to be appended at `position`."""
    ballot_id = secrets.token_hex(16)
    digest = records.record_hash(poll_id, position, ballot_id, choice, tag, previous)
    signature = sign(records.record_message(digest))
    return Record(ballot_id, digest, signature, records.receipt_of(signature))


def sign_head(poll_id: int, length: int, head: str) -> str:
    return sign(records.head_message(poll_id, length, head))


def moment(at: datetime) -> str:
    """Write a checkpoint's time as its signature covers it: UTC, to the second."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_start(now: datetime, minutes: int) -> datetime:
    """Return the start of the checkpoint window `now` falls in (windows start at midnight UTC)."""
    now = now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max(minutes, 1) * 60
    elapsed = int((now - midnight).total_seconds())
    return datetime.fromtimestamp(midnight.timestamp() + elapsed - elapsed % span, UTC)


def add_checkpoint(poll_id: int, at: datetime, length: int, head: str) -> None:
    """Append a signed checkpoint (in the caller's transaction)."""
    at = at.astimezone(UTC).replace(microsecond=0)
    signature = sign(records.checkpoint_message(poll_id, moment(at), length, head))
    db.session.add(PollCheckpoint(poll_id=poll_id, at=at, length=length, head=head, signature=signature))


def checkpoint_before_cast(
    poll_id: int, length: int, head: str, head_window: datetime | None, now: datetime
) -> datetime:
    """At the first ballot of a window, publish the head as it stood when the window began.

    Called under the poll's lock, before the new record is appended, with the window of the last
    ballot (`head_window`): if that window is earlier, every record up to `length` was cast before
    this window's start and none since, so "by this time, this head" is true. Return this window's
    start, to be stored as the poll's head_window.
    """
    start = window_start(now, int(current_app.config["VOTING_CHECKPOINT_MINUTES"]))
    if length > 0 and (head_window is None or head_window < start):
        add_checkpoint(poll_id, start, length, head)
    return start


def checkpoints_of(poll_id: int) -> list[PollCheckpoint]:
    return list(
        db.session.scalars(
            select(PollCheckpoint)
            .where(PollCheckpoint.poll_id == poll_id)
            .order_by(PollCheckpoint.at, PollCheckpoint.id)
        )
    )
