"""The PrefLib reader and writer (.soc, .soi, .toc, .toi)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from civic.voting.counting.formats import FormatError, read_blt, read_preflib, write_preflib
from civic.voting.counting.formats.preflib import data_type, preflib_text
from civic.voting.counting.model import OVERVOTE, Election, RankedBallot

DATA = Path(__file__).resolve().parents[2] / "data"

TOC = """# FILE NAME: 00001-00000001.toc
# TITLE: A small example
# DESCRIPTION:
# DATA TYPE: toc
# MODIFICATION TYPE: original
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: 6
# NUMBER UNIQUE ORDERS: 2
# ALTERNATIVE NAME 1: Alpha
# ALTERNATIVE NAME 2: Beta: the second
# ALTERNATIVE NAME 3: Gamma
4: 1,{2,3}
2: 3,2,1
"""


def test_reads_metadata_counts_and_ties() -> None:
    election = read_preflib(TOC)
    assert election.candidates == ["Alpha", "Beta: the second", "Gamma"]
    assert election.title == "A small example"
    assert election.ballots == [RankedBallot(((0,), (1, 2)), 4), RankedBallot(((2,), (1,), (0,)), 2)]


def test_reads_incomplete_orders() -> None:
    election = read_preflib("# NUMBER ALTERNATIVES: 4\n3: 2\n1: 4, 1\n")
    assert [b.ranks for b in election.ballots] == [((1,),), ((3,), (0,))]


def test_missing_names_become_numbered_alternatives() -> None:
    assert read_preflib("# NUMBER ALTERNATIVES: 2\n1: 1,2\n").candidates == ["Alternative 1", "Alternative 2"]


def test_number_of_alternatives_inferred_without_the_header() -> None:
    assert len(read_preflib("1: 1,3\n2: 2\n").candidates) == 3


def test_identical_orders_are_merged() -> None:
    assert read_preflib("# NUMBER ALTERNATIVES: 2\n1: 1,2\n2: 1,2\n").ballots == [
        RankedBallot(((0,), (1,)), 3)
    ]


def test_reads_the_old_preflib_layout() -> None:
    old = "3\n1,Alpha\n2,Beta\n3,Gamma\n6,6,2\n4,1,{2,3}\n2,3,2,1\n"
    election = read_preflib(old)
    assert election.candidates == ["Alpha", "Beta", "Gamma"]
    assert election.ballots == [RankedBallot(((0,), (1, 2)), 4), RankedBallot(((2,), (1,), (0,)), 2)]


def test_crlf_and_byte_order_mark() -> None:
    assert read_preflib(b"\xef\xbb\xbf" + TOC.replace("\n", "\r\n").encode()) == read_preflib(TOC)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# NUMBER ALTERNATIVES: 2\n1 1,2\n", 2, "count: ranking"),
        ("# NUMBER ALTERNATIVES: 2\nx: 1,2\n", 2, "whole-number count"),
        ("# NUMBER ALTERNATIVES: 2\n0: 1,2\n", 2, "at least 1"),
        ("# NUMBER ALTERNATIVES: 2\n1: 1,3\n", 2, "out of range"),
        ("# NUMBER ALTERNATIVES: 2\n1: 1,{2\n", 2, "without '}'"),
        ("# NUMBER ALTERNATIVES: 2\n1: 1,\n", 2, "end with ','"),
        ("# NUMBER ALTERNATIVES: 2\n1: 1,a\n", 2, "'a'"),
        ("# NUMBER ALTERNATIVES: 2\n1: {1,2}2\n", 2, "expected ','"),
        ("# NUMBER ALTERNATIVES: 2\n1: 0\n", 2, "start at 1"),
        ("# NUMBER ALTERNATIVES: x\n", 1, "whole-number count"),
    ],
)
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FormatError) as raised:
        read_preflib(text)
    assert raised.value.line == line
    assert words in str(raised.value)


def test_no_alternatives_is_an_error() -> None:
    with pytest.raises(FormatError, match="no alternatives"):
        read_preflib("# TITLE: nothing\n")


@pytest.mark.parametrize(
    ("ranks", "kind"),
    [
        ([((0,), (1,))], "soc"),
        ([((0,),)], "soi"),
        ([((0, 1),)], "toc"),
        ([((0, 1),), ((1,),)], "toi"),
    ],
)
def test_data_type_is_the_narrowest_that_fits(ranks: list[tuple[tuple[int, ...], ...]], kind: str) -> None:
    assert data_type(Election(["A", "B"], [RankedBallot(r) for r in ranks])) == kind


def test_round_trip_keeps_ties_title_seats_and_withdrawn() -> None:
    election = Election(
        ["A", "B", "C"],
        [RankedBallot(((0,), (1, 2)), 3), RankedBallot(((2,),), 1)],
        seats=2,
        withdrawn=frozenset({2}),
        title="Round trip",
    )
    assert read_preflib(preflib_text(election)) == election


def test_round_trip_of_a_real_election(tmp_path: Path) -> None:
    election = read_blt(DATA / "glasgow_2007_govan.blt")
    out = tmp_path / "govan.soi"
    write_preflib(election, out)
    again = read_preflib(out)
    assert again.candidates == election.candidates
    assert sorted((b.ranks, b.count) for b in again.ballots) == sorted(
        (b.ranks, b.count) for b in election.ballots
    )
    assert "# DATA TYPE: soi" in out.read_text()
    assert "# FILE NAME: govan.soi" in out.read_text()


def test_writer_writes_to_an_open_file() -> None:
    buffer = io.StringIO()
    write_preflib(read_preflib(TOC), buffer)
    assert read_preflib(buffer.getvalue()) == read_preflib(TOC)


def test_writer_refuses_a_type_the_ballots_do_not_fit(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"need a \.toc"):
        write_preflib(read_preflib(TOC), tmp_path / "x.soc")


@pytest.mark.parametrize(
    ("ranks", "words"),
    [
        (((0,), (), (1,)), "skipped rank"),
        (((0,), (0,)), "ranked twice"),
        (((OVERVOTE,),), "overvote"),
    ],
)
def test_writer_refuses_what_preflib_cannot_express(ranks: tuple[tuple[int, ...], ...], words: str) -> None:
    with pytest.raises(FormatError, match=words):
        preflib_text(Election(["A", "B"], [RankedBallot(ranks)]))


def test_writer_drops_trailing_skipped_ranks() -> None:
    election = Election(["A", "B"], [RankedBallot(((0,), ()))])
    assert read_preflib(preflib_text(election)).ballots == [RankedBallot(((0,),))]
