"""The CSV score-sheet reader and writer (ballots for cardinal methods)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from civic.voting.counting.formats import FormatError, read_scores_csv, write_scores_csv
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import ScoreBallot, ScoreElection


def test_reads_names_scores_and_blanks() -> None:
    election = read_scores_csv("Ann,Bob,Cy\n5,,0\n3,4,1\n")
    assert election.candidates == ["Ann", "Bob", "Cy"]
    assert election.ballots == [ScoreBallot((5, None, 0)), ScoreBallot((3, 4, 1))]


def test_scale_is_inferred_from_zero_to_the_highest_score() -> None:
    election = read_scores_csv("Ann,Bob\n5,2\n3,4\n")
    assert (election.min_score, election.max_score) == (0, 5)


def test_zero_one_sheet_reads_as_approval() -> None:
    election = read_scores_csv("Ann,Bob\n1,0\n0,0\n")
    assert (election.min_score, election.max_score) == (0, 1)


def test_negative_scores_extend_the_inferred_scale() -> None:
    assert read_scores_csv("Ann,Bob\n-2,1\n").min_score == -2


def test_scale_given_by_the_caller() -> None:
    election = read_scores_csv("Ann,Bob\n1,2\n", min_score=0, max_score=9)
    assert (election.min_score, election.max_score) == (0, 9)


def test_score_outside_the_given_scale_names_the_line() -> None:
    with pytest.raises(FormatError) as raised:
        read_scores_csv("Ann,Bob\n1,2\n1,7\n", max_score=5)
    assert raised.value.line == 3


def test_count_column_and_merging() -> None:
    election = read_scores_csv("Ann,Bob,Count\n1,0,3\n1,0,2\n")
    assert election.ballots == [ScoreBallot((1, 0), 5)]


def test_id_and_timestamp_columns_are_ignored() -> None:
    election = read_scores_csv("Voter,Timestamp,Ann,Bob\nv1,2024-01-01,1,0\n")
    assert election.candidates == ["Ann", "Bob"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Ann,Bob\n1,x\n", 2, "whole-number score"),
        ("Ann,Bob\n1,2.5\n", 2, "whole-number score"),
        ("Ann,Bob,Count\n1,0,-1\n", 2, "at least 1"),
        ("Ann,Bob\n1\n", 2, "expected 2 columns"),
        ("Ann,Ann\n1,1\n", 1, "same candidate"),
        ("Count\n1\n", 1, "no candidate"),
    ],
)
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FormatError) as raised:
        read_scores_csv(io.StringIO(text))
    assert raised.value.line == line
    assert words in str(raised.value)


def test_round_trip(tmp_path: Path) -> None:
    election = ScoreElection(
        ["Ann", "Bob, Jr", "Cy"],
        [ScoreBallot((5, None, 0), 2), ScoreBallot((None, None, None)), ScoreBallot((1, 2, 3))],
        min_score=0,
        max_score=5,
    )
    out = tmp_path / "scores.csv"
    write_scores_csv(election, out)
    assert read_scores_csv(out) == election


def test_writer_omits_the_count_column_for_single_ballots() -> None:
    text = scores_csv_text(ScoreElection(["Ann"], [ScoreBallot((1,))]))
    assert text == "Ann\n1\n"


def test_writer_refuses_a_candidate_named_like_a_count_column() -> None:
    with pytest.raises(FormatError, match="cannot be a score-sheet column"):
        scores_csv_text(ScoreElection(["Count"], []))


def test_read_any_tells_a_score_sheet_from_a_cast_vote_record(tmp_path: Path) -> None:
    from civic.voting.counting.formats import read_any
    from civic.voting.counting.model import Election

    scores = tmp_path / "scores.csv"
    scores.write_text("Ann,Bob\n1,0\n")
    cvr = tmp_path / "cvr.csv"
    cvr.write_text("Rank 1,Rank 2\nAnn,Bob\n")
    assert isinstance(read_any(scores), ScoreElection)
    assert isinstance(read_any(cvr), Election)


def test_read_any_refuses_an_unknown_extension(tmp_path: Path) -> None:
    from civic.voting.counting.formats import read_any

    with pytest.raises(FormatError, match="unknown file type"):
        read_any(tmp_path / "ballots.txt")
