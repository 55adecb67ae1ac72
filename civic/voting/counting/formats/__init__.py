"""Ballot file formats: BLT, PrefLib, CSV cast-vote records and CSV score sheets.

Every reader takes a path, the text itself, bytes or an open file, and raises only `FormatError`
(a ValueError naming the line) for content it cannot read; a missing file raises OSError as usual.
"""

from __future__ import annotations

import io
from pathlib import Path

from civic.voting.counting.formats.blt import read_blt, write_blt
from civic.voting.counting.formats.cvr_csv import is_cvr_header, read_cvr_csv, write_cvr_csv
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.preflib import EXTENSIONS as PREFLIB_EXTENSIONS
from civic.voting.counting.formats.preflib import read_preflib, write_preflib
from civic.voting.counting.formats.scores_csv import read_scores_csv, write_scores_csv
from civic.voting.counting.formats.source import Progress, csv_rows, load_text
from civic.voting.counting.model import Election, ScoreElection

EXTENSIONS = (".blt", *PREFLIB_EXTENSIONS, ".csv")

__all__ = [
    "EXTENSIONS",
    "FormatError",
    "read_any",
    "read_blt",
    "read_cvr_csv",
    "read_preflib",
    "read_scores_csv",
    "write_any",
    "write_blt",
    "write_cvr_csv",
    "write_preflib",
    "write_scores_csv",
]


def _suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise FormatError(f"unknown file type {suffix or '(none)'!r}; known: {', '.join(EXTENSIONS)}")
    return suffix


def read_any(path: str | Path, progress: Progress | None = None) -> Election | ScoreElection:
    """Read a ballot file chosen by extension; a .csv is a cast-vote record if it has rank columns."""
    suffix = _suffix(path)
    if suffix == ".blt":
        return read_blt(Path(path), progress)
    if suffix in PREFLIB_EXTENSIONS:
        return read_preflib(Path(path), progress)
    text = load_text(Path(path), progress)
    header, _ = csv_rows(text.partition("\n")[0] + "\n")
    if is_cvr_header(header):
        return read_cvr_csv(io.StringIO(text))
    return read_scores_csv(io.StringIO(text))


def write_any(election: Election | ScoreElection, path: str | Path) -> None:
    """Write a ballot file in the format its extension names (score sheets only as .csv)."""
    suffix = _suffix(path)
    if isinstance(election, ScoreElection):
        if suffix != ".csv":
            raise FormatError(f"score ballots can only be written as .csv, not {suffix}")
        write_scores_csv(election, path)
    elif suffix == ".blt":
        write_blt(election, path)
    elif suffix in PREFLIB_EXTENSIONS:
        write_preflib(election, path)
    else:
        write_cvr_csv(election, path)
