"""Ballots held as arrays (BallotTable, Election.from_rankings, bulk BLT reading) count as ballot objects do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting.borda import count_borda
from civic.voting.counting.condorcet import count_copeland, count_minimax, count_ranked_pairs, count_schulze
from civic.voting.counting.formats import blt
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.irv import count_irv
from civic.voting.counting.model import BallotTable, Election, RankedBallot
from civic.voting.counting.plurality import count_plurality
from civic.voting.counting.profile import strict_table, weak_levels
from civic.voting.counting.result import Result
from civic.voting.counting.rules import PRESETS, Rules
from civic.voting.counting.stv import count_stv

METHODS: list[Callable[[Election, Rules], Result]] = [
    count_plurality,
    count_irv,
    count_borda,
    count_schulze,
    count_ranked_pairs,
    count_copeland,
    count_minimax,
    lambda e, r: count_stv(e, r, seats=min(2, len(e.candidates))),
]
RULES = [PRESETS["default"], PRESETS["minneapolis"], PRESETS["scotland"], Rules(repeated="exhaust")]


@st.composite
def rankings(draw: st.DrawFn, repeats: bool = True) -> tuple[int, list[list[int]], list[int], frozenset[int]]:
    n = draw(st.integers(1, 6))
    mark = st.integers(0, n - 1)
    ranking = (
        st.lists(mark, max_size=n + 2)
        if repeats
        else st.permutations(range(n)).flatmap(lambda order: st.integers(0, n).map(lambda k: list(order[:k])))
    )
    rows = draw(st.lists(ranking, min_size=1, max_size=25))
    counts = draw(st.lists(st.integers(1, 4), min_size=len(rows), max_size=len(rows)))
    withdrawn = draw(st.frozensets(st.integers(0, n - 1), max_size=max(0, n - 1)))
    return n, rows, counts, withdrawn


def both(
    n: int, rows: list[list[int]], counts: list[int], withdrawn: frozenset[int]
) -> tuple[Election, Election]:
    names = [f"C{i}" for i in range(n)]
    fast = Election.from_rankings(names, rows, counts, withdrawn=withdrawn)
    objects = Election(
        names, [RankedBallot(tuple((c,) for c in r), k) for r, k in zip(rows, counts, strict=True)]
    )
    objects.withdrawn = withdrawn
    return fast, objects


def rows_of(table: np.ndarray, counts: np.ndarray) -> Counter[tuple[int, ...]]:
    return Counter({tuple(row): int(k) for row, k in zip(table.tolist(), counts.tolist(), strict=True)})


@settings(max_examples=150, deadline=None)
@given(rankings(), st.sampled_from(RULES))
def test_profiles_from_rankings_equal_those_from_ballot_objects(
    case: tuple[int, list[list[int]], list[int], frozenset[int]], rules: Rules
) -> None:
    fast, objects = both(*case)
    assert fast.fast_table() is not None and objects.fast_table() is None
    strict_fast, strict_objects = strict_table(fast, rules), strict_table(objects, rules)
    assert rows_of(strict_fast.table, strict_fast.counts) == rows_of(
        strict_objects.table, strict_objects.counts
    )
    assert strict_fast.summary == strict_objects.summary
    weak_fast, weak_objects = weak_levels(fast, rules), weak_levels(objects, rules)
    assert rows_of(weak_fast.levels, weak_fast.counts) == rows_of(weak_objects.levels, weak_objects.counts)
    assert weak_fast.summary == weak_objects.summary


@settings(max_examples=60, deadline=None)
@given(rankings(repeats=False), st.sampled_from(RULES))
def test_every_method_counts_rankings_as_it_counts_ballot_objects(
    case: tuple[int, list[list[int]], list[int], frozenset[int]], rules: Rules
) -> None:
    n, rows, counts, withdrawn = case
    if len(withdrawn) == n:
        return
    fast, objects = both(n, rows, counts, withdrawn)
    for method in METHODS:
        assert method(fast, rules).to_dict() == method(objects, rules).to_dict()


def test_a_padded_array_reads_as_the_lists_it_pads() -> None:
    rows = [[2, 0, 1], [1], [0, 2]]
    array = np.array([[2, 0, 1], [1, -1, -1], [0, 2, -1]])
    from_lists = Election.from_rankings(["A", "B", "C"], rows, [3, 1, 2])
    from_array = Election.from_rankings(["A", "B", "C"], array, [3, 1, 2])
    assert count_irv(from_lists).to_dict() == count_irv(from_array).to_dict()
    assert from_array.ballots == [
        RankedBallot(((2,), (0,), (1,)), 3),
        RankedBallot(((1,),), 1),
        RankedBallot(((0,), (2,)), 2),
    ]


def test_total_ballots_of_a_table_sums_its_counts() -> None:
    assert Election.from_rankings(["A", "B"], [[0], [1, 0]], [4, 5]).total_ballots == 9


def test_reading_ballots_builds_them_once_and_later_changes_count() -> None:
    election = Election.from_rankings(["A", "B"], [[0, 1], [0, 1], [1]])
    assert count_plurality(election).winners == ["A"]
    election.ballots.extend([RankedBallot(((1,),), 2)])
    assert election.fast_table() is None
    assert count_plurality(election).winners == ["B"]


def test_ranks_use_the_smallest_integer_type_and_are_read_only() -> None:
    table = BallotTable.build(np.array([[0, 1], [1, -1]]), None, 2)
    assert table.ranks.dtype == np.int8
    with pytest.raises(ValueError):
        table.ranks[0, 0] = 1


@pytest.mark.parametrize(
    ("rankings", "counts", "message"),
    [
        ([[0, 3]], None, "outside 0..2"),
        (np.array([[0, -1, 1]]), None, "mark after -1"),
        ([[0, -1, 1]], None, "mark after -1"),
        (np.array([[-2, 0]]), None, "outside 0..2"),
        (np.array([0, 1]), None, "2-D"),
        (np.array([[0.5, 1.0]]), None, "integer"),
        ([[0], [1]], [1], "one count per ranking"),
        ([[0], [1]], [1, 0], "at least 1"),
    ],
)
def test_bad_rankings_are_refused_with_the_reason(
    rankings: object, counts: list[int] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Election.from_rankings(["A", "B", "C"], rankings, counts)  # type: ignore[arg-type]


def blt_text(n: int, rows: list[list[int]], counts: list[int]) -> str:
    lines = [
        f"{n} 1",
        *(" ".join(map(str, [k, *(c + 1 for c in r), 0])) for r, k in zip(rows, counts, strict=True)),
    ]
    return "\n".join([*lines, "0", *(f'"C{i}"' for i in range(n)), '"t"']) + "\n"


@settings(max_examples=100, deadline=None)
@given(rankings())
def test_bulk_blt_reading_gives_the_ballots_line_by_line_reading_gives(
    case: tuple[int, list[list[int]], list[int], frozenset[int]],
) -> None:
    n, rows, counts, _ = case
    text = blt_text(n, rows, counts)
    original = blt.BULK_LINES, blt._PIECE
    try:
        blt.BULK_LINES, blt._PIECE = 1, 16  # pieces of a few lines, of different widths
        bulk = blt.read_blt(text)
        blt.BULK_LINES = 10**9
        by_line = blt.read_blt(text)
    finally:
        blt.BULK_LINES, blt._PIECE = original
    assert bulk.fast_table() is not None and by_line.fast_table() is None
    merged: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for ballot in bulk.ballots:
        merged[ballot.ranks] += ballot.count
    assert merged == Counter({b.ranks: b.count for b in by_line.ballots})
    assert (bulk.candidates, bulk.title, bulk.seats) == (by_line.candidates, by_line.title, by_line.seats)


def test_a_large_blt_file_with_one_unusual_line_is_read_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 1)
    election = blt.read_blt("3 1\n2 1 2 0\n1 2=3 0\n1 3 - 1 0\n0\nA\nB\nC\n")
    assert election.fast_table() is None
    assert [b.ranks for b in election.ballots] == [((0,), (1,)), ((1, 2),), ((2,), (), (0,))]


@pytest.mark.parametrize(
    ("ballots", "line"),
    [("1 1 2 0\n1 4 0\n", 3), ("1 1 2 0\n0 1 0\n", 3), ("1 1 2 0\n1 1 2\n1 2 0\n", 3), ("1 1 0 2 0\n", 2)],
)
def test_a_large_blt_file_with_a_bad_line_names_that_line(
    monkeypatch: pytest.MonkeyPatch, ballots: str, line: int
) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 1)
    with pytest.raises(FormatError) as error:
        blt.read_blt(f"3 1\n{ballots}0\nA\nB\nC\n")
    assert error.value.line == line
