"""Turn what a reader was given (a path, text, bytes or an open file) into text, and open outputs."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from civic.voting.counting.formats.errors import FormatError

# A source is a path (str without a line break, or os.PathLike), the text itself (a str containing a
# line break), raw bytes, or an open file. A one-line str is read as a path so that a mistyped file
# name gives FileNotFoundError rather than a confusing format error about the name itself.
Source = str | os.PathLike[str] | bytes | IO[str] | IO[bytes]
Progress = Callable[[int, int], None]
Destination = str | os.PathLike[str] | IO[str]

_CHUNK = 1 << 20


def _read_path(path: Path, progress: Progress | None) -> bytes:
    if progress is None:
        return path.read_bytes()
    total = path.stat().st_size
    chunks: list[bytes] = []
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            chunks.append(chunk)
            done += len(chunk)
            progress(done, total)
    return b"".join(chunks)


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without a byte-order mark), falling back to Windows-1252 then Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def load_text(source: Source, progress: Progress | None = None) -> str:
    """Return the source's text with line endings normalised to "\\n" and no byte-order mark."""
    if isinstance(source, bytes):
        text = decode(source)
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        text = source.removeprefix("\ufeff")
    elif isinstance(source, str | os.PathLike):
        text = decode(_read_path(Path(source), progress))
    else:
        data = source.read()
        text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def suffix_of(destination: Destination) -> str:
    """Return the lower-case extension of a destination path ("" for an open file)."""
    if isinstance(destination, str | os.PathLike):
        return Path(destination).suffix.lower()
    return ""


def write_text(destination: Destination, text: str) -> None:
    """Write text to a path (UTF-8, "\\n" line ends) or to an open text file."""
    if isinstance(destination, str | os.PathLike):
        with open(destination, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        destination.write(text)


def csv_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Split CSV text into its header and its non-blank rows, each with the line where it ends."""
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise FormatError("empty file: expected a header row", 1)
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as error:
        raise FormatError(f"unreadable CSV: {error}", reader.line_num) from None
    return header, rows


def row_count(row: list[str], line: int, width: int, count_column: int | None) -> int:
    """Check a CSV row's width and return its ballot count (1 without a count column)."""
    if len(row) < width:
        raise FormatError(f"expected {width} columns, found {len(row)}", line)
    if count_column is None:
        return 1
    try:
        count = int(row[count_column].strip())
    except ValueError:
        raise FormatError(f"expected a whole-number count, found {row[count_column]!r}", line) from None
    if count < 1:
        raise FormatError(f"a count must be at least 1, found {count}", line)
    return count
