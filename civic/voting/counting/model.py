"""Ballots and elections as the counting library sees them: candidates by index, ranks as tuples."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

# A rank is the tuple of candidate indices marked at that position of a ballot:
#   ()            a skipped rank (undervote),
#   (i,)          one candidate,
#   (i, j, ...)   several candidates: equal ranks (BLT "=") or an overvote.
# Two marker indices stand for marks whose candidates a cast-vote record does not name.
OVERVOTE = -1
WRITE_IN = -2

Rank = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """One ranked ballot, or `count` identical ones, exactly as cast (before any counting rule)."""

    ranks: tuple[Rank, ...]
    count: int = 1
    id: str | None = None


RankArray = npt.NDArray[np.int8] | npt.NDArray[np.int16] | npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False)
class BallotTable:
    """Ranked ballots as arrays: the fast form for large elections, counted without ballot objects.

    Row i of `ranks` lists candidate indices, most preferred first, then -1 after its last mark (every
    rank holds one candidate: skipped ranks, equal ranks and markers need RankedBallot); `counts[i]` is
    how many ballots row i stands for. Rows need not be distinct and may repeat a candidate (the rules
    decide what that means). `ranks` uses the smallest signed integer type that holds the candidates.
    Both arrays are read-only, so facts about them can be computed once.
    """

    ranks: RankArray
    counts: npt.NDArray[np.int64]
    # Whether no row names a candidate twice: then a strict reading only has to drop withdrawn ones.
    distinct_marks: bool

    @classmethod
    def build(cls, ranks: npt.ArrayLike, counts: npt.ArrayLike | None, n: int) -> BallotTable:
        """Check and pack a (ballots x ranks) array of indices in 0..n-1 with -1 after each ballot's end."""
        return cls._pack(np.asarray(ranks), counts, n, check_padding=True)

    @classmethod
    def _pack(
        cls,
        array: npt.NDArray[np.integer],
        counts: npt.ArrayLike | None,
        n: int,
        check_padding: bool,
        in_range: bool = False,
    ) -> BallotTable:
        if array.ndim != 2:
            raise ValueError(f"rankings must be a 2-D array (ballots x ranks), not {array.ndim}-D")
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"rankings must hold integer candidate indices, not {array.dtype}")
        if not in_range and array.size and (int(array.min()) < -1 or int(array.max()) >= n):
            raise ValueError(f"a ranking names a candidate index outside 0..{n - 1} (or -1 for no mark)")
        packed = np.ascontiguousarray(array, dtype=small_int(n))
        signed = np.issubdtype(array.dtype, np.signedinteger)
        if check_padding and signed and any(_mark_after_padding(block) for block in _blocks(packed)):
            raise ValueError("a ranking has a mark after -1: -1 may only pad the end of a ranking")
        weights: npt.NDArray[np.int64]
        if counts is None:
            # Every count is 1: one value seen through a view as long as the table (no memory).
            weights = np.broadcast_to(np.ones(1, dtype=np.int64), (len(packed),))
        else:
            weights = np.array(counts, dtype=np.int64)
            if weights.shape != (len(packed),):
                raise ValueError(f"need one count per ranking: {len(packed)} rankings, {weights.size} counts")
            if weights.size and int(weights.min()) < 1:
                raise ValueError("ballot counts must be at least 1")
        packed.setflags(write=False)
        weights.setflags(write=False)
        return cls(packed, weights, not has_repeats(packed))

    def ballot(self, row: int) -> RankedBallot:
        marks = self.ranks[row]
        return RankedBallot(tuple((int(c),) for c in marks[marks >= 0]), int(self.counts[row]))

    def ballots(self) -> list[RankedBallot]:
        """Return the rows as RankedBallot objects (slow for millions of rows: counting never needs it)."""
        lengths = (self.ranks >= 0).sum(axis=1).tolist()
        rows = self.ranks.tolist()
        singles = [(c,) for c in range(int(self.ranks.max(initial=-1)) + 1)]
        return [
            RankedBallot(tuple(map(singles.__getitem__, row[:length])), count)
            for row, length, count in zip(rows, lengths, self.counts.tolist(), strict=True)
        ]


def small_int(n: int) -> type[np.signedinteger]:
    """Return the smallest signed integer type holding -1..n (candidate indices, padding, one spare)."""
    return np.int8 if n < 127 else np.int16 if n < 32767 else np.int32 if n < 2**31 - 1 else np.int64


# Work on large tables a block of rows at a time, so temporary arrays stay a few MB at most.
BLOCK_ROWS = 1 << 17


def _blocks(table: npt.NDArray[Any]) -> Iterator[npt.NDArray[Any]]:
    """Yield the table's rows in blocks of BLOCK_ROWS (views, no copies)."""
    for start in range(0, len(table), BLOCK_ROWS):
        yield table[start : start + BLOCK_ROWS]


def _mark_after_padding(ranks: npt.NDArray[np.integer]) -> bool:
    return bool(((ranks[:, :-1] < 0) & (ranks[:, 1:] >= 0)).any())


def has_repeats(ranks: npt.NDArray[np.integer]) -> bool:
    """Tell whether any row of a (ballots x ranks) index array, -1 padded, names a candidate twice."""
    if ranks.size == 0:
        return False
    top = int(ranks.max())
    # A row repeats a candidate iff adding its candidates' bits carries, i.e. differs from or-ing them.
    # That needs the sum of a row's bits to fit the type: then use the smallest type that holds it.
    bits = int(ranks.shape[1]).bit_length() + top + 1
    if bits < 64:
        kind = np.int16 if bits < 16 else np.int32 if bits < 32 else np.int64
        return any(_carries(block, kind) for block in _blocks(ranks))
    return any(_sorted_repeats(block) for block in _blocks(ranks))


def _carries(ranks: npt.NDArray[np.integer], kind: type[np.signedinteger]) -> bool:
    added: npt.NDArray[Any] = np.zeros(len(ranks), dtype=kind)
    ored: npt.NDArray[Any] = np.zeros(len(ranks), dtype=kind)
    for column in np.ascontiguousarray(ranks.T):
        # (1 << (c + 1)) >> 1 is candidate c's bit, and 0 for the -1 padding (vectorised shifts are
        # many times faster than a table look-up with negative indices).
        marks = np.left_shift(1, column.astype(kind) + 1) >> 1
        added += marks
        ored |= marks
    return bool((added != ored).any())


def _sorted_repeats(ranks: npt.NDArray[np.integer]) -> bool:
    ordered = np.sort(ranks, axis=1)
    return bool(((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any())


def _lengths(rows: list[Sequence[int]]) -> npt.NDArray[np.integer]:
    """Return the length of every list, as bytes when all are below 256 (twice as fast as int64)."""
    try:
        return np.frombuffer(bytearray(map(len, rows)), dtype=np.uint8)
    except ValueError:
        return np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))


def _bytes_of(rows: list[Sequence[int]], total: int) -> npt.NDArray[np.uint8]:
    """Return every mark of every list, in order, as bytes; ValueError/TypeError if one is not 0..255.

    Two C loops per block of lists: list.extend (which copies a list's or tuple's items at once) into
    one flat list, then bytearray() of that list (a tight loop over a list, with no iterator). About
    8 ns a mark, against 13 for bytearray() over the chained lists and 25 for np.fromiter; blocks keep
    the flat list small.
    """
    out: npt.NDArray[np.uint8] | None = None
    filled = 0
    for start in range(0, len(rows), BLOCK_ROWS):
        flat: list[int] = []
        deque(map(flat.extend, rows[start : start + BLOCK_ROWS]), maxlen=0)
        data = np.frombuffer(bytearray(flat), dtype=np.uint8)
        del flat
        if start == 0 and len(rows) <= BLOCK_ROWS:
            out = data  # one block: its bytes are the result
        else:
            if out is None:
                out = np.empty(total, dtype=np.uint8)
            if filled + len(data) > total:
                raise ValueError("a ranking changed length while it was read")
            out[filled : filled + len(data)] = data
        filled += len(data)
    if out is None or filled != total:
        raise ValueError("a ranking changed length while it was read")
    return out


def _table_of(rankings: Sequence[Sequence[int]], n: int) -> tuple[npt.NDArray[np.integer], bool]:
    """Turn lists of indices of any lengths into one 2-D array, -1 after each list's end.

    Also tell whether the lists held no negative number (then the only -1s are the padding added here).
    The lists are read once, at C speed, and never copied as Python objects.
    """
    rows = rankings if isinstance(rankings, list) else list(rankings)
    if not rows:
        return np.zeros((0, 0), dtype=np.int64), True
    lengths = _lengths(rows)
    total = int(lengths.sum(dtype=np.int64))
    try:
        flat: npt.NDArray[np.integer] = _bytes_of(rows, total)
    except (ValueError, TypeError):
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=total)
    clean = flat.dtype == np.uint8
    if flat.size and (int(flat.min()) < -1 or int(flat.max()) >= n):
        raise ValueError(f"a ranking names a candidate index outside 0..{n - 1} (or -1 for no mark)")
    kind = small_int(n)
    width = int(lengths.max())
    if flat.size == len(rows) * width:
        # Equal lengths: the flat array is the table. Bytes below n < 127 read the same as int8,
        # so the table is a view of the bytes just read, not a copy.
        square = flat.view(np.int8) if clean and kind is np.int8 else flat
        return square.reshape(len(rows), width), clean
    table = np.full((len(rows), width), -1, dtype=kind)
    # Block by block, so that the mask of marked cells stays small.
    offset = 0
    columns = np.arange(width, dtype=lengths.dtype)
    for start in range(0, len(rows), BLOCK_ROWS):
        block = lengths[start : start + BLOCK_ROWS]
        size = int(block.sum(dtype=np.int64))
        table[start : start + BLOCK_ROWS][columns < block[:, None]] = flat[offset : offset + size]
        offset += size
    return table, clean


@dataclass(slots=True)
class Election:
    """Candidates (by name), ranked ballots as cast, seats to fill, withdrawn candidates.

    An election made by `from_rankings` (or read from a large plain BLT file) keeps its ballots in
    `table` and counts them from there; `ballots` is then built from the table the first time it is
    read, and from that moment the list is the ballots (the table is dropped, so changes to the list
    count).
    """

    candidates: list[str]
    ballots: list[RankedBallot]
    seats: int = 1
    withdrawn: frozenset[int] = field(default_factory=frozenset)
    title: str = ""
    table: BallotTable | None = None

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        rankings: npt.ArrayLike | Sequence[Sequence[int]],
        counts: Sequence[int] | npt.ArrayLike | None = None,
        seats: int = 1,
        withdrawn: Iterable[int] = (),
        title: str = "",
    ) -> Election:
        """Build an election from rankings of candidate indices, without one object per ballot.

        `rankings` is a 2-D integer array (ballots x ranks, -1 after each ranking's end) or a sequence
        of lists of indices, most preferred first, of any lengths; `counts` (default all 1) gives how
        many ballots each ranking stands for.
        """
        n = len(candidates)
        if isinstance(rankings, np.ndarray):
            table = BallotTable.build(rankings, counts, n)
        else:
            array, clean = _table_of(rankings, n)  # type: ignore[arg-type]
            # Without negative input the only -1s are the padding added at the ends: no need to check.
            table = BallotTable._pack(array, counts, n, check_padding=not clean, in_range=True)
        return cls.from_table(candidates, table, seats, frozenset(withdrawn), title)

    @classmethod
    def from_table(
        cls,
        candidates: Sequence[str],
        table: BallotTable,
        seats: int = 1,
        withdrawn: frozenset[int] = frozenset(),
        title: str = "",
    ) -> Election:
        """Build an election whose ballots are `table`."""
        election = cls(list(candidates), [], seats, withdrawn, title, table)
        del election.ballots  # built from the table only if someone reads it (see __getattr__)
        return election

    @property
    def total_ballots(self) -> int:
        if self.fast_table() is not None:
            return int(self.table.counts.sum())  # type: ignore[union-attr]
        return sum(b.count for b in self.ballots)

    def fast_table(self) -> BallotTable | None:
        """Return the table that holds every ballot, if the ballot objects were never built."""
        try:
            object.__getattribute__(self, "ballots")
        except AttributeError:
            return self.table
        return None

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> list[RankedBallot]:
            # Only reached for an unset slot, i.e. `ballots` of an election made from a table.
            if name != "ballots" or self.table is None:
                raise AttributeError(name)
            ballots = self.table.ballots()
            self.ballots = ballots
            self.table = None
            return ballots


@dataclass(frozen=True, slots=True)
class ScoreBallot:
    """One cardinal ballot: a score per candidate (None = left blank), or `count` identical ones."""

    scores: tuple[int | None, ...]
    count: int = 1


@dataclass(slots=True)
class ScoreElection:
    """Candidates and cardinal ballots with the scale they were cast on (approval is 0..1)."""

    candidates: list[str]
    ballots: list[ScoreBallot]
    min_score: int = 0
    max_score: int = 1
    seats: int = 1
    title: str = ""


def ranked(candidates: Sequence[str], rankings: Iterable[Sequence[str]]) -> Election:
    """Build an election from rankings written as candidate names, most preferred first.

    A convenience for tests and callers holding names: each ranking lists names, one per rank; a name
    of the form "A=B" puts A and B at equal rank.
    """
    index = {name: i for i, name in enumerate(candidates)}
    ballots = [
        RankedBallot(tuple(tuple(index[n] for n in mark.split("=")) for mark in ranking))
        for ranking in rankings
    ]
    return Election(list(candidates), ballots)
