"""Read and write BLT ballot files (the ERS / OpenSTV / OpaVote format used for STV counts).

The reader is tolerant of what real files contain: `#` comments, blank lines, CRLF line ends, a
UTF-8 byte-order mark, no final newline, optional ballot ids "(id)" before the weight, equal ranks
"2=3", skipped ranks "-", withdrawn candidates (negative numbers on the line after the header),
names and title quoted or not, doubled quotes inside quoted names, a name followed by a quoted party
("Name" "Party", read as "Name (Party)"), candidate names given only in "# ALTERNATIVE NAME i:"
comments, and stray commas. Runs of white space inside names are collapsed to one space.

A large file whose ballot lines are all plain ("weight c1 c2 ... 0", single spaces, nothing else) is
read in bulk with numpy into a `BallotTable` (one row per line, merged when counted); anything else
goes line by line through the tolerant parser, which also finds and names any error.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.source import Destination, Progress, Source, load_text, write_text
from civic.voting.counting.model import BallotTable, Election, Rank, RankedBallot, small_int

_COMMENT_NAME = re.compile(
    r"^[ \t]*#[ \t]*ALTERNATIVE NAME[ \t]+(\d+)[ \t]*:(.*)$", re.MULTILINE | re.IGNORECASE
)
_QUOTED = re.compile(r'\s*"((?:[^"]|"")*)"')
_SKIP = ()

ParsedBallot = tuple[str | None, int, tuple[Rank, ...]]


def _content(line: str) -> str:
    """Return a line without its comment and commas, stripped."""
    if "#" in line:
        line = line[: line.index("#")]
    if "," in line:
        line = line.replace(",", " ")
    return line.strip()


def _ints(content: str, line: int, what: str) -> list[int]:
    try:
        return [int(item) for item in content.split()]
    except ValueError:
        raise FormatError(f"expected {what}, found {content!r}", line) from None


def _candidate(item: str, n: int, line: int) -> int:
    try:
        number = int(item)
    except ValueError:
        raise FormatError(f"expected a candidate number, '-' or 'a=b', found {item!r}", line) from None
    if not 1 <= number <= n:
        raise FormatError(f"candidate {number} out of range 1..{n}", line)
    return number - 1


def _parse_ballot(content: str, n: int, line: int) -> ParsedBallot:
    """Parse one ballot line (comment and commas already removed)."""
    ballot_id = None
    if content.startswith("("):
        close = content.find(")")
        if close < 0:
            raise FormatError("ballot id '(' without ')'", line)
        ballot_id = content[1:close].strip()
        content = content[close + 1 :]
    tokens = content.split()
    if not tokens:
        raise FormatError("ballot id without a ballot", line)
    try:
        weight = int(tokens[0])
    except ValueError:
        raise FormatError(f"expected a whole-number ballot weight, found {tokens[0]!r}", line) from None
    if weight < 1:
        raise FormatError(f"ballot weight must be at least 1, found {weight}", line)
    if tokens[-1] != "0" or len(tokens) < 2:
        raise FormatError("a ballot line must end with 0", line)
    ranks: list[Rank] = []
    for item in tokens[1:-1]:
        if item == "-":
            ranks.append(_SKIP)
        elif "=" in item:
            ranks.append(tuple(_candidate(part, n, line) for part in item.split("=")))
        else:
            if item == "0":
                raise FormatError("0 before the end of a ballot line", line)
            ranks.append((_candidate(item, n, line),))
    return ballot_id, weight, tuple(ranks)


def _is_end(line: str) -> bool:
    return _content(line) == "0"


def _name(text: str, line: int) -> str:
    """Read a name or title line: quoted strings (doubled quotes inside) or bare text."""
    stripped = text.strip()
    if not stripped.startswith('"'):
        if "#" in stripped:
            stripped = stripped[: stripped.index("#")]
        return " ".join(stripped.rstrip(",").split())
    parts: list[str] = []
    position = 0
    while True:
        match = _QUOTED.match(stripped, position)
        if match is None:
            break
        parts.append(" ".join(match.group(1).replace('""', '"').split()))
        position = match.end()
    rest = stripped[position:].strip().lstrip(",").strip()
    if rest and not rest.startswith("#"):
        raise FormatError(f"unbalanced or stray quote in {stripped!r}", line)
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} ({', '.join(p for p in parts[1:] if p)})" if any(parts[1:]) else parts[0]


def _header(lines: list[str], line_count: int | None = None) -> tuple[int, int, int]:
    """Return (candidates, seats, index of the next line).

    `lines` may be only the first lines of the file; `line_count` then gives how many it has.
    """
    line_count = len(lines) if line_count is None else line_count
    for i, raw in enumerate(lines):
        content = _content(raw)
        if not content:
            continue
        numbers = _ints(content, i + 1, "'candidates seats' on the first line")
        if len(numbers) != 2:
            raise FormatError(f"expected 'candidates seats' on the first line, found {content!r}", i + 1)
        n, seats = numbers
        if n < 1 or seats < 1:
            raise FormatError(f"need at least one candidate and one seat, found {n} and {seats}", i + 1)
        if n > line_count:
            # Every candidate needs a name line, so the header cannot be right; saying so here also
            # keeps a corrupt header from allocating tables for millions of candidates.
            raise FormatError(
                f"{n} candidates, but the file has only {line_count} lines for their names", i + 1
            )
        return n, seats, i + 1
    raise FormatError("empty file: expected 'candidates seats' on the first line", 1)


def _withdrawn(lines: list[str], start: int, n: int) -> tuple[frozenset[int], int]:
    """Read the optional withdrawn-candidates line (negative numbers); return it and the next index."""
    for i in range(start, len(lines)):
        content = _content(lines[i])
        if not content:
            continue
        if not content.startswith("-") or content == "-":
            return frozenset(), i
        numbers = _ints(content, i + 1, "withdrawn candidates as negative numbers")
        if any(number >= 0 for number in numbers):
            raise FormatError("withdrawn candidates must all be negative numbers", i + 1)
        for number in numbers:
            if -number > n:
                raise FormatError(f"withdrawn candidate {-number} out of range 1..{n}", i + 1)
        return frozenset(-number - 1 for number in numbers), i + 1
    return frozenset(), len(lines)


def _ballots(raw_counts: Counter[str], lines: list[str], start: int, n: int) -> list[RankedBallot]:
    # Each candidate number as written ("1".."n") maps to its shared rank tuple: a plain line then
    # costs one dictionary look-up per mark; anything else (ids, "=", "-", errors) takes the full parser.
    marks: dict[str, Rank] = {str(c + 1): (c,) for c in range(n)}
    mark = marks.__getitem__
    merged: dict[tuple[tuple[Rank, ...], str | None], int] = {}
    # Parsing creates small tuples and no reference cycles; the cyclic collector would otherwise
    # rescan the growing heap again and again (more than halving the speed on large files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for raw, copies in raw_counts.items():
            if copies <= 0:
                continue  # a line found only after the end of the ballots
            content = _content(raw) if "#" in raw or "," in raw else raw
            tokens = content.split()
            if not tokens:
                continue
            try:
                if tokens[-1] != "0" or len(tokens) < 2:
                    raise KeyError
                weight = int(tokens[0])
                key: tuple[tuple[Rank, ...], str | None] = (tuple(map(mark, tokens[1:-1])), None)
                if weight < 1:
                    raise KeyError
            except (KeyError, ValueError):
                try:
                    ballot_id, weight, ranks = _parse_ballot(content.strip(), n, 0)
                except FormatError as error:
                    # Only now look up where the line is: ids make every line distinct, so a
                    # lookup per parsed line would cost quadratic time.
                    raise FormatError(error.message, lines.index(raw, start) + 1) from None
                key = (ranks, ballot_id)
            if key in merged:
                merged[key] += weight * copies
            else:
                merged[key] = weight * copies
        return [RankedBallot(ranks, count, ballot_id) for (ranks, ballot_id), count in merged.items()]
    finally:
        if collecting:
            gc.enable()


def _names(tail: list[str], start: int, n: int, text: str) -> tuple[list[str], str]:
    """Read the names and title from `tail`, the lines after the end of the ballots (from index `start`)."""
    values = [
        (i + 1, raw) for i, raw in enumerate(tail, start) if raw.strip() and not raw.lstrip().startswith("#")
    ]
    if len(values) >= n:
        names = [_name(raw, line) for line, raw in values[:n]]
        rest = values[n:]
    else:
        from_comments = {int(number): value for number, value in _COMMENT_NAME.findall(text)}
        if not all(i in from_comments for i in range(1, n + 1)):
            last = values[-1][0] if values else start
            raise FormatError(
                f"expected {n} candidate names after the end-of-ballots line, found {len(values)}", last
            )
        names = [" ".join(from_comments[i].split()) for i in range(1, n + 1)]
        rest = values
    if len(rest) > 1:
        raise FormatError(f"unexpected line after the title: {rest[1][1].strip()!r}", rest[1][0])
    title = _name(rest[0][1], rest[0][0]) if rest else ""
    return names, title


# Below this many ballot lines the tolerant parser is fast enough and gives merged ballot objects.
BULK_LINES = 5000
_PLAIN = b"0123456789 \n"
# Ballot lines are parsed in pieces of about 1 MB of text, cut at line ends: each piece's temporary
# arrays (int64 tokens and the like) then take about 10 MB, whatever the size of the file.
_PIECE = 1 << 20
# The header and the withdrawn line are looked for among this many first lines (comments included);
# a file that needs more goes through the tolerant parser.
_HEAD_LINES = 64


def _read_bulk(text: str) -> Election | None:
    """Read a file whose ballot lines are all plain, without splitting it into lines; else None.

    Only the first lines and those after the ballots are split, so the memory needed is the text
    plus the arrays, not a string per ballot line.
    """
    parts = text.split("\n", _HEAD_LINES)
    # The last part is the rest of the text if the split stopped early; the others are whole lines.
    head = parts[:_HEAD_LINES]
    del parts
    try:
        n, seats, position = _header(head, text.count("\n") + 1)
        withdrawn, start = _withdrawn(head, position, n)
    except FormatError:
        return None  # the tolerant parser finds the error again, and reads past the first lines
    if start >= len(head):
        return None
    bulk = _bulk_ballots(text, head, start, n)
    if bulk is None:
        return None
    table, end, after = bulk
    names, title = _names(text[after:].split("\n"), end + 1, n, text)
    return Election.from_table(names, table, seats=seats, withdrawn=withdrawn, title=title)


def _bulk_ballots(text: str, lines: list[str], start: int, n: int) -> tuple[BallotTable, int, int] | None:
    """Read plain ballot lines in bulk, or return None ("not plain": the tolerant parser then reads them).

    Returns the table, the index of the end-of-ballots line and where the text after it starts.
    """
    offset = sum(len(line) + 1 for line in lines[:start])
    stop = text.find("\n0\n", offset - 1)
    if stop < offset:
        return None
    # The ballot lines are text[offset:end], each ending in "\n".
    end = stop + 1
    count = text.count("\n", offset, end)
    if count < BULK_LINES:
        return None
    parts: list[tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int64]]] = []
    position = offset
    while position < end:
        cut = text.find("\n", min(position + _PIECE, end - 1), end)
        part = _plain_piece(text[position : cut + 1], n)
        if part is None:
            return None
        parts.append(part)
        position = cut + 1
    width = max(rows.shape[1] for rows, _ in parts)
    weights = np.concatenate([w for _, w in parts])
    table = np.full((count, width), -1, dtype=small_int(n))
    row = 0
    parts.reverse()
    while parts:
        # Each piece is freed once copied, so the pieces and the table are not all held at once.
        rows, _ = parts.pop()
        table[row : row + len(rows), : rows.shape[1]] = rows
        row += len(rows)
    # Weights all 1 (one line per ballot, as most files have) are stored as a view of a single 1.
    counts = None if bool((weights == 1).all()) else weights
    return BallotTable.build(table, counts, n), start + count, stop + 3


def _plain_piece(piece: str, n: int) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int64]] | None:
    """Return the rankings (0-based, -1 padded) and weights of plain lines, or None if one is not.

    `piece` is whole lines, each ending in "\n"; a plain line is "weight c1 c2 ... 0", single spaces.
    """
    if not piece.isascii() or piece.encode().translate(None, _PLAIN):
        return None
    # Pieces are cut at line ends, so a blank line or a leading space across two pieces shows here.
    if piece[0] in " \n" or any(form in piece for form in ("  ", " \n", "\n\n", "\n ")):
        return None
    if piece.count(" 0\n") != piece.count("\n"):
        return None  # a line not ending in " 0" (the count below then also rules out a 0 mid-line)
    tokens = np.fromstring(piece, dtype=np.int64, sep=" ")  # noqa: NPY201 - text mode is not deprecated
    ends = np.flatnonzero(tokens == 0)
    if len(ends) != piece.count("\n"):
        return None
    starts = np.concatenate(([0], ends[:-1] + 1))
    weights = tokens[starts]
    marks = np.ones(len(tokens), dtype=bool)
    marks[starts] = False
    marks[ends] = False
    candidates = tokens[marks]
    del tokens, marks
    if int(weights.min()) < 1 or (
        candidates.size and (int(candidates.min()) < 1 or int(candidates.max()) > n)
    ):
        return None
    lengths = ends - starts - 1
    rows = np.full((len(ends), int(lengths.max())), -1, dtype=small_int(n))
    candidates -= 1
    rows[np.arange(rows.shape[1]) < lengths[:, None]] = candidates
    return rows, weights


def read_blt(source: Source, progress: Progress | None = None) -> Election:
    """Read a BLT file (path, text, bytes or open file) into an Election, identical ballots merged."""
    text = load_text(source, progress)
    bulk = _read_bulk(text)
    if bulk is not None:
        return bulk
    lines = text.split("\n")
    n, seats, position = _header(lines)
    withdrawn, start = _withdrawn(lines, position, n)
    # Count identical raw lines once (in C): parsing cost then follows the distinct lines, and the
    # end-of-ballots line is found among the few distinct lines rather than by testing every line.
    raw_counts = Counter(lines[start:])
    end_forms = [line for line in raw_counts if line.lstrip()[:1] == "0" and _is_end(line)]
    if not end_forms:
        raise FormatError("no end-of-ballots line (a line holding only 0)", len(lines))
    end = min(lines.index(form, start) for form in end_forms)
    raw_counts.subtract(lines[end:])
    ballots = _ballots(raw_counts, lines, start, n)
    names, title = _names(lines[end + 1 :], end + 1, n, text)
    return Election(names, ballots, seats=seats, withdrawn=withdrawn, title=title)


def _quote(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise FormatError(f"a BLT name or title cannot contain a line break: {text!r}")
    return '"' + text.replace('"', '""') + '"'


def _rank_text(rank: Rank, ballot: RankedBallot) -> str:
    if not rank:
        return "-"
    if any(c < 0 for c in rank):
        raise FormatError(
            f"BLT cannot express an overvote or write-in marker (ballot {ballot.ranks}); "
            "write a cast-vote-record .csv instead"
        )
    return "=".join(str(c + 1) for c in rank)


def blt_text(election: Election) -> str:
    """Render an election as BLT text."""
    out = [f"{len(election.candidates)} {election.seats}"]
    if election.withdrawn:
        out.append(" ".join(str(-(c + 1)) for c in sorted(election.withdrawn)))
    for ballot in election.ballots:
        if ballot.id is not None and (")" in ballot.id or "#" in ballot.id or "\n" in ballot.id):
            raise FormatError(f"a BLT ballot id cannot contain ')', '#' or a line break: {ballot.id!r}")
        prefix = f"({ballot.id}) " if ballot.id is not None else ""
        marks = " ".join(_rank_text(rank, ballot) for rank in ballot.ranks)
        out.append(f"{prefix}{ballot.count} {marks} 0" if marks else f"{prefix}{ballot.count} 0")
    out.append("0")
    out.extend(_quote(name) for name in election.candidates)
    out.append(_quote(election.title))
    return "\n".join(out) + "\n"


def write_blt(election: Election, destination: Destination) -> None:
    """Write an election as a BLT file (path or open text file)."""
    write_text(destination, blt_text(election))
