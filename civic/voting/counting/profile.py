"""Apply the ballot-reading rules once and merge identical ballots: the input every method counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.model import (
    BLOCK_ROWS,
    OVERVOTE,
    WRITE_IN,
    BallotTable,
    Election,
    Rank,
    has_repeats,
    small_int,
)
from civic.voting.counting.result import BallotSummary
from civic.voting.counting.rules import Rules

# A strict ranking lists candidate indices, most preferred first. A weak ranking keeps equal ranks
# as tuples (used by pairwise methods, where "A=B" means no preference between A and B).
StrictRanking = tuple[int, ...]
WeakRanking = tuple[Rank, ...]

_SET_ASIDE = None


@dataclass(slots=True)
class Profile:
    """Distinct valid rankings with their multiplicities, plus the ballot summary.

    An empty ranking is a valid ballot that expresses no usable preference (blank, or exhausted by a
    rule before its first mark): it counts as exhausted from the first round.
    """

    candidates: list[str]
    rankings: list[StrictRanking]
    counts: list[int]
    summary: BallotSummary


@dataclass(slots=True)
class WeakProfile:
    """Distinct valid weak rankings (equal ranks kept) with multiplicities."""

    candidates: list[str]
    rankings: list[WeakRanking]
    counts: list[int]
    summary: BallotSummary


def _read(
    ranks: tuple[Rank, ...], withdrawn: frozenset[int], rules: Rules, strict: bool
) -> WeakRanking | None:
    """Apply the rules to one ballot's ranks; None means the ballot is set aside."""
    out: list[Rank] = []
    seen: set[int] = set()
    skipped = 0
    for rank in ranks:
        marks = [c for c in rank if c not in withdrawn]
        if rank and not marks:
            continue  # only withdrawn candidates here: as if this rank were not on the ballot
        if WRITE_IN in marks:
            if rules.write_ins == "exhaust":
                break
            marks = [c for c in marks if c != WRITE_IN]
        fresh = [c for c in marks if c not in seen]
        if len(fresh) < len(marks) and rules.repeated == "exhaust":
            break
        if not marks:
            skipped += 1
            if rules.max_skipped is not None and skipped > rules.max_skipped:
                break
            continue
        if not fresh:
            continue  # a repeated candidate, skipped under the "skip" rule
        skipped = 0
        if OVERVOTE in fresh or (strict and len(fresh) > 1):
            if rules.overvote == "skip":
                continue
            if rules.overvote == "set-aside-if-first" and not out:
                return _SET_ASIDE
            break
        out.append(tuple(sorted(fresh)))
        seen.update(fresh)
    return tuple(out)


def _merge(election: Election) -> Counter[tuple[Rank, ...]]:
    # Merge identical ballots before reading them, so the cost of the rules follows the number of
    # distinct ballots, not the number cast.
    merged: Counter[tuple[Rank, ...]] = Counter()
    for ballot in election.ballots:
        merged[ballot.ranks] += ballot.count
    return merged


def _collect(election: Election, rules: Rules, strict: bool) -> tuple[Counter[WeakRanking], BallotSummary]:
    result: Counter[WeakRanking] = Counter()
    set_aside = 0
    for ranks, count in _merge(election).items():
        read = _read(ranks, election.withdrawn, rules, strict)
        if read is None:
            set_aside += count
        else:
            result[read] += count
    cast = election.total_ballots
    summary = BallotSummary(cast=cast, valid=cast - set_aside, set_aside=set_aside, distinct=len(result))
    return result, summary


def strict_profile(election: Election, rules: Rules) -> Profile:
    """Read every ballot as a strict order (overvote rule applied) and merge identical ones."""
    table = strict_table(election, rules)
    lengths = (table.table >= 0).sum(axis=1)
    rankings: list[StrictRanking] = [()] * len(table.counts)
    # Convert by length group: one C-level tolist per group instead of a Python loop per cell.
    for width in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == width)
        values = table.table[rows, :width].tolist()
        for row, ranking in zip(rows.tolist(), values, strict=True):
            rankings[row] = tuple(ranking)
    return Profile(table.candidates, rankings, table.counts.tolist(), table.summary)


def weak_profile(election: Election, rules: Rules) -> WeakProfile:
    """Read every ballot keeping equal ranks (for pairwise methods) and merge identical ones."""
    levels = weak_levels(election, rules)
    n = len(levels.candidates)
    rankings: list[WeakRanking] = []
    for row in levels.levels.tolist():
        tiers: dict[int, list[int]] = {}
        for candidate, level in enumerate(row):
            if level < n:
                tiers.setdefault(level, []).append(candidate)
        rankings.append(tuple(tuple(tiers[level]) for level in sorted(tiers)))
    return WeakProfile(levels.candidates, rankings, levels.counts.tolist(), levels.summary)


def reference_profile(
    election: Election, rules: Rules, strict: bool
) -> tuple[Counter[WeakRanking], BallotSummary]:
    """Read and merge ballots one at a time in plain Python: the specification the fast reader must match."""
    return _collect(election, rules, strict)


# --- The vectorised reader --------------------------------------------------------------------------
#
# Nearly every rank on a real ballot is one candidate, a skipped rank, or a single overvote/write-in
# marker. Each such rank gets a small integer code (one dictionary lookup per rank, at C speed), and
# the reading rules run as a state machine over the columns of a (ballots x ranks) code array, for all
# ballots at once. A ballot holding anything else (several candidates at one rank, unknown indices)
# is read by `_read` above, which remains the specification.

_EMPTY = -3  # a skipped rank: counts towards max_skipped
_DROP = -4  # a rank naming only withdrawn candidates: as if absent
_RESET = -5  # an overvote under the "skip" rule: adds nothing but ends a run of skipped ranks
_STOP = -6  # the ballot exhausts here (also pads short ballots)
_OVER_FIRST = -7  # an overvote under "set-aside-if-first"
_SLOW = -8  # anything else: read this ballot with `_read`

Array = npt.NDArray[np.int64]
IntArray = npt.NDArray[np.integer[Any]]


@dataclass(slots=True)
class RankingTable:
    """Distinct valid strict rankings as rows of candidate indices, -1 after each ranking's end.

    `table` has one column more than the longest ranking, so every row ends in -1. Rows are sorted
    (lexicographically, a ranking before its extensions), so they do not depend on ballot order.
    `table` uses the smallest signed integer type that holds -1..len(candidates) (see `small_int`).
    """

    candidates: list[str]
    table: IntArray
    counts: Array
    summary: BallotSummary


@dataclass(slots=True)
class LevelTable:
    """Distinct valid weak rankings as levels: `levels[d, c]` is the rank (0 = top) of candidate c.

    Candidates a ranking leaves out (including withdrawn ones) get level n = len(candidates), below
    every ranked candidate and equal to each other. Equal ranks share a level. Rows come in an order
    that depends only on their content, never on the order of the ballots. `levels` uses the
    smallest signed integer type that holds 0..n (see `small_int`).
    """

    candidates: list[str]
    levels: IntArray
    counts: Array
    summary: BallotSummary


def _codes(election: Election, rules: Rules) -> dict[Rank, int]:
    withdrawn = election.withdrawn
    codes: dict[Rank, int] = {(): _EMPTY}
    for c in range(len(election.candidates)):
        codes[(c,)] = _DROP if c in withdrawn else c
    overvote = {"skip": _RESET, "exhaust": _STOP, "set-aside-if-first": _OVER_FIRST}[rules.overvote]
    codes[(OVERVOTE,)] = _DROP if OVERVOTE in withdrawn else overvote
    codes[(WRITE_IN,)] = (
        _DROP if WRITE_IN in withdrawn else (_STOP if rules.write_ins == "exhaust" else _EMPTY)
    )
    return codes


def _code_matrix(election: Election, rules: Rules) -> tuple[Array, Array]:
    """Return (codes, counts): one row per ballot as cast, one column per rank, padded with _STOP."""
    table = election.fast_table()
    if table is not None:
        return _table_codes(table, election, rules), np.asarray(table.counts, dtype=np.int64)
    ballots = election.ballots
    ranks = list(map(attrgetter("ranks"), ballots))
    counts = np.fromiter(map(attrgetter("count"), ballots), dtype=np.int64, count=len(ballots))
    lengths = np.fromiter(map(len, ranks), dtype=np.int64, count=len(ranks))
    total = int(lengths.sum())
    width = int(lengths.max()) if len(ranks) else 0
    codes = np.fromiter(
        map(_codes(election, rules).get, chain.from_iterable(ranks), repeat(_SLOW)),
        dtype=np.int64,
        count=total,
    )
    matrix = np.full((len(ranks), width + 1), _STOP, dtype=np.int64)
    if total == len(ranks) * width:
        matrix[:, :width] = codes.reshape(len(ranks), width)
    elif total:
        matrix[np.arange(width + 1) < lengths[:, None]] = codes
    return matrix, counts


def _table_codes(table: BallotTable, election: Election, rules: Rules) -> Array:
    codes = _codes(election, rules)
    # Index 0 of the look-up table is the -1 padding; index c + 1 is candidate c.
    lookup = np.array([_STOP] + [codes[(c,)] for c in range(len(election.candidates))], dtype=np.int64)
    rows, width = table.ranks.shape
    matrix = np.full((rows, width + 1), _STOP, dtype=np.int64)
    matrix[:, :width] = lookup[table.ranks.astype(np.int64) + 1]
    return matrix


def _plain_table(election: Election) -> BallotTable | None:
    """Return the election's table if every ballot reads exactly as cast under any rules."""
    table = election.fast_table()
    if table is None or not table.distinct_marks:
        return None
    if any(0 <= c < len(election.candidates) for c in election.withdrawn):
        return None
    return table


def _used_columns(ranks: npt.NDArray[np.integer]) -> npt.NDArray[np.integer]:
    """Drop trailing columns that hold no mark."""
    width = ranks.shape[1]
    while width and not bool((ranks[:, width - 1] >= 0).any()):
        width -= 1
    return ranks[:, :width]


def _run_rules(matrix: Array, n: int, rules: Rules) -> tuple[Array, Array, Array]:
    """Apply the reading rules to coded ballots: return (rankings padded with -1, set aside, slow)."""
    count, width = matrix.shape
    slow = (matrix == _SLOW).any(axis=1)
    stop = matrix == _STOP
    plain = bool(((matrix >= 0) | stop).all()) and not bool((stop[:, :-1] & ~stop[:, 1:]).any())
    if plain and not has_repeats(np.where(matrix >= 0, matrix, -1)):
        # Every rank names one candidate, none twice: each ballot reads exactly as cast.
        return np.where(matrix >= 0, matrix, -1), np.zeros(count, dtype=bool), slow
    out = np.full((count, width), -1, dtype=np.int64)
    alive = ~slow
    aside = np.zeros(count, dtype=bool)
    skipped = np.zeros(count, dtype=np.int64)
    length = np.zeros(count, dtype=np.int64)
    seen = np.zeros((count, n), dtype=bool)
    for j in range(width):
        code = matrix[:, j]
        marked = np.flatnonzero(alive & (code >= 0))
        if marked.size:
            candidate = code[marked]
            repeated = seen[marked, candidate]
            if rules.repeated == "exhaust":
                alive[marked[repeated]] = False
            fresh, candidate = marked[~repeated], candidate[~repeated]
            out[fresh, length[fresh]] = candidate
            length[fresh] += 1
            skipped[fresh] = 0
            seen[fresh, candidate] = True
        empty = alive & (code == _EMPTY)
        skipped[empty] += 1
        if rules.max_skipped is not None:
            alive &= ~(empty & (skipped > rules.max_skipped))
        skipped[alive & (code == _RESET)] = 0
        first = alive & (code == _OVER_FIRST)
        aside |= first & (length == 0)
        alive &= ~first & (code != _STOP)
    return out, aside, slow


def _sort_keys(rows: IntArray, base: int) -> list[IntArray]:
    """Pack the columns of `rows` (values in -1..base-2) into integer keys, most significant first.

    Each key holds several columns as digits in base `base` (value + 1, so -1 padding sorts first):
    comparing the keys in order compares the rows. Keys fit in int16 whenever a digit does, since
    numpy sorts 8- and 16-bit integers by radix, far faster than the comparison sort of wider ones;
    a last key of few columns is int8 when it fits (one byte to sort rather than two).
    """
    width = rows.shape[1]
    kind: type[np.signedinteger] = np.int16 if base < 2**15 else np.int64
    limit = 2**15 if kind is np.int16 else 2**63
    per = 1
    while base ** (per + 1) <= limit:
        per += 1
    keys: list[IntArray] = []
    for first in range(0, width, per):
        digits = min(per, width - first)
        key = np.zeros(len(rows), dtype=np.int8 if base**digits <= 2**7 else kind)
        for column in range(first, first + digits):
            key *= base
            key += rows[:, column]
        # Adding the padding's +1 once per key rather than once per column.
        key += sum(base**j for j in range(digits))
        keys.append(key)
    return keys


def _merge_rows(rows: IntArray, counts: Array, base: int) -> tuple[IntArray, Array]:
    """Merge identical rows (values in -1..base-2) and sum their counts exactly; rows come out sorted.

    The merged rows keep the integer type of `rows`.
    """
    if len(rows) == 0:
        return rows.copy(), counts
    keys = _sort_keys(rows, base)
    # Lexicographic order of the keys (np.lexsort wants the most significant key last).
    order = np.lexsort(keys[::-1]) if keys else np.arange(len(rows))
    # first[i]: the i-th row in sorted order differs from the one before it.
    first = np.zeros(len(rows), dtype=bool)
    first[0] = True
    for key in keys:
        ordered = key.take(order)
        first[1:] |= ordered[1:] != ordered[:-1]
    del keys
    starts = np.flatnonzero(first)
    del first
    if bool((counts == 1).all()):
        merged = np.diff(starts, append=len(rows)).astype(np.int64, copy=False)
    else:
        merged = np.add.reduceat(counts[order], starts)
    picked = order.take(starts)
    del order, starts
    # take() along an axis copies whole rows, several times faster than fancy indexing does.
    return rows.take(picked, axis=0), merged


def padded(table: IntArray, pad: int) -> IntArray:
    """Return a copy of a -1 padded table with `pad` in place of the padding (pad above every index).

    Seen as unsigned, -1 is the type's largest value, so a minimum with `pad` turns the padding into
    `pad` and keeps every index below it: one pass, and no mask (a third of the cost of np.where).
    """
    if not np.issubdtype(table.dtype, np.signedinteger):
        return np.where(table >= 0, table, pad)
    unsigned = np.dtype(f"u{table.dtype.itemsize}")
    result: IntArray = np.minimum(table.view(unsigned), pad).view(table.dtype)
    return result


def _check_indices(values: Array, n: int) -> None:
    if values.size and (values.max() >= n or values.min() < -1):
        raise ValueError(f"a ballot names a candidate index outside 0..{n - 1}")


def _read_slow(
    election: Election, rules: Rules, rows: Array, strict: bool
) -> tuple[dict[int, WeakRanking], list[int]]:
    """Read the given ballots with `_read` (once per distinct ballot): readings by row, set-aside rows."""
    cache: dict[tuple[Rank, ...], WeakRanking | None] = {}
    read: dict[int, WeakRanking] = {}
    aside: list[int] = []
    for row in rows.tolist():
        ranks = election.ballots[row].ranks
        if ranks not in cache:
            cache[ranks] = _read(ranks, election.withdrawn, rules, strict)
        reading = cache[ranks]
        if reading is None:
            aside.append(row)
        else:
            read[row] = reading
    return read, aside


def _summary(counts: Array, aside: Array, distinct: int) -> BallotSummary:
    cast = int(counts.sum())
    set_aside = int(counts[aside].sum())
    return BallotSummary(cast=cast, valid=cast - set_aside, set_aside=set_aside, distinct=distinct)


def strict_table(election: Election, rules: Rules) -> RankingTable:
    """Read every ballot as a strict order and merge identical ones, as arrays (the fast path).

    Gives the rankings and counts that `_read` and merging give, in sorted order.
    """
    n = len(election.candidates)
    plain = _plain_table(election)
    if plain is not None:
        rows, merged = _merge_rows(_used_columns(plain.ranks), plain.counts, n + 1)
        table = np.full((len(rows), rows.shape[1] + 1), -1, dtype=small_int(n))
        table[:, :-1] = rows
        summary = BallotSummary(
            cast=int(plain.counts.sum()), valid=int(plain.counts.sum()), distinct=len(rows)
        )
        return RankingTable(list(election.candidates), table, merged, summary)
    matrix, counts = _code_matrix(election, rules)
    out, aside, slow = _run_rules(matrix, n, rules)
    read, slow_aside = _read_slow(election, rules, np.flatnonzero(slow), strict=True)
    for row, reading in read.items():
        out[row, : len(reading)] = [rank[0] for rank in reading]
    aside[slow_aside] = True
    _check_indices(out, n)
    keep = ~aside
    longest = int((out >= 0).sum(axis=1).max()) if len(out) else 0
    rows, merged = _merge_rows(out[keep][:, :longest], counts[keep], n + 1)
    table = np.full((len(rows), longest + 1), -1, dtype=small_int(n))
    table[:, :longest] = rows
    return RankingTable(list(election.candidates), table, merged, _summary(counts, aside, len(merged)))


def _levels(rankings: IntArray, n: int) -> IntArray:
    """Turn strict rankings (-1 padded, no repeats) into level rows: position, or n if unranked."""
    levels = np.empty((len(rankings), n), dtype=small_int(n))
    for start in range(0, len(rankings), BLOCK_ROWS):
        block = rankings[start : start + BLOCK_ROWS]
        cells = len(block) * n
        # One spare cell at the end takes the writes of unmarked positions, so no cell needs a filter.
        buffer = np.full(cells + 1, n, dtype=levels.dtype)
        starts = np.arange(0, cells, n, dtype=np.intp)
        for position in range(block.shape[1]):
            column = block[:, position]
            buffer[np.where(column >= 0, starts + column, cells)] = position
        levels[start : start + len(block)] = buffer[:cells].reshape(len(block), n)
    return levels


def weak_levels(election: Election, rules: Rules) -> LevelTable:
    """Read every ballot keeping equal ranks and merge identical ones, as a level array (the fast path).

    Gives the rankings and counts that `_read` and merging give, in sorted order.
    """
    n = len(election.candidates)
    plain = _plain_table(election)
    if plain is not None:
        # Merge the rankings first: level rows then follow from distinct rankings only.
        rows, merged = _merge_rows(_used_columns(plain.ranks), plain.counts, n + 1)
        cast = int(plain.counts.sum())
        summary = BallotSummary(cast=cast, valid=cast, distinct=len(rows))
        return LevelTable(list(election.candidates), _levels(rows, n), merged, summary)
    matrix, counts = _code_matrix(election, rules)
    out, aside, slow = _run_rules(matrix, n, rules)
    read, slow_aside = _read_slow(election, rules, np.flatnonzero(slow), strict=False)
    aside[slow_aside] = True
    _check_indices(out, n)
    levels = _levels(out, n)
    for row, reading in read.items():
        levels[row] = n
        for level, rank in enumerate(reading):
            if any(c < 0 or c >= n for c in rank):
                raise ValueError(f"a ballot names a candidate index outside 0..{n - 1}")
            levels[row, list(rank)] = level
    keep = ~aside
    merged_levels, merged = _merge_rows(levels[keep], counts[keep], n + 2)
    return LevelTable(
        list(election.candidates),
        merged_levels,
        merged,
        _summary(counts, aside, len(merged)),
    )
