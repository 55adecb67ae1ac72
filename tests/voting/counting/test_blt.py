"""The BLT reader and writer: tolerant reading, clear errors with line numbers, round trips."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from civic.voting.counting.formats import FormatError, read_blt, write_blt
from civic.voting.counting.formats.blt import blt_text
from civic.voting.counting.model import OVERVOTE, WRITE_IN, Election, RankedBallot

DATA = Path(__file__).resolve().parents[2] / "data"
QUIRKS = DATA / "blt-quirks"

SIMPLE = """3 2
4 1 2 3 0
2 2 0
1 3 1 0
0
"Alice"
"Bob"
"Carol"
"Test election"
"""


def tally(election: Election) -> Counter[tuple[tuple[int, ...], ...]]:
    counts: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for ballot in election.ballots:
        counts[ballot.ranks] += ballot.count
    return counts


def test_reads_header_ballots_names_and_title() -> None:
    election = read_blt(SIMPLE)
    assert election.candidates == ["Alice", "Bob", "Carol"]
    assert election.seats == 2
    assert election.title == "Test election"
    assert tally(election) == {((0,), (1,), (2,)): 4, ((1,),): 2, ((2,), (0,)): 1}


def test_reads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "e.blt"
    path.write_text(SIMPLE)
    assert read_blt(path) == read_blt(SIMPLE)
    assert read_blt(str(path)) == read_blt(SIMPLE)


def test_reads_bytes_and_open_files() -> None:
    assert read_blt(SIMPLE.encode()) == read_blt(SIMPLE)
    assert read_blt(io.StringIO(SIMPLE)) == read_blt(SIMPLE)
    assert read_blt(io.BytesIO(SIMPLE.encode())) == read_blt(SIMPLE)


def test_missing_file_is_an_os_error_not_a_format_error() -> None:
    with pytest.raises(FileNotFoundError):
        read_blt("no-such-file.blt")


def test_merges_identical_ballot_lines() -> None:
    election = read_blt("2 1\n1 1 2 0\n1 1 2 0\n3 1 2 0\n1 2 0\n0\nA\nB\n")
    assert len(election.ballots) == 2
    assert tally(election) == {((0,), (1,)): 5, ((1,),): 1}


def test_comments_and_blank_lines_are_ignored() -> None:
    text = (
        "# a comment\n3 2   # header\n\n4 1 2 3 0  # four ballots\n# between\n2 2 0\n1 3 1 0\n0 # end\n"
        + ('"Alice"\n# a note\n"Bob"\n"Carol"\n"Test election"\n')
    )
    assert read_blt(text) == read_blt(SIMPLE)


def test_crlf_line_ends() -> None:
    assert read_blt(SIMPLE.replace("\n", "\r\n")) == read_blt(SIMPLE)


def test_utf8_byte_order_mark() -> None:
    assert read_blt(b"\xef\xbb\xbf" + SIMPLE.encode()) == read_blt(SIMPLE)


def test_no_final_newline() -> None:
    assert read_blt(SIMPLE.rstrip("\n")) == read_blt(SIMPLE)


def test_latin1_bytes_fall_back_to_a_single_byte_encoding() -> None:
    election = read_blt('1 1\n1 1 0\n0\n"Se\xe1n"\n'.encode("latin-1"))
    assert election.candidates == ["Seán"]


def test_ballot_ids() -> None:
    election = read_blt("3 1\n(b1) 1 1 2 0\n(b2) 1 1 2 0\n(b 3) 2 3 0\n0\nA\nB\nC\n")
    assert [(b.id, b.ranks, b.count) for b in election.ballots] == [
        ("b1", ((0,), (1,)), 1),
        ("b2", ((0,), (1,)), 1),
        ("b 3", ((2,),), 2),
    ]


def test_equal_ranks() -> None:
    election = read_blt("4 1\n1 1 2=3 4 0\n0\nA\nB\nC\nD\n")
    assert election.ballots[0].ranks == ((0,), (1, 2), (3,))


def test_skipped_ranks() -> None:
    election = read_blt("3 1\n1 1 - 3 0\n0\nA\nB\nC\n")
    assert election.ballots[0].ranks == ((0,), (), (2,))


def test_withdrawn_candidates_on_the_second_line() -> None:
    election = read_blt("4 1\n-2 -4\n1 1 2 0\n0\nA\nB\nC\nD\n")
    assert election.withdrawn == frozenset({1, 3})
    assert tally(election) == {((0,), (1,)): 1}


def test_empty_ballot() -> None:
    assert read_blt("2 1\n3 0\n0\nA\nB\n").ballots == [RankedBallot((), 3)]


def test_repeated_candidate_is_kept_as_cast() -> None:
    assert read_blt("2 1\n1 1 2 1 0\n0\nA\nB\n").ballots[0].ranks == ((0,), (1,), (0,))


def test_ballot_weights_multiply_with_repeated_lines() -> None:
    election = read_blt("2 1\n7 1 0\n7 1 0\n0\nA\nB\n")
    assert election.total_ballots == 14


def test_doubled_quotes_inside_a_name() -> None:
    election = read_blt('1 1\n1 1 0\n0\n"O""Brien"\n"T"\n')
    assert election.candidates == ['O"Brien']


def test_unquoted_names_and_title() -> None:
    election = read_blt("2 1\n1 1 0\n0\nJon FINDLAY  (Lab)\nMary Smith\nWard 14 Drumchapel\n")
    assert election.candidates == ["Jon FINDLAY (Lab)", "Mary Smith"]
    assert election.title == "Ward 14 Drumchapel"


def test_names_only_in_comments() -> None:
    text = "2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: Ann Lee (SNP)\n# ALTERNATIVE NAME 2: Bo Ray\nthe ward\n"
    election = read_blt(text)
    assert election.candidates == ["Ann Lee (SNP)", "Bo Ray"]
    assert election.title == "the ward"


def test_name_followed_by_a_quoted_party() -> None:
    election = read_blt('1 1\n1 1 0\n0\n"Chic BRODIE" "Independent"\n"Ward 4"\n')
    assert election.candidates == ["Chic BRODIE (Independent)"]


def test_stray_commas_are_separators() -> None:
    election = read_blt("2 1,\n5 1 2 0,\n0,\nA,\nB,\nWard,\n")
    assert election.candidates == ["A", "B"]
    assert election.title == "Ward"
    assert tally(election) == {((0,), (1,)): 5}


def test_missing_title_is_empty() -> None:
    assert read_blt("1 1\n1 1 0\n0\nA\n").title == ""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty file"),
        ("x y\n", 1, "candidates seats"),
        ("3\n0\nA\nB\nC\n", 1, "candidates seats"),
        ("0 1\n0\n", 1, "at least one candidate"),
        ("2 1\n1 1 2\n0\nA\nB\n", 2, "end with 0"),
        ("2 1\n1 1 3 0\n0\nA\nB\n", 2, "out of range"),
        ("2 1\n1 1 x 0\n0\nA\nB\n", 2, "'x'"),
        ("2 1\n1 1 0 2 0\n0\nA\nB\n", 2, "0 before the end"),
        ("2 1\n1.5 1 0\n0\nA\nB\n", 2, "whole-number ballot weight"),
        ("2 1\n1 1 0\n-1 1 0\n0\nA\nB\n", 3, "ballot weight"),
        ("2 1\n1 1 0\n1 2 0\n", 4, "no end-of-ballots"),
        ("2 1\n1 1 0\n0\nA\n", 4, "expected 2 candidate names"),
        ("2 1\n1 1 0\n0\nA\nB\ntitle\nextra\n", 7, "after the title"),
        ('2 1\n1 1 0\n0\n"A\n"B"\n', 4, "quote"),
        ("2 1\n-3\n1 1 0\n0\nA\nB\n", 2, "withdrawn candidate 3"),
        ("2 1\n(id 1 1 0\n0\nA\nB\n", 2, "without ')'"),
        ("2 1\n1 1 0\n1 1 0\n\n(b9) 1 7 0\n0\nA\nB\n", 5, "out of range"),
    ],
)
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FormatError) as raised:
        read_blt(text + "\n" if "\n" not in text else text)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"line {line}: ")
    assert words in str(raised.value)


def test_format_error_is_a_value_error() -> None:
    assert issubclass(FormatError, ValueError)


def test_glasgow_govan_names_in_comments_and_bare_title() -> None:
    election = read_blt(DATA / "glasgow_2007_govan.blt")
    assert election.seats == 4
    assert len(election.candidates) == 11
    assert election.candidates[0] == "Shaukat Butt (Lab)"
    assert election.candidates[5] == "Allison Hunter (SNP)"
    assert election.title == "govan"
    assert tally(election)[((5,),)] == 982


def test_aberdeen_doubled_quotes_in_real_file() -> None:
    election = read_blt(QUIRKS / "aberdeen_2012_ward8.blt")
    assert election.candidates[0] == 'Grn "Richie BRIAN"'
    assert election.candidates[2] == 'Con "Brian George DAVIDSON"'
    assert election.title == "Ward 8 - George Street - Harbour"
    assert election.seats == 3


def test_south_ayrshire_name_and_party_in_real_file() -> None:
    election = read_blt(QUIRKS / "south_ayrshire_2022_ward4.blt")
    assert election.candidates[0] == "Chic BRODIE (Independent)"
    assert election.title == "Ward 4 - Ayr East"


def test_perth_trailing_commas_in_real_file() -> None:
    election = read_blt(QUIRKS / "perth_kinross_2016_by_election_ward9.blt")
    assert election.seats == 1
    assert election.candidates == [
        "Kathleen BAIRD",
        "Denise BAYKAL",
        "George HAYTON",
        "Wilma,LUMSDEN",
        "Dave MACKENZIE",
    ]
    assert election.title == "Ward 9 - Almond and Earn"
    assert tally(election)[((0,),)] == 786


def test_canal_names_in_comments_collapse_spaces() -> None:
    election = read_blt(QUIRKS / "glasgow_2007_canal.blt")
    assert election.candidates[3] == "Ellen Hurcombe (Lab)"
    assert election.title == "Canal ward"


def test_writer_round_trips_a_simple_file() -> None:
    election = read_blt(SIMPLE)
    assert read_blt(blt_text(election)) == election


def test_writer_round_trips_ids_equal_skipped_and_withdrawn() -> None:
    election = Election(
        ["A", 'B "the bee"', "C"],
        [RankedBallot(((0,), (1, 2)), 2, "x1"), RankedBallot(((2,), (), (0,)), 1), RankedBallot((), 4)],
        seats=2,
        withdrawn=frozenset({1}),
        title="A # title",
    )
    assert read_blt(blt_text(election)) == election


@pytest.mark.parametrize(
    "path", sorted((DATA / "scot").glob("*.blt")) + sorted(QUIRKS.glob("*.blt")), ids=str
)
def test_writer_round_trips_real_files(path: Path, tmp_path: Path) -> None:
    election = read_blt(path)
    out = tmp_path / "out.blt"
    write_blt(election, out)
    assert read_blt(out) == election


def test_writer_writes_to_an_open_file() -> None:
    buffer = io.StringIO()
    write_blt(read_blt(SIMPLE), buffer)
    assert read_blt(buffer.getvalue()) == read_blt(SIMPLE)


@pytest.mark.parametrize("marker", [OVERVOTE, WRITE_IN])
def test_writer_refuses_cast_vote_record_markers(marker: int) -> None:
    election = Election(["A"], [RankedBallot(((0,), (marker,)))])
    with pytest.raises(FormatError, match="overvote or write-in"):
        blt_text(election)


def test_writer_refuses_a_line_break_in_a_name() -> None:
    with pytest.raises(FormatError, match="line break"):
        blt_text(Election(["A\nB"], []))
