"""Read and write PrefLib ordinal files: .soc, .soi, .toc, .toi (the current, 2022 PrefLib format).

A file is "# KEY: value" metadata lines (among them "# ALTERNATIVE NAME i: name") followed by
"count: ranking" lines, where a ranking lists alternatives (numbered from 1) separated by commas and
"{a,b}" groups alternatives tied at one rank. The older PrefLib layout (a count of alternatives, then
"i,name" lines, then "voters,sum,unique" and "count,ranking" lines) is read too.

PrefLib has no seats or withdrawn candidates; when they differ from the defaults the writer records
them as "# SEATS:" and "# WITHDRAWN ALTERNATIVES:" metadata lines, which this reader understands.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.source import (
    Destination,
    Progress,
    Source,
    load_text,
    suffix_of,
    write_text,
)
from civic.voting.counting.model import Election, Rank, RankedBallot

EXTENSIONS = (".soc", ".soi", ".toc", ".toi")
# Unnamed alternatives get generated names, so a stray huge number must not allocate millions of them.
MAX_ALTERNATIVES = 100_000
_META = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9 ]*?)\s*:\s?(.*)$")
_ALTERNATIVE = re.compile(r"^ALTERNATIVE NAME\s+(\d+)$", re.IGNORECASE)


def _ranking(text: str, line: int) -> list[list[int]]:
    """Parse "1,{2,3},4" into [[1], [2, 3], [4]] (alternative numbers as written)."""
    ranks: list[list[int]] = []
    rest = text.strip()
    while rest:
        if rest.startswith("{"):
            close = rest.find("}")
            if close < 0:
                raise FormatError("'{' without '}'", line)
            ranks.append([_number(part, line) for part in rest[1:close].split(",")])
            rest = rest[close + 1 :].lstrip()
        else:
            item = rest.partition(",")[0]
            ranks.append([_number(item, line)])
            rest = rest[len(item) :]
        if rest:
            if not rest.startswith(","):
                raise FormatError(f"expected ',' between ranks, found {rest[:10]!r}", line)
            rest = rest[1:].lstrip()
            if not rest:
                raise FormatError("a ranking cannot end with ','", line)
    return ranks


def _number(token: str, line: int) -> int:
    try:
        number = int(token.strip())
    except ValueError:
        raise FormatError(f"expected an alternative number, found {token.strip()!r}", line) from None
    if number < 1:
        raise FormatError(f"alternative numbers start at 1, found {number}", line)
    return number


def _count(token: str, line: int) -> int:
    try:
        count = int(token.strip())
    except ValueError:
        raise FormatError(f"expected a whole-number count, found {token.strip()!r}", line) from None
    if count < 1:
        raise FormatError(f"a count must be at least 1, found {count}", line)
    return count


def _old_layout(lines: list[str]) -> list[tuple[int, str, str]] | None:
    """Rewrite an old-layout PrefLib file as (line, kind, text) records, or None if it is not one."""
    content = [(i + 1, raw.strip()) for i, raw in enumerate(lines) if raw.strip()]
    if not content or not content[0][1].isdecimal():
        return None
    n = _count(content[0][1], content[0][0])
    records: list[tuple[int, str, str]] = [(content[0][0], "meta", f"NUMBER ALTERNATIVES: {n}")]
    for line, text in content[1 : n + 1]:
        number, _, name = text.partition(",")
        records.append((line, "meta", f"ALTERNATIVE NAME {number.strip()}: {name.strip()}"))
    for line, text in content[n + 2 :]:  # skip "voters,sum,unique"
        count, _, ranking = text.partition(",")
        records.append((line, "data", f"{count}:{ranking}"))
    return records


def read_preflib(source: Source, progress: Progress | None = None) -> Election:
    """Read a PrefLib .soc/.soi/.toc/.toi file into an Election (ties become equal ranks)."""
    lines = load_text(source, progress).split("\n")
    records = _old_layout(lines)
    if records is None:
        records = []
        for i, raw in enumerate(lines):
            text = raw.strip()
            if text.startswith("#"):
                records.append((i + 1, "meta", text[1:].strip()))
            elif text:
                records.append((i + 1, "data", text))
    names: dict[int, str] = {}
    declared: int | None = None
    title = ""
    seats = 1
    withdrawn: set[int] = set()
    counts: dict[tuple[Rank, ...], int] = {}
    highest = 0
    for line, kind, text in records:
        if kind == "meta":
            match = _META.match("#" + text)
            if match is None:
                continue
            key, value = match.group(1).strip().upper(), match.group(2).strip()
            alternative = _ALTERNATIVE.match(key)
            if alternative:
                names[int(alternative.group(1))] = " ".join(value.split())
            elif key == "NUMBER ALTERNATIVES":
                declared = _count(value, line)
            elif key == "TITLE":
                title = value
            elif key == "SEATS":
                seats = _count(value, line)
            elif key == "WITHDRAWN ALTERNATIVES" and value:
                withdrawn.update(_number(part, line) for part in value.split(","))
            continue
        count_text, colon, ranking_text = text.partition(":")
        if not colon:
            raise FormatError(f"expected 'count: ranking', found {text[:40]!r}", line)
        count = _count(count_text, line)
        ranking = _ranking(ranking_text, line)
        if declared is not None:
            for rank in ranking:
                for number in rank:
                    if number > declared:
                        raise FormatError(f"alternative {number} out of range 1..{declared}", line)
        highest = max([highest, *(number for rank in ranking for number in rank)])
        key = tuple(tuple(sorted(number - 1 for number in rank)) for rank in ranking)
        counts[key] = counts.get(key, 0) + count
    n = declared if declared is not None else max([highest, *names, *withdrawn], default=0)
    if n < 1:
        raise FormatError("no alternatives: expected '# NUMBER ALTERNATIVES: n' or ballots", None)
    if n > MAX_ALTERNATIVES:
        raise FormatError(f"{n} alternatives: more than this reader accepts ({MAX_ALTERNATIVES})", None)
    for number in (*names, *withdrawn):
        if number > n:
            raise FormatError(f"alternative {number} out of range 1..{n}", None)
    candidates = [names.get(i, f"Alternative {i}") for i in range(1, n + 1)]
    ballots = [RankedBallot(ranks, count) for ranks, count in counts.items()]
    return Election(
        candidates, ballots, seats=seats, withdrawn=frozenset(c - 1 for c in withdrawn), title=title
    )


def data_type(election: Election) -> str:
    """Return the narrowest PrefLib type (soc, soi, toc, toi) that holds every ballot."""
    n = len(election.candidates)
    ties = any(len(rank) > 1 for ballot in election.ballots for rank in ballot.ranks)
    complete = all(sum(len(rank) for rank in ballot.ranks) == n for ballot in election.ballots)
    return ("t" if ties else "s") + "o" + ("c" if complete else "i")


def _check(ballot: RankedBallot) -> None:
    seen: set[int] = set()
    for i, rank in enumerate(ballot.ranks):
        if any(c < 0 for c in rank):
            raise FormatError(
                f"PrefLib cannot express an overvote or write-in marker (ballot {ballot.ranks}); "
                "write a cast-vote-record .csv instead"
            )
        if not rank and any(ballot.ranks[i:]):
            raise FormatError(
                f"PrefLib cannot express a skipped rank (ballot {ballot.ranks}); write a .blt instead"
            )
        if seen.intersection(rank) or len(set(rank)) < len(rank):
            raise FormatError(f"PrefLib cannot express a candidate ranked twice (ballot {ballot.ranks})")
        seen.update(rank)


def _order_text(ranks: tuple[Rank, ...]) -> str:
    parts = []
    for rank in ranks:
        if len(rank) == 1:
            parts.append(str(rank[0] + 1))
        elif rank:
            parts.append("{" + ",".join(str(c + 1) for c in sorted(rank)) + "}")
    return ",".join(parts)


def preflib_text(election: Election, kind: str = "", file_name: str = "") -> str:
    """Render an election as PrefLib text of the given type ("" picks the narrowest that fits).

    Identical orders are merged (PrefLib lists each order once); ballot ids are not kept.
    """
    for ballot in election.ballots:
        _check(ballot)
    narrowest = data_type(election)
    kind = kind or narrowest
    if kind not in ("soc", "soi", "toc", "toi"):
        raise FormatError(f"unknown PrefLib type {kind!r}")
    if (kind[0] == "s" and narrowest[0] == "t") or (kind[2] == "c" and narrowest[2] == "i"):
        raise FormatError(f"these ballots need a .{narrowest} file (or .toi), not .{kind}")
    for text in (election.title, *election.candidates):
        if "\n" in text or "\r" in text:
            raise FormatError(f"a PrefLib name or title cannot contain a line break: {text!r}")
    counts: dict[str, int] = {}
    for ballot in election.ballots:
        order = _order_text(ballot.ranks)
        counts[order] = counts.get(order, 0) + ballot.count
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    out = [
        f"# FILE NAME: {file_name}",
        f"# TITLE: {election.title}",
        "# DESCRIPTION:",
        f"# DATA TYPE: {kind}",
        "# MODIFICATION TYPE: original",
        "# RELATES TO:",
        "# RELATED FILES:",
        "# PUBLICATION DATE:",
        "# MODIFICATION DATE:",
        f"# NUMBER ALTERNATIVES: {len(election.candidates)}",
        f"# NUMBER VOTERS: {sum(counts.values())}",
        f"# NUMBER UNIQUE ORDERS: {len(counts)}",
    ]
    if election.seats != 1:
        out.append(f"# SEATS: {election.seats}")
    if election.withdrawn:
        out.append(f"# WITHDRAWN ALTERNATIVES: {','.join(str(c + 1) for c in sorted(election.withdrawn))}")
    out.extend(f"# ALTERNATIVE NAME {i}: {name}" for i, name in enumerate(election.candidates, 1))
    out.extend(f"{count}: {order}" for order, count in ordered)
    return "\n".join(out) + "\n"


def write_preflib(election: Election, destination: Destination) -> None:
    """Write an election as PrefLib; a path's extension (.soc/.soi/.toc/.toi) sets the data type."""
    suffix = suffix_of(destination)
    kind = suffix[1:] if suffix in EXTENSIONS else ""
    name = Path(destination).name if isinstance(destination, str | os.PathLike) else ""
    write_text(destination, preflib_text(election, kind, name))
