"""Word-level differences between two versions of a markdown source, for people to read.

Pure functions: no Flask, no database. Lines are compared first (fast on long texts), then words,
spaces and punctuation inside each changed block, so a change shows as small as what was changed.
The segments carry plain text: the template escapes it like any other text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# A word (letters, digits, underscore, in any script), a run of spaces, or one other character.
TOKEN = re.compile(r"\w+|[^\S\n]+|\n|[^\w\s]", re.UNICODE)
WORD = re.compile(r"\w+", re.UNICODE)
# Changed blocks of lines larger than this (in characters, both sides) are shown replaced whole.
FINE_LIMIT = 40_000


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is unchanged, inserted or deleted."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Stats:
    """How much changed: words and characters (code points) added and removed."""

    words_added: int = 0
    words_removed: int = 0
    chars_added: int = 0
    chars_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.chars_added or self.chars_removed)


def tokens(text: str) -> list[str]:
    """Split a text into words, runs of spaces, line ends and single other characters (lossless)."""
    return TOKEN.findall(text)


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def _blocks(old: str, new: str) -> list[tuple[str, str, str]]:
    """(tag, old part, new part) for the whole texts: equal or changed blocks of lines."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return [
        ("equal" if tag == "equal" else "replace", "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _fine(old: str, new: str) -> list[tuple[str, str, str]]:
    """(tag, old part, new part) for a changed block, token by token."""
    if not old or not new or len(old) + len(new) > FINE_LIMIT:
        return [("replace", old, new)]
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [
        ("equal" if tag == "equal" else "replace", "".join(a[i1:i2]), "".join(b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _coalesce(chunks: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Fold a lone space between two changes into them: "a b" → "c d" reads as one change, not two."""
    result: list[tuple[str, str, str]] = []
    for index, chunk in enumerate(chunks):
        tag, old, new = chunk
        between = (
            tag == "equal"
            and old.strip(" \t") == ""
            and old
            and 0 < index < len(chunks) - 1
            and chunks[index + 1][0] != "equal"
            and result
            and result[-1][0] != "equal"
        )
        if between or (tag != "equal" and result and result[-1][0] != "equal"):
            _tag, before_old, before_new = result.pop()
            result.append(("replace", before_old + old, before_new + new))
        else:
            result.append(chunk)
    return result


def compare(old: str, new: str) -> list[Segment]:
    """Return the segments turning `old` into `new`: deletions come before the insertions replacing them."""
    chunks: list[tuple[str, str, str]] = []
    for tag, old_part, new_part in _blocks(old, new):
        chunks.extend([(tag, old_part, new_part)] if tag == "equal" else _fine(old_part, new_part))
    segments: list[Segment] = []
    for tag, old_part, new_part in _coalesce(chunks):
        if tag == "equal":
            _append(segments, EQUAL, old_part)
        else:
            _append(segments, DELETE, old_part)
            _append(segments, INSERT, new_part)
    return segments


def _append(segments: list[Segment], kind: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, segments[-1].text + text)
    else:
        segments.append(Segment(kind, text))


def stats(segments: list[Segment]) -> Stats:
    """Count the words and characters the segments add and remove."""
    inserted = "".join(s.text for s in segments if s.kind == INSERT)
    deleted = "".join(s.text for s in segments if s.kind == DELETE)
    return Stats(count_words(inserted), count_words(deleted), len(inserted), len(deleted))


def measure(old: str, new: str) -> Stats:
    return stats(compare(old, new))
