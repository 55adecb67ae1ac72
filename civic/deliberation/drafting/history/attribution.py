"""Who wrote what: replay Yjs updates one by one and credit each change to the update's author.

Pure: no Flask, no database. The `body` text is observed while each update is applied; pycrdt reports
the change as a delta (retain / insert / delete) counted in UTF-8 bytes, so the replay keeps the text
as bytes, and optionally the author of every byte, and converts to characters when it counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, TextEvent

from civic.deliberation.drafting import crdt

Author = int | None


@dataclass(slots=True)
class Contribution:
    """Characters one person added and removed."""

    added: int = 0
    removed: int = 0


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of the text written by one author (None: unknown, e.g. before the replay started)."""

    author: Author
    text: str


@dataclass
class Replay:
    """A document being replayed, with per-author counts and, if asked, the author of each byte."""

    doc: Doc = field(default_factory=crdt.doc_from)
    track_authors: bool = False
    initial_author: Author = None
    counts: dict[Author, Contribution] = field(default_factory=dict)
    _buffer: bytearray = field(init=False)
    _authors: list[Author] = field(init=False)
    _author: Author = field(init=False, default=None)
    _subscription: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._buffer = bytearray(crdt.text_of(self.doc).encode("utf-8"))
        self._authors = [self.initial_author] * len(self._buffer) if self.track_authors else []
        # pycrdt stops calling back once the subscription object is collected: keep it.
        self._subscription = crdt.body(self.doc).observe(self._on_change)

    def apply(self, update: bytes, author: Author) -> None:
        """Apply one update and credit what it changed in the text to `author`."""
        self._author = author
        self.doc.apply_update(update)

    def replay(self, rows: Iterable[tuple[bytes, Author]]) -> Replay:
        for update, author in rows:
            self.apply(update, author)
        return self

    def _on_change(self, event: TextEvent) -> None:
        position = 0
        contribution = self.counts.setdefault(self._author, Contribution())
        delta: list[dict[str, Any]] = list(event.delta)  # type: ignore[attr-defined]
        for op in delta:
            if "retain" in op:
                position += int(op["retain"])
            elif "insert" in op:
                inserted = str(op["insert"])
                data = inserted.encode("utf-8")
                self._buffer[position:position] = data
                if self.track_authors:
                    self._authors[position:position] = [self._author] * len(data)
                contribution.added += len(inserted)
                position += len(data)
            elif "delete" in op:
                end = position + int(op["delete"])
                removed = bytes(self._buffer[position:end])
                del self._buffer[position:end]
                if self.track_authors:
                    del self._authors[position:end]
                contribution.removed += len(removed.decode("utf-8", errors="replace"))

    @property
    def text(self) -> str:
        return self._buffer.decode("utf-8", errors="replace")

    def runs(self) -> list[Run]:
        """The text cut into stretches by author, in order (needs track_authors)."""
        if not self.track_authors:
            raise ValueError("this replay does not track authors")
        text = self.text
        # A character belongs to the author of its first byte (UTF-8 continuation bytes are 10xxxxxx).
        authors = [a for a, byte in zip(self._authors, self._buffer, strict=True) if byte & 0xC0 != 0x80]
        if len(authors) != len(text):  # undecodable bytes: credit nobody rather than misalign
            return [Run(None, text)] if text else []
        runs: list[Run] = []
        start = 0
        for index in range(1, len(text) + 1):
            if index == len(text) or authors[index] != authors[start]:
                runs.append(Run(authors[start], text[start:index]))
                start = index
        return runs


def contributions(base: Doc | None, rows: Iterable[tuple[bytes, Author]]) -> dict[Author, Contribution]:
    """Characters added and removed per author over these updates, applied to `base` (None: empty)."""
    replay = Replay(doc=base if base is not None else crdt.doc_from())
    return {author: c for author, c in replay.replay(rows).counts.items() if c.added or c.removed}
