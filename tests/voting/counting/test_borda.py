"""Borda count: points, the three truncation rules, equal ranks, ties."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from civic.voting.counting.borda import count_borda
from civic.voting.counting.model import ranked
from civic.voting.counting.rules import BordaTruncation, Rules
from tests.voting.counting.test_plurality import tennessee


def test_tennessee_capital_goes_to_nashville() -> None:
    result = count_borda(tennessee())
    assert result.winners == ["Nashville"]
    assert result.detail["scores"] == {"Memphis": 126, "Nashville": 194, "Chattanooga": 173, "Knoxville": 107}
    assert result.detail["ranking"] == [["Nashville"], ["Chattanooga"], ["Memphis"], ["Knoxville"]]


@pytest.mark.parametrize(
    ("rule", "scores"),
    [
        ("zero-below", {"A": 4, "B": 3, "C": 0, "D": 0, "E": 0}),
        ("average-below", {"A": 4, "B": 3, "C": 1, "D": 1, "E": 1}),
        ("pessimistic", {"A": 2, "B": 1, "C": 0, "D": 0, "E": 0}),
    ],
)
def test_truncated_ballot_scores_follow_the_rule(rule: BordaTruncation, scores: dict[str, int]) -> None:
    result = count_borda(ranked("ABCDE", [["A", "B"]]), Rules(borda=rule))
    assert result.rounds[0].tallies == scores


def test_average_below_gives_halves_when_the_remainder_is_odd() -> None:
    result = count_borda(ranked("ABCD", [["A"]]), Rules(borda="average-below"))
    assert result.rounds[0].tallies == {"A": 3, "B": 1, "C": 1, "D": 1}
    result = count_borda(ranked("ABCD", [["A", "B"]]), Rules(borda="average-below"))
    assert result.rounds[0].tallies == {"A": 3, "B": 2, "C": Fraction(1, 2), "D": Fraction(1, 2)}
    assert result.detail["scores"]["C"] == "1/2"


@pytest.mark.parametrize(
    ("rule", "scores"),
    [
        ("zero-below", {"A": 3, "B": Fraction(3, 2), "C": Fraction(3, 2), "D": 0}),
        ("average-below", {"A": 3, "B": Fraction(3, 2), "C": Fraction(3, 2), "D": 0}),
        ("pessimistic", {"A": 4, "B": Fraction(5, 2), "C": Fraction(5, 2), "D": 1}),
    ],
)
def test_equal_ranks_share_the_average_of_their_positions(
    rule: BordaTruncation, scores: dict[str, object]
) -> None:
    # B and C share second and third place: (2 + 1) / 2 each, or (3 + 2) / 2 counting from k = 4.
    result = count_borda(ranked("ABCD", [["A", "B=C", "D"]]), Rules(borda=rule))
    assert result.rounds[0].tallies == scores


def test_complete_ballots_elect_the_same_candidate_under_every_rule() -> None:
    election = tennessee()
    assert {
        count_borda(election, Rules(borda=r)).winners[0]
        for r in ("zero-below", "average-below", "pessimistic")
    } == {"Nashville"}


def test_truncation_rule_can_change_the_winner() -> None:
    # Bullet votes for B help B under zero-below, but count for little under the modified count.
    election = ranked("ABC", [["A", "B", "C"]] * 3 + [["B"]] * 2)
    assert count_borda(election, Rules(borda="zero-below")).detail["scores"] == {"A": 6, "B": 7, "C": 0}
    assert count_borda(election, Rules(borda="pessimistic")).detail["scores"] == {"A": 9, "B": 8, "C": 3}
    assert count_borda(election, Rules(borda="zero-below")).winners == ["B"]
    assert count_borda(election, Rules(borda="pessimistic")).winners == ["A"]


def test_withdrawn_candidates_take_no_points_and_shrink_the_scale() -> None:
    election = ranked("ABC", [["A", "B", "C"], ["C", "A", "B"]])
    election.withdrawn = frozenset({1})
    assert count_borda(election).rounds[0].tallies == {"A": 1, "C": 1}


def test_tie_is_decided_by_lot_and_logged() -> None:
    result = count_borda(ranked("AB", [["A", "B"], ["B", "A"]]), Rules(seed=11))
    assert result.ties[0].tied == ["A", "B"]
    assert result.ties[0].chosen == result.winners[0]


def test_result_is_json_ready() -> None:
    data = count_borda(ranked("ABCD", [["A", "B"]]), Rules(borda="average-below")).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["detail"]["truncation"] == "average-below"
