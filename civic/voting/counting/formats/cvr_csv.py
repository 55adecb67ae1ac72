"""Read and write cast-vote records as CSV: one row per ballot (or per group, with a count column).

Rank columns are found by their header ("1st Choice", "Choice 2", "Rank 3", "Preference 4", "2"...)
and ordered by their number. A "Count", "Weight" or "Ballots" column gives each row's multiplicity; a
"Ballot ID" / "ID" / "CVR Number" column gives ballot ids; every other column (Precinct...) is ignored.
Cells: a candidate name, blank or "undervote" (skipped rank), "overvote", or a write-in marker
("UWI", "writein", "write-in", "write in"). Candidates are the names found in the data, sorted.
"""

from __future__ import annotations

import csv
import io
import re

from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.source import (
    Destination,
    Progress,
    Source,
    csv_rows,
    load_text,
    row_count,
    write_text,
)
from civic.voting.counting.model import OVERVOTE, WRITE_IN, Election, Rank, RankedBallot

_RANK_COLUMN = re.compile(
    r"^(?:(\d+)\s*(?:st|nd|rd|th)?\s*(?:choice|rank|preference|pref)?"
    r"|(?:choice|rank|ranking|preference|pref)\s*(?:no\.?|#)?\s*(\d+))$",
    re.IGNORECASE,
)
_COUNT_COLUMNS = frozenset({"count", "weight", "ballots", "ballot count", "number"})
_ID_COLUMNS = frozenset({"ballot id", "ballotid", "ballot_id", "id", "cvr number", "cvr id", "record id"})
_SKIPPED = frozenset({"", "undervote", "under vote", "skipped", "blank"})
_OVERVOTE = frozenset({"overvote", "over vote"})
_WRITE_IN = frozenset({"uwi", "writein", "write-in", "write in", "write_in"})
MARKERS = _SKIPPED | _OVERVOTE | _WRITE_IN


def rank_number(header: str) -> int | None:
    """Return the rank a column header names ("2nd Choice" → 2), or None for any other column."""
    match = _RANK_COLUMN.match(header.strip())
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def is_cvr_header(header: list[str]) -> bool:
    """Say whether a CSV header row has rank columns (a cast-vote record, not a score sheet)."""
    return any(rank_number(cell) is not None for cell in header)


def read_cvr_csv(source: Source, progress: Progress | None = None) -> Election:
    """Read a CSV cast-vote record into an Election (identical rows without ids merged)."""
    header, rows = csv_rows(load_text(source, progress))
    rank_columns = sorted(
        (number, i) for i, cell in enumerate(header) if (number := rank_number(cell)) is not None
    )
    if not rank_columns:
        raise FormatError("no rank columns in the header (expected e.g. '1st Choice', 'Rank 1')", 1)
    numbers = [number for number, _ in rank_columns]
    if len(set(numbers)) < len(numbers):
        raise FormatError("two columns name the same rank", 1)
    lowered = [cell.strip().lower() for cell in header]
    count_column = next((i for i, cell in enumerate(lowered) if cell in _COUNT_COLUMNS), None)
    id_column = next((i for i, cell in enumerate(lowered) if cell in _ID_COLUMNS), None)
    columns = [i for _, i in rank_columns]
    width = max([*columns, count_column or 0, id_column or 0]) + 1

    raw: dict[tuple[tuple[str, ...], str | None], int] = {}
    for line, row in rows:
        count = row_count(row, line, width, count_column)
        marks = tuple(" ".join(row[i].split()) for i in columns)
        key = (marks, (row[id_column].strip() or None) if id_column is not None else None)
        raw[key] = raw.get(key, 0) + count

    names = sorted(
        {mark for (marks, _), _ in raw.items() for mark in marks if mark.lower() not in MARKERS},
        key=str.casefold,
    )
    index = {name: i for i, name in enumerate(names)}
    merged: dict[tuple[tuple[Rank, ...], str | None], int] = {}
    for (marks, ballot_id), count in raw.items():
        ranks = tuple(_rank(mark, index) for mark in marks)
        merged[ranks, ballot_id] = merged.get((ranks, ballot_id), 0) + count
    ballots = [RankedBallot(ranks, count, ballot_id) for (ranks, ballot_id), count in merged.items()]
    return Election(names, ballots)


def _rank(mark: str, index: dict[str, int]) -> Rank:
    lowered = mark.lower()
    if lowered in _SKIPPED:
        return ()
    if lowered in _OVERVOTE:
        return (OVERVOTE,)
    if lowered in _WRITE_IN:
        return (WRITE_IN,)
    return (index[mark],)


def _cell(rank: Rank, candidates: list[str]) -> str:
    if not rank:
        return "undervote"
    if len(rank) > 1:
        raise FormatError("a cast-vote record cannot express equal ranks; write a .blt or .toi instead")
    if rank[0] == OVERVOTE:
        return "overvote"
    if rank[0] == WRITE_IN:
        return "UWI"
    return candidates[rank[0]]


def cvr_csv_text(election: Election) -> str:
    """Render an election as a CSV cast-vote record ("Choice i" columns and a Count column)."""
    for name in election.candidates:
        if " ".join(name.split()).lower() in MARKERS or name != " ".join(name.split()):
            raise FormatError(f"candidate name {name!r} cannot be written to a cast-vote record")
    if len(set(election.candidates)) < len(election.candidates):
        raise FormatError("a cast-vote record needs distinct candidate names")
    if election.withdrawn:
        raise FormatError("a cast-vote record cannot mark withdrawn candidates; write a .blt instead")
    depth = max((len(ballot.ranks) for ballot in election.ballots), default=1) or 1
    with_ids = any(ballot.id is not None for ballot in election.ballots)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [*(["Ballot ID"] if with_ids else []), *(f"Choice {i}" for i in range(1, depth + 1)), "Count"]
    )
    for ballot in election.ballots:
        cells = [_cell(rank, election.candidates) for rank in ballot.ranks]
        cells += ["undervote"] * (depth - len(cells))
        writer.writerow([*([ballot.id or ""] if with_ids else []), *cells, ballot.count])
    return out.getvalue()


def write_cvr_csv(election: Election, destination: Destination) -> None:
    """Write an election as a CSV cast-vote record."""
    write_text(destination, cvr_csv_text(election))
