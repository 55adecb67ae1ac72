"""The document's side of Yjs: the `body` text of pycrdt documents, updates checked, text diffs as edits.

Pure functions over bytes and pycrdt documents: no Flask, no database. pycrdt's Text counts offsets in
UTF-8 bytes, so positions computed on Python strings (code points) are converted before use. The
y-websocket messages that carry updates are read and written in `sync/protocol.py`.
"""

from __future__ import annotations

import difflib

import pycrdt
from pycrdt import Doc, Text

from civic.deliberation.drafting import wire
from civic.deliberation.drafting.wire import BODY as BODY
from civic.deliberation.drafting.wire import NotText as NotText
from civic.deliberation.drafting.wire import ProtocolError as ProtocolError

EMPTY_UPDATE = b"\x00\x00"


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


def check_state_vector(state_vector: bytes) -> None:
    """Raise ProtocolError unless the bytes are a state vector whose counts its bytes carry."""
    wire.read_state_vector(state_vector)


def foreign_ranges(doc: Doc) -> wire.Ranges:
    """The ids of the document's items outside its text (written before updates were checked)."""
    return wire.foreign_ranges(doc.get_update())


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
