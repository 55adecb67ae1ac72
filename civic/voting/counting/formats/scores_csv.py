"""Read and write cardinal ballots as CSV: candidate names as the header, one row per ballot.

Cells are whole-number scores; a blank cell means the voter gave that candidate no score. An optional
"Count" or "Weight" column gives a row's multiplicity; "Ballot ID", "ID", "Voter" and "Timestamp"
columns are ignored. The scale is given by the caller or inferred: from min(0, lowest score seen) to
max(1, highest score seen), so 0/1 sheets read as approval ballots.
"""

from __future__ import annotations

import csv
import io

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
from civic.voting.counting.model import ScoreBallot, ScoreElection

_COUNT_COLUMNS = frozenset({"count", "weight"})
_IGNORED_COLUMNS = frozenset({"ballot id", "ballotid", "ballot_id", "id", "voter", "voter id", "timestamp"})


def _score(cell: str, line: int) -> int | None:
    text = cell.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FormatError(f"expected a whole-number score or a blank cell, found {text!r}", line) from None


def read_scores_csv(
    source: Source,
    min_score: int | None = None,
    max_score: int | None = None,
    progress: Progress | None = None,
) -> ScoreElection:
    """Read a CSV of scores into a ScoreElection; scores outside a given scale are an error."""
    header, rows = csv_rows(load_text(source, progress))
    lowered = [cell.strip().lower() for cell in header]
    count_column = next((i for i, cell in enumerate(lowered) if cell in _COUNT_COLUMNS), None)
    columns = [i for i, cell in enumerate(lowered) if i != count_column and cell not in _IGNORED_COLUMNS]
    names = [" ".join(header[i].split()) for i in columns]
    if not names:
        raise FormatError("no candidate columns in the header", 1)
    if len(set(names)) < len(names):
        raise FormatError("two columns have the same candidate name", 1)
    width = max([*columns, count_column or 0]) + 1
    merged: dict[tuple[int | None, ...], int] = {}
    lowest: int | None = None
    highest: int | None = None
    for line, row in rows:
        count = row_count(row, line, width, count_column)
        scores = tuple(_score(row[i], line) for i in columns)
        for score in scores:
            if score is None:
                continue
            if (min_score is not None and score < min_score) or (max_score is not None and score > max_score):
                raise FormatError(f"score {score} outside the scale {min_score}..{max_score}", line)
            lowest = score if lowest is None else min(lowest, score)
            highest = score if highest is None else max(highest, score)
        merged[scores] = merged.get(scores, 0) + count
    low = min_score if min_score is not None else min(0, lowest if lowest is not None else 0)
    high = max_score if max_score is not None else max(1, highest if highest is not None else 1)
    if low >= high:
        raise FormatError(f"the scale {low}..{high} is empty", None)
    ballots = [ScoreBallot(scores, count) for scores, count in merged.items()]
    return ScoreElection(names, ballots, min_score=low, max_score=high)


def scores_csv_text(election: ScoreElection) -> str:
    """Render a ScoreElection as CSV (a Count column only when some row stands for several ballots)."""
    for name in election.candidates:
        normal = " ".join(name.split())
        if name != normal or not normal or normal.lower() in _COUNT_COLUMNS | _IGNORED_COLUMNS:
            raise FormatError(f"candidate name {name!r} cannot be a score-sheet column")
    if len(set(election.candidates)) < len(election.candidates):
        raise FormatError("a score sheet needs distinct candidate names")
    # A row of blank cells would read as an empty line, so a blank ballot needs its count written.
    with_count = any(
        ballot.count != 1 or all(s is None for s in ballot.scores) for ballot in election.ballots
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*election.candidates, *(["Count"] if with_count else [])])
    for ballot in election.ballots:
        cells = ["" if score is None else str(score) for score in ballot.scores]
        writer.writerow([*cells, *([ballot.count] if with_count else [])])
    return out.getvalue()


def write_scores_csv(election: ScoreElection, destination: Destination) -> None:
    """Write a ScoreElection as a CSV score sheet."""
    write_text(destination, scores_csv_text(election))
