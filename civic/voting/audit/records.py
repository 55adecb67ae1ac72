"""The bytes of the ballot chain: records, their hashes, what the server signs, and receipt codes.

Every text below is UTF-8 and every hash SHA-256 written as 64 lower-case hexadecimal digits.

- A record (format 1) is seven lines joined by a line feed, with none at the end::

      civic-ballot/1
      <poll id in decimal>
      <position in decimal, from 1>
      <ballot id: 32 hexadecimal digits>
      <choice: canonical JSON, no spaces, ASCII>
      <voter tag: 64 hexadecimal digits, or an empty line>
      <previous record's hash, or the poll's genesis hash for position 1>

  A record of a ballot cast before the chain was signed (format 0, re-signed when the server was
  upgraded) starts with ``civic-ballot/0`` and has an eighth line: the receipt code it was given.
- The record hash is SHA-256 of those bytes; the genesis hash is SHA-256 of ``civic-genesis/1\\n<poll id>``.
- The server signs (Ed25519) ``civic-record/1\\n<record hash>`` for each record,
  ``civic-head/1\\n<poll id>\\n<length>\\n<head hash>`` for the poll's head, and
  ``civic-checkpoint/1\\n<poll id>\\n<time>\\n<length>\\n<head hash>`` for each checkpoint, the time
  written ``YYYY-MM-DDTHH:MM:SSZ`` in UTC. The prefixes keep one kind of signature from passing for another.
- A receipt code (format 1) is the first 10 bytes of SHA-256 of the record's 64-byte signature, in
  base 32 (RFC 4648), in four groups of four: ``ABCD-EFGH-IJKL-MNOP``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CURRENT = 1
LEGACY = 0
RECEIPT_LENGTH = 16
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
SIGNATURE = re.compile(r"[0-9a-f]{128}")
RECEIPT = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}")
# What people mistype when copying a base-32 code: these digits are not in its alphabet.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def genesis_hash(poll_id: int) -> str:
    """Return the 'previous hash' of a poll's first record: it ties the chain to its poll."""
    return sha256_hex(f"civic-genesis/1\n{poll_id}".encode())


def canonical_choice(choice: Any) -> str:
    """Write a choice as the chain stores it: JSON without spaces, ASCII only."""
    return json.dumps(choice, separators=(",", ":"))


def record_bytes(
    poll_id: int,
    position: int,
    ballot_id: str,
    choice: str,
    voter_tag: str | None,
    previous: str,
    fmt: int = CURRENT,
    receipt: str = "",
) -> bytes:
    """Return the bytes a record hash covers (see the module docstring)."""
    lines = [f"civic-ballot/{fmt}", str(poll_id), str(position), ballot_id, choice, voter_tag or "", previous]
    if fmt == LEGACY:
        lines.append(receipt)
    return "\n".join(lines).encode()


def record_hash(
    poll_id: int,
    position: int,
    ballot_id: str,
    choice: str,
    voter_tag: str | None,
    previous: str,
    fmt: int = CURRENT,
    receipt: str = "",
) -> str:
    return sha256_hex(record_bytes(poll_id, position, ballot_id, choice, voter_tag, previous, fmt, receipt))


def record_message(record_hash_hex: str) -> bytes:
    """Return what the server signs for one record."""
    return f"civic-record/1\n{record_hash_hex}".encode()


def head_message(poll_id: int, length: int, head: str) -> bytes:
    """Return what the server signs for a poll's head: its number of records and last hash."""
    return f"civic-head/1\n{poll_id}\n{length}\n{head}".encode()


def checkpoint_message(poll_id: int, at: str, length: int, head: str) -> bytes:
    """Return what the server signs for a checkpoint: by this time, the chain had this head."""
    return f"civic-checkpoint/1\n{poll_id}\n{at}\n{length}\n{head}".encode()


def receipt_of(signature_hex: str) -> str:
    """Return the receipt code of a record from its signature (format 1)."""
    digest = hashlib.sha256(bytes.fromhex(signature_hex)).digest()
    text = base64.b32encode(digest[:10]).decode()
    return "-".join(text[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt(typed: str) -> str | None:
    """Return a typed receipt code as published (upper case, dashes), or None if it cannot be one.

    Spaces, dashes and case do not matter; 0, 1 and 8, which base 32 does not use, are read as O, I, B.
    """
    letters = "".join(c for c in typed.upper() if c not in " -\t\r\n_.").translate(_LOOKALIKES)
    if len(letters) != RECEIPT_LENGTH or not re.fullmatch(r"[A-Z2-7]+", letters):
        return None
    return "-".join(letters[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


@lru_cache(maxsize=64)
def public_key(hex_key: str) -> Ed25519PublicKey | None:
    """Read a raw 32-byte Ed25519 public key written in hexadecimal; None if it is not one."""
    if not HEX64.fullmatch(hex_key):
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except ValueError:
        return None


# Checking an Ed25519 signature costs about 0.15 ms here, most of an audit page of 10,000 ballots. The
# answer depends only on these three values, so it is remembered: changed bytes are checked afresh.
@lru_cache(maxsize=1 << 18)
def signature_valid(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    """Tell whether `signature_hex` is the signature of `message` by the key `public_key_hex`."""
    key = public_key(public_key_hex)
    if key is None or not SIGNATURE.fullmatch(signature_hex):
        return False
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except InvalidSignature:
        return False
    return True
