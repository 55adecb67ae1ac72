"""Ballots and elections as the counting library sees them: candidates by index, ranks as tuples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
        cls, array: npt.NDArray[np.integer], counts: npt.ArrayLike | None, n: int, check_padding: bool
    ) -> BallotTable:
        if array.ndim != 2:
            raise ValueError(f"rankings must be a 2-D array (ballots x ranks), not {array.ndim}-D")
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"rankings must hold integer candidate indices, not {array.dtype}")
        if array.size and (int(array.min()) < -1 or int(array.max()) >= n):
            raise ValueError(f"a ranking names a candidate index outside 0..{n - 1} (or -1 for no mark)")
        packed = np.ascontiguousarray(array, dtype=small_int(n))
        signed = np.issubdtype(array.dtype, np.signedinteger)
        if check_padding and signed and bool(((packed[:, :-1] < 0) & (packed[:, 1:] >= 0)).any()):
            raise ValueError("a ranking has a mark after -1: -1 may only pad the end of a ranking")
        if counts is None:
            weights = np.ones(len(packed), dtype=np.int64)
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


def has_repeats(ranks: npt.NDArray[np.integer]) -> bool:
    """Tell whether any row of a (ballots x ranks) index array, -1 padded, names a candidate twice."""
    if ranks.size == 0:
        return False
    top = int(ranks.max())
    if top < 63:
        # A row repeats a candidate iff adding its candidates' bits carries, i.e. differs from or-ing them.
        # The smallest type that holds the sum of a row's bits without overflow.
        bits = int(ranks.shape[1]).bit_length() + top + 1
        kind = np.int16 if bits < 15 else np.int32 if bits < 31 else np.int64
        bit = np.array([0] + [1 << c for c in range(top + 1)], dtype=kind)
        added: npt.NDArray[Any] = np.zeros(len(ranks), dtype=kind)
        ored: npt.NDArray[Any] = np.zeros(len(ranks), dtype=kind)
        for column in np.ascontiguousarray(ranks.T):
            marks = np.take(bit, column.astype(np.intp) + 1)
            added += marks
            ored |= marks
        return bool((added != ored).any())
    ordered = np.sort(ranks, axis=1)
    return bool(((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any())


def _table_of(rankings: Sequence[Sequence[int]], n: int) -> tuple[npt.NDArray[np.integer], bool]:
    """Turn lists of indices of any lengths into one 2-D array, -1 after each list's end.

    Also tell whether the lists held no negative number (then the only -1s are the padding added here).
    """
    rows = rankings if isinstance(rankings, list) else list(rankings)
    if not rows:
        return np.zeros((0, 0), dtype=np.int64), True
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    total = int(lengths.sum())
    try:
        # bytearray() reads small non-negative ints in one C loop: the fastest route from Python lists.
        flat: npt.NDArray[np.integer] = np.frombuffer(bytearray(chain.from_iterable(rows)), dtype=np.uint8)
    except (ValueError, TypeError):
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=total)
    clean = flat.dtype == np.uint8
    width = int(lengths.max())
    if total == len(rows) * width:
        return flat.reshape(len(rows), width), clean
    if flat.size and (int(flat.min()) < -1 or int(flat.max()) >= n):
        raise ValueError(f"a ranking names a candidate index outside 0..{n - 1} (or -1 for no mark)")
    table = np.full((len(rows), width), -1, dtype=small_int(n))
    table[np.arange(width) < lengths[:, None]] = flat
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
            table = BallotTable._pack(array, counts, n, check_padding=not clean)
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
