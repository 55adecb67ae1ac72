"""The array code behind large counts reads ballots exactly as plain Python would.

Merging by radix sort, repeat detection, block-by-block work on large tables, counts stored as a view,
and the bulk BLT reader's head and pieces are each checked against a direct Python reference.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting import model, profile
from civic.voting.counting.borda import count_borda
from civic.voting.counting.condorcet import count_schulze
from civic.voting.counting.formats import blt
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.irv import count_irv
from civic.voting.counting.model import BallotTable, Election, RankedBallot, has_repeats
from civic.voting.counting.profile import strict_table, weak_levels
from civic.voting.counting.rules import Rules
from civic.voting.counting.stv import count_stv


def objects_of(n: int, rows: list[list[int]], counts: list[int] | None = None) -> Election:
    counts = counts or [1] * len(rows)
    ballots = [RankedBallot(tuple((c,) for c in row), k) for row, k in zip(rows, counts, strict=True)]
    return Election([f"C{i}" for i in range(n)], ballots)


def padded(rows: list[list[int]], width: int) -> list[tuple[int, ...]]:
    return [tuple(row + [-1] * (width - len(row))) for row in rows]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 7).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.permutations(range(n)).flatmap(lambda p: st.integers(0, n).map(lambda k: list(p[:k]))),
                min_size=1,
                max_size=40,
            ),
        )
    )
)
def test_merged_rankings_are_the_distinct_ones_in_lexicographic_order(
    case: tuple[int, list[list[int]]],
) -> None:
    n, rows = case
    table = strict_table(Election.from_rankings([f"C{i}" for i in range(n)], rows), Rules())
    width = table.table.shape[1]
    expected = sorted(Counter(padded(rows, width)).items())
    # -1 sorts before every candidate, so a ranking comes before its extensions.
    assert [tuple(row) for row in table.table.tolist()] == [row for row, _ in expected]
    assert table.counts.tolist() == [k for _, k in expected]
    assert table.summary.distinct == len(expected)


def test_rankings_of_many_candidates_merge_with_wide_sort_keys() -> None:
    # 40,000 candidates: a candidate index no longer fits a 16-bit sort key.
    n = 40_000
    rows = [[39_999, 5], [5, 39_999], [39_999, 5], [7], [5, 39_999, 12], [7]]
    table = strict_table(Election.from_rankings([f"C{i}" for i in range(n)], rows), Rules())
    assert table.table.tolist() == [
        [5, 39_999, -1, -1],
        [5, 39_999, 12, -1],
        [7, -1, -1, -1],
        [39_999, 5, -1, -1],
    ]
    assert table.counts.tolist() == [1, 1, 2, 2]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 80).flatmap(
        lambda top: st.lists(st.lists(st.integers(0, top), min_size=1, max_size=8), min_size=1, max_size=12)
    )
)
def test_has_repeats_agrees_with_sets(rows: list[list[int]]) -> None:
    width = max(len(row) for row in rows)
    array = np.array(padded(rows, width), dtype=np.int64)
    assert has_repeats(array) == any(len(set(row)) < len(row) for row in rows)


def test_has_repeats_sees_a_repeated_high_candidate_whose_bits_would_overflow() -> None:
    # Five times candidate 62: the sum of the bits, 5 * 2**62, wraps around 64 bits to 2**62.
    assert has_repeats(np.array([[62, 62, 62, 62, 62]]))
    assert not has_repeats(np.array([[62, 61, 60, 0, 1]]))


def test_counts_of_one_are_a_read_only_view_that_reads_as_ones() -> None:
    table = Election.from_rankings(["A", "B"], [[0], [1, 0], [1]]).table
    assert table is not None
    assert table.counts.tolist() == [1, 1, 1]
    assert table.counts.dtype == np.int64
    with pytest.raises(ValueError):
        table.counts[0] = 2


def test_tuples_read_as_lists() -> None:
    rows = [[2, 0, 1], [1], [0, 2], [1]]
    from_tuples = Election.from_rankings(["C0", "C1", "C2"], [tuple(row) for row in rows])
    assert count_irv(from_tuples).to_dict() == count_irv(objects_of(3, rows)).to_dict()


def test_rankings_longer_than_255_marks_of_candidates_past_255() -> None:
    n = 300
    rng = np.random.default_rng(1)
    rows = [rng.permutation(n).tolist() for _ in range(5)] + [[299, 0], [256]]
    fast = Election.from_rankings([f"C{i}" for i in range(n)], rows)
    assert count_irv(fast).to_dict() == count_irv(objects_of(n, rows)).to_dict()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.permutations(range(n)).flatmap(lambda p: st.integers(0, n).map(lambda k: list(p[:k]))),
                min_size=1,
                max_size=30,
            ),
        )
    )
)
def test_work_in_blocks_of_rows_gives_what_one_block_gives(case: tuple[int, list[list[int]]]) -> None:
    n, rows = case
    names = [f"C{i}" for i in range(n)]
    whole = Election.from_rankings(names, rows, seats=2)
    expected = [count_irv(whole).to_dict(), count_stv(whole).to_dict(), count_schulze(whole).to_dict()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model, "BLOCK_ROWS", 3)
        patch.setattr(profile, "BLOCK_ROWS", 3)
        blocks = Election.from_rankings(names, rows, seats=2)
        assert blocks.table is not None and whole.table is not None
        assert blocks.table.ranks.tolist() == whole.table.ranks.tolist()
        assert weak_levels(blocks, Rules()).levels.tolist() == weak_levels(whole, Rules()).levels.tolist()
        got = [count_irv(blocks).to_dict(), count_stv(blocks).to_dict(), count_schulze(blocks).to_dict()]
    assert got == expected


def test_a_mark_after_padding_is_found_in_a_later_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "BLOCK_ROWS", 2)
    with pytest.raises(ValueError, match="mark after -1"):
        BallotTable.build(np.array([[0, 1], [1, -1], [0, -1], [1, 0], [-1, 1]]), None, 2)


def test_borda_in_small_blocks_matches_objects() -> None:
    rng = np.random.default_rng(3)
    rows = [rng.permutation(5)[: rng.integers(0, 6)].tolist() for _ in range(40_000)]
    fast = Election.from_rankings([f"C{i}" for i in range(5)], rows)
    assert count_borda(fast).to_dict() == count_borda(objects_of(5, rows)).to_dict()


def big_blt(head: str, lines: int) -> str:
    rng = np.random.default_rng(7)
    ballots = [
        " ".join(["1", *(str(c + 1) for c in rng.permutation(4)[: rng.integers(1, 5)]), "0"])
        for _ in range(lines)
    ]
    return head + "\n".join(ballots) + '\n0\n"A"\n"B"\n"C"\n"D"\n"title"\n'


def test_a_bulk_file_whose_header_follows_many_comments_is_still_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 10)
    comments = "".join(f"# comment {i}\n" for i in range(100))
    text = big_blt(comments + "4 1\n", 50)
    plain = big_blt("4 1\n", 50)
    assert blt.read_blt(plain).fast_table() is not None
    read, expected = blt.read_blt(text), blt.read_blt(plain)
    assert (read.candidates, read.title, read.total_ballots) == (expected.candidates, expected.title, 50)
    assert count_irv(read).to_dict() == count_irv(expected).to_dict()


def test_a_bulk_file_reports_a_bad_header_like_the_line_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 10)
    with pytest.raises(FormatError, match="candidates seats"):
        blt.read_blt(big_blt("4 1 7\n", 50))
    with pytest.raises(FormatError, match="only"):
        blt.read_blt(big_blt("900 1\n", 50))


def test_bulk_weights_other_than_one_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 1)
    election = blt.read_blt("3 1\n2 1 2 0\n1 3 0\n5 2 0\n0\nA\nB\nC\n")
    assert election.table is not None
    assert election.table.counts.tolist() == [2, 1, 5]
    assert election.ballots[2] == RankedBallot(((1,),), 5)


@pytest.mark.parametrize("kind", [np.int8, np.int16, np.int32, np.int64])
def test_padded_puts_the_pad_in_place_of_minus_one_only(kind: type[np.signedinteger]) -> None:
    table = np.array([[3, 0, -1], [-1, -1, -1], [2, 1, 0]], dtype=kind)
    out = profile.padded(table, 4)
    assert out.dtype == kind
    assert out.tolist() == [[3, 0, 4], [4, 4, 4], [2, 1, 0]]
    assert table.tolist() == [[3, 0, -1], [-1, -1, -1], [2, 1, 0]]  # a copy: the table is unchanged


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[0, 1], [256]], "outside 0..2"),
        ([[0], [1, -2]], "outside 0..2"),
        ([[0, 1, 2], [2, 9, 1]], "outside"),
    ],
)
def test_marks_outside_the_candidates_are_refused(rows: list[list[int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Election.from_rankings(["A", "B", "C"], rows)


def test_a_bulk_file_keeps_its_withdrawn_candidates_seats_and_title(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blt, "BULK_LINES", 10)
    text = big_blt("4 2\n-2\n", 60)
    bulk = blt.read_blt(text)
    monkeypatch.setattr(blt, "BULK_LINES", 10**9)
    by_line = blt.read_blt(text)
    assert bulk.fast_table() is not None and by_line.fast_table() is None
    assert (
        (bulk.withdrawn, bulk.seats, bulk.title)
        == (frozenset({1}), 2, "title")
        == (
            by_line.withdrawn,
            by_line.seats,
            by_line.title,
        )
    )
    assert count_stv(bulk).to_dict() == count_stv(by_line).to_dict()
