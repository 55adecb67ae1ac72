"""y-websocket messages read and written (docs/drafting-protocol.md), and Civic's own message type.

One WebSocket binary frame carries one message: a varUint type, then its content. Types 0 (sync: step
1, step 2, update) and 1 (awareness) are y-protocols', 3 (query awareness) asks for everyone's
presence; type 100 is Civic's: a varString holding a JSON object (a welcome, "saved", an error, a new
role or mode), sent only to a client that asked for them. Pure functions over bytes and pycrdt
documents: no Flask, no database. Every count and length is checked in Python before pycrdt reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pycrdt
from pycrdt import Doc

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.wire import ProtocolError

SYNC, AWARENESS, QUERY_AWARENESS, CIVIC = 0, 1, 3, 100
STEP1, STEP2, UPDATE = 0, 1, 2
KINDS = {STEP1: "step1", STEP2: "step2", UPDATE: "update"}


@dataclass(frozen=True, slots=True)
class Message:
    """One y-websocket message: kind is step1, step2, update, awareness or query-awareness."""

    kind: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    """One client's presence: its Yjs client id, clock and state (None when it left)."""

    client_id: int
    clock: int
    state: dict[str, Any] | None


@dataclass
class Gathered:
    """Updates and presence gathered for one message: the updates merged, the newest state per client."""

    updates: list[bytes] = field(default_factory=list)
    awareness: dict[int, AwarenessEntry] = field(default_factory=dict)
    # The ids of the stored rows the updates are (None: some update came without them).
    rows: list[int] | None = field(default_factory=list)

    def add(
        self,
        update: bytes | None = None,
        entries: list[AwarenessEntry] | None = None,
        rows: list[int] | None = None,
    ) -> None:
        if update is not None:
            self.updates.append(update)
            if rows and self.rows is not None:
                self.rows.extend(rows)
            else:
                self.rows = None
        for entry in entries or []:
            known = self.awareness.get(entry.client_id)
            if known is None or known.clock <= entry.clock:
                self.awareness[entry.client_id] = entry

    def merged(self) -> bytes | None:
        """The updates as one (None: there are none)."""
        if not self.updates:
            return None
        return self.updates[0] if len(self.updates) == 1 else pycrdt.merge_updates(*self.updates)


def write_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def _write_bytes(payload: bytes) -> bytes:
    return write_uint(len(payload)) + payload


def parse_message(data: bytes) -> Message:
    """Read one whole y-websocket message; raise ProtocolError on anything else (extra bytes too).

    Only the framing (and an awareness update, read here in Python) is checked: a state vector or an
    update inside is checked by the one who hands it to pycrdt (step2, crdt.check_update).
    """
    if not isinstance(data, bytes | bytearray):
        raise ProtocolError("not bytes")
    reader = wire.Reader(bytes(data))
    kind = reader.uint()
    if kind == SYNC:
        sub = reader.uint()
        if sub not in KINDS:
            raise ProtocolError("unknown sync message")
        message = Message(KINDS[sub], reader.buffer())
    elif kind == AWARENESS:
        payload = reader.buffer()
        parse_awareness(payload)
        message = Message("awareness", payload)
    elif kind == QUERY_AWARENESS:
        message = Message("query-awareness", b"")
    else:
        raise ProtocolError("unknown message type")
    reader.finish()
    return message


def answered(data: bytes | str) -> bool:
    """Tell whether Civic answers this message whatever happens (a step 2 or an update: "saved" or an
    error), read from its first two bytes only (a message too large to read is answered too)."""
    return isinstance(data, bytes | bytearray) and data[:1] == b"\x00" and data[1:2] in (b"\x01", b"\x02")


def parse_awareness(payload: bytes) -> list[AwarenessEntry]:
    """Read an awareness update: count, then (client id, clock, JSON state) per client."""
    reader = wire.Reader(payload)
    entries = []
    for _ in range(reader.count(3)):  # a client id, a clock and a state's length, a byte each at least
        client_id = reader.uint()
        clock = reader.uint()
        raw = reader.buffer()
        try:
            state = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ProtocolError("malformed awareness state") from error
        if state is not None and not isinstance(state, dict):
            raise ProtocolError("awareness state is not an object")
        entries.append(AwarenessEntry(client_id, clock, state))
    reader.finish()
    return entries


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    """Write an awareness message (type 1) carrying these entries."""
    body = bytearray(write_uint(len(entries)))
    for entry in entries:
        state = json.dumps(entry.state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        body += write_uint(entry.client_id) + write_uint(entry.clock) + _write_bytes(state)
    return write_uint(AWARENESS) + _write_bytes(bytes(body))


def sync_message(sub: int, payload: bytes) -> bytes:
    return write_uint(SYNC) + write_uint(sub) + _write_bytes(payload)


def step1(doc: Doc) -> bytes:
    """The server's own step 1: its state vector, so the client sends what the server lacks."""
    return sync_message(STEP1, doc.get_state())


def step2(doc: Doc, state_vector: bytes) -> bytes:
    """Answer a step 1: everything the asker lacks. Raise ProtocolError on a malformed state vector
    (read in Python first: pycrdt would reserve memory for the clients it declares)."""
    crdt.check_state_vector(state_vector)
    try:
        return sync_message(STEP2, doc.get_update(state_vector))
    except (ValueError, RuntimeError) as error:
        raise ProtocolError("malformed state vector") from error


def update_message(update: bytes) -> bytes:
    return sync_message(UPDATE, update)


def civic_message(content: dict[str, Any]) -> bytes:
    """Civic's own message (type 100): a JSON object as a lib0 varString."""
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return write_uint(CIVIC) + _write_bytes(text)


def read_civic(data: bytes) -> dict[str, Any] | None:
    """The JSON object of a Civic message, or None for any other message."""
    reader = wire.Reader(bytes(data))
    if reader.uint() != CIVIC:
        return None
    content = json.loads(reader.string())
    reader.finish()
    if not isinstance(content, dict):
        raise ProtocolError("a Civic message is a JSON object")
    return content


# Every stored update or step 2 is answered with this (the same bytes each time).
SAVED = civic_message({"type": "saved"})
