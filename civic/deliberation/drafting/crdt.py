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

from civic.deliberation.drafting import wire
from civic.deliberation.drafting.wire import BODY as BODY
from civic.deliberation.drafting.wire import NotText as NotText
from civic.deliberation.drafting.wire import ProtocolError as ProtocolError

EMPTY_UPDATE = b"\x00\x00"

SYNC, AWARENESS = 0, 1
STEP1, STEP2, UPDATE = 0, 1, 2
KINDS = {STEP1: "step1", STEP2: "step2", UPDATE: "update"}


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
    update inside is checked by the one who hands it to pycrdt (step2, check_update).
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
    else:
        raise ProtocolError("unknown message type")
    reader.finish()
    return message


def check_update(update: bytes, foreign: wire.Ranges | None = None) -> wire.Update:
    """Raise ProtocolError unless the bytes are a Yjs v1 update that touches only the text (NotText:
    it touches more); return what it holds, counted.

    `foreign`: ids of a document's items outside its text (wire.foreign_ranges), next to which
    nothing may be placed. Every count is checked in Python before pycrdt decodes the update.
    """
    checked = wire.read_update(update)
    if foreign and wire.reaches(checked, foreign):
        raise NotText("only the text may be changed")
    try:
        pycrdt.get_state(update)
    except (ValueError, RuntimeError) as error:
        raise ProtocolError("malformed update") from error
    return checked


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


def check_state_vector(state_vector: bytes) -> None:
    """Raise ProtocolError unless the bytes are a state vector whose counts its bytes carry."""
    wire.read_state_vector(state_vector)


def step2(doc: Doc, state_vector: bytes) -> bytes:
    """Answer a step 1: everything the asker lacks. Raise ProtocolError on a malformed state vector
    (read in Python first: pycrdt would reserve memory for the clients it declares)."""
    check_state_vector(state_vector)
    try:
        return sync_message(STEP2, doc.get_update(state_vector))
    except (ValueError, RuntimeError) as error:
        raise ProtocolError("malformed state vector") from error


def foreign_ranges(doc: Doc) -> wire.Ranges:
    """The ids of the document's items outside its text (written before updates were checked)."""
    return wire.foreign_ranges(doc.get_update())


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
