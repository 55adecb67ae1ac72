"""The CSV cast-vote-record reader and writer."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from civic.voting.counting.formats import FormatError, read_cvr_csv, write_cvr_csv
from civic.voting.counting.formats.cvr_csv import cvr_csv_text, rank_number
from civic.voting.counting.model import OVERVOTE, WRITE_IN, Election, RankedBallot

DATA = Path(__file__).resolve().parents[2] / "data"
MPLS = DATA / "mpls_2021_ward2_cvr.csv"


def tally(election: Election) -> Counter[tuple[tuple[int, ...], ...]]:
    counts: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for ballot in election.ballots:
        counts[ballot.ranks] += ballot.count
    return counts


@pytest.mark.parametrize(
    ("header", "number"),
    [
        ("1st Choice", 1),
        ("2nd choice", 2),
        ("3rd Choice", 3),
        ("4th Choice", 4),
        ("Rank 1", 1),
        ("rank2", 2),
        ("Choice 2", 2),
        ("Preference 3", 3),
        ("Choice #4", 4),
        ("2", 2),
        ("Precinct", None),
        ("Count", None),
        ("Ballot ID", None),
        ("Choices", None),
    ],
)
def test_rank_columns_are_found_by_header(header: str, number: int | None) -> None:
    assert rank_number(header) == number


def test_reads_names_markers_and_counts() -> None:
    text = "Precinct,1st Choice,2nd Choice,3rd Choice,Count\nP1,Bob,Ann,undervote,2\nP2,overvote,UWI,,1\nP1,Bob,Ann,undervote,3\n"
    election = read_cvr_csv(text)
    assert election.candidates == ["Ann", "Bob"]
    assert tally(election) == {((1,), (0,), ()): 5, ((OVERVOTE,), (WRITE_IN,), ()): 1}


@pytest.mark.parametrize("marker", ["UWI", "writein", "write-in", "Write-In", "write in"])
def test_write_in_markers(marker: str) -> None:
    election = read_cvr_csv(f"Rank 1,Rank 2\nAnn,{marker}\n")
    assert election.ballots[0].ranks == ((0,), (WRITE_IN,))
    assert election.candidates == ["Ann"]


def test_rank_columns_are_ordered_by_number_not_position() -> None:
    election = read_cvr_csv("Choice 2,Choice 1\nAnn,Bob\n")
    assert election.ballots[0].ranks == ((1,), (0,))


def test_extra_columns_are_ignored() -> None:
    election = read_cvr_csv("Precinct,Style,Rank 1,Notes\nW-2,A,Ann,hello\n")
    assert election.candidates == ["Ann"]


def test_weight_column_counts() -> None:
    assert read_cvr_csv("Rank 1,Weight\nAnn,7\n").total_ballots == 7


def test_ballot_id_column_keeps_ids() -> None:
    election = read_cvr_csv("Ballot ID,Rank 1\nb1,Ann\nb2,Ann\n")
    assert [(b.id, b.count) for b in election.ballots] == [("b1", 1), ("b2", 1)]


def test_without_a_count_column_each_row_is_one_ballot() -> None:
    assert read_cvr_csv("Rank 1\nAnn\nAnn\nBob\n").total_ballots == 3


def test_byte_order_mark_and_crlf() -> None:
    text = "Rank 1,Rank 2\r\nAnn,Bob\r\n"
    assert read_cvr_csv(b"\xef\xbb\xbf" + text.encode()) == read_cvr_csv("Rank 1,Rank 2\nAnn,Bob\n")


def test_quoted_names_with_commas() -> None:
    assert read_cvr_csv('Rank 1\n"Smith, Ann"\n').candidates == ["Smith, Ann"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Precinct,Count\nP1,1\n", 1, "no rank columns"),
        ("Rank 1,Choice 1\nA,B\n", 1, "same rank"),
        ("Rank 1,Count\nAnn,x\n", 2, "whole-number count"),
        ("Rank 1,Count\nAnn,1\nBob,0\n", 3, "at least 1"),
        ("Rank 1,Rank 2,Count\nAnn,Bob,1\nAnn\n", 3, "expected 3 columns"),
        ("", 1, "empty file"),
    ],
)
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FormatError) as raised:
        read_cvr_csv(io.StringIO(text))
    assert raised.value.line == line
    assert words in str(raised.value)


def test_minneapolis_2021_ward2() -> None:
    election = read_cvr_csv(MPLS)
    assert election.candidates == [
        "Cam Gordon",
        "Guy T Gaskin",
        "Robin Wonsley Worlobah",
        "Tom Anderson",
        "Yusra Arab",
    ]
    assert election.total_ballots == 9799  # 4,056 + 4,037 + 1,706 in the certified final round
    marks = Counter(c for b in election.ballots for rank in b.ranks for c in rank for _ in range(b.count))
    assert marks[OVERVOTE] == 27
    assert marks[WRITE_IN] == 109
    assert all(len(b.ranks) == 3 for b in election.ballots)


def test_round_trip_of_minneapolis(tmp_path: Path) -> None:
    election = read_cvr_csv(MPLS)
    out = tmp_path / "out.csv"
    write_cvr_csv(election, out)
    assert read_cvr_csv(out) == election


def test_round_trip_with_ids() -> None:
    election = Election(
        ["Ann", "Bob"], [RankedBallot(((0,), (1,)), 1, "b1"), RankedBallot(((1,), ()), 2, "b2")]
    )
    assert read_cvr_csv(cvr_csv_text(election)) == election


def test_writer_pads_short_ballots_with_undervotes() -> None:
    election = Election(["Ann", "Bob"], [RankedBallot(((0,), (1,))), RankedBallot(((1,),))])
    assert tally(read_cvr_csv(cvr_csv_text(election))) == {((0,), (1,)): 1, ((1,), ()): 1}


@pytest.mark.parametrize(
    ("election", "words"),
    [
        (Election(["Ann", "Bob"], [RankedBallot(((0, 1),))]), "equal ranks"),
        (Election(["undervote"], []), "cannot be written"),
        (Election(["Ann", "Ann"], []), "distinct"),
        (Election(["Ann"], [], withdrawn=frozenset({0})), "withdrawn"),
    ],
)
def test_writer_refuses_what_a_cast_vote_record_cannot_express(election: Election, words: str) -> None:
    with pytest.raises(FormatError, match=words):
        cvr_csv_text(election)
