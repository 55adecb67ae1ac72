"""The Yjs side of co-drafting: y-websocket messages read and written, the `body` text, text diffs.

Pure functions over bytes and pycrdt documents: no Flask, no database. pycrdt's Text counts offsets in
UTF-8 bytes, so positions computed on Python strings (code points) are converted before use.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

import pycrdt
from pycrdt import Doc, Text

BODY = "body"
EMPTY_UPDATE = b"\x00\x00"

SYNC, AWARENESS = 0, 1
STEP1, STEP2, UPDATE = 0, 1, 2
KINDS = {STEP1: "step1", STEP2: "step2", UPDATE: "update"}
# varUints above this are not produced by any Yjs encoder (it uses JavaScript safe integers).
MAX_UINT = 2**53


class ProtocolError(ValueError):
    """The bytes are not a well-formed y-websocket message."""


@dataclass(frozen=True, slots=True)
class Message:
    """One y-websocket message: kind is step1, step2, update or awareness; payload its inner bytes."""

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

    def add(self, update: bytes | None = None, entries: list[AwarenessEntry] | None = None) -> None:
        if update is not None:
            self.updates.append(update)
        for entry in entries or []:
            known = self.awareness.get(entry.client_id)
            if known is None or known.clock <= entry.clock:
                self.awareness[entry.client_id] = entry

    def merged(self) -> bytes | None:
        """The updates as one (None: there are none)."""
        if not self.updates:
            return None
        return self.updates[0] if len(self.updates) == 1 else pycrdt.merge_updates(*self.updates)


def _read_uint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ProtocolError("truncated number")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
        if shift > 56:
            raise ProtocolError("number too long")
    if value > MAX_UINT:
        raise ProtocolError("number too large")
    return value, pos


def _read_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _read_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError("truncated message")
    return data[pos:end], end


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
    """Read one whole y-websocket message; raise ProtocolError on anything else (extra bytes too)."""
    if not isinstance(data, bytes | bytearray):
        raise ProtocolError("not bytes")
    data = bytes(data)
    kind, pos = _read_uint(data, 0)
    if kind == SYNC:
        sub, pos = _read_uint(data, pos)
        if sub not in KINDS:
            raise ProtocolError("unknown sync message")
        payload, pos = _read_bytes(data, pos)
        message = Message(KINDS[sub], payload)
    elif kind == AWARENESS:
        payload, pos = _read_bytes(data, pos)
        parse_awareness(payload)
        message = Message("awareness", payload)
    else:
        raise ProtocolError("unknown message type")
    if pos != len(data):
        raise ProtocolError("trailing bytes")
    return message


def check_update(update: bytes) -> None:
    """Raise ProtocolError unless the bytes decode as a Yjs v1 update."""
    try:
        pycrdt.get_state(update)
    except (ValueError, RuntimeError) as error:
        raise ProtocolError("malformed update") from error


def parse_awareness(payload: bytes) -> list[AwarenessEntry]:
    """Read an awareness update: count, then (client id, clock, JSON state) per client."""
    count, pos = _read_uint(payload, 0)
    entries = []
    for _ in range(count):
        client_id, pos = _read_uint(payload, pos)
        clock, pos = _read_uint(payload, pos)
        raw, pos = _read_bytes(payload, pos)
        try:
            state = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError) as error:
            raise ProtocolError("malformed awareness state") from error
        if state is not None and not isinstance(state, dict):
            raise ProtocolError("awareness state is not an object")
        entries.append(AwarenessEntry(client_id, clock, state))
    if pos != len(payload):
        raise ProtocolError("trailing bytes")
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
    """Answer a step 1: everything the asker lacks. Raise ProtocolError on a malformed state vector."""
    try:
        return sync_message(STEP2, doc.get_update(state_vector))
    except (ValueError, RuntimeError) as error:
        raise ProtocolError("malformed state vector") from error


def update_message(update: bytes) -> bytes:
    return sync_message(UPDATE, update)


def body(doc: Doc) -> Text:
    return doc.get(BODY, type=Text)


def text_of(doc: Doc) -> str:
    return str(body(doc))


def doc_from(*updates: bytes) -> Doc:
    """Build a document by applying updates one by one (never merging many: that is quadratic)."""
    doc: Doc = Doc()
    body(doc)
    for update in updates:
        doc.apply_update(update)
    return doc


def copy_of(doc: Doc) -> Doc:
    return doc_from(doc.get_update())


def initial_update(text: str) -> bytes:
    """The update that writes a starting text into an empty document."""
    doc: Doc = Doc()
    body(doc).insert(0, text)
    return doc.get_update()


# Character-level diffs inside a changed block of lines up to this size; larger blocks are replaced.
FINE_DIFF_LIMIT = 20_000


def edits(old: str, new: str) -> list[tuple[int, int, str]]:
    """Return (start, end, replacement) edits in code points of `old`, in order, turning it into `new`.

    Lines are compared first (fast on long texts), then characters inside each changed block, so an
    edit stays as small as what the person changed.
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_starts = [0]
    for line in old_lines:
        old_starts.append(old_starts[-1] + len(line))
    new_starts = [0]
    for line in new_lines:
        new_starts.append(new_starts[-1] + len(line))
    result: list[tuple[int, int, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a0, a1, b0, b1 = old_starts[i1], old_starts[i2], new_starts[j1], new_starts[j2]
        before, after = old[a0:a1], new[b0:b1]
        if tag != "replace" or len(before) + len(after) > FINE_DIFF_LIMIT:
            result.append((a0, a1, after))
            continue
        fine = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for ftag, k1, k2, m1, m2 in fine.get_opcodes():
            if ftag != "equal":
                result.append((a0 + k1, a0 + k2, after[m1:m2]))
    return result


def rewrite(doc: Doc, new_text: str) -> bytes:
    """Turn `doc`'s text into `new_text` with small inserts and deletes; return the update made.

    The edits are applied from the end, so earlier offsets stay valid; they are converted from code
    points to the UTF-8 byte offsets pycrdt expects.
    """
    text = body(doc)
    old = str(text)
    before = doc.get_state()
    with doc.transaction():
        for start, end, replacement in reversed(edits(old, new_text)):
            offset = len(old[:start].encode("utf-8"))
            if end > start:
                del text[offset : offset + len(old[start:end].encode("utf-8"))]
            if replacement:
                text.insert(offset, replacement)
    return doc.get_update(before)
