"""Condorcet methods: the pairwise matrix, Schulze, Ranked Pairs, Copeland, Minimax."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from civic.voting.counting.condorcet import (
    condorcet_winner,
    count_copeland,
    count_minimax,
    count_ranked_pairs,
    count_schulze,
)
from civic.voting.counting.model import Election, ranked
from civic.voting.counting.result import Result
from civic.voting.counting.rules import Rules
from tests.voting.counting.test_irv import blocs
from tests.voting.counting.test_plurality import tennessee

METHODS: list[Callable[[Election, Rules | None], Result]] = [
    count_schulze,
    count_ranked_pairs,
    count_copeland,
    count_minimax,
]
DATA = Path(__file__).resolve().parents[2] / "data"


def wikipedia_schulze() -> Election:
    """The 45-voter example of the English Wikipedia article "Schulze method"."""
    groups = [
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]
    return blocs("ABCDE", groups)


def test_wikipedia_schulze_pairwise_matrix() -> None:
    assert count_schulze(wikipedia_schulze()).pairwise == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]


def test_wikipedia_schulze_example_elects_e() -> None:
    result = count_schulze(wikipedia_schulze())
    assert result.winners == ["E"]
    assert result.detail["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert result.ties == []


def test_schulze_strongest_paths_use_margins() -> None:
    paths = count_schulze(wikipedia_schulze()).detail["strongest_paths"]
    assert paths[0][3] == 15  # A beats D directly by 30 - 15
    assert paths[0][4] == 3  # A > D (15), D > C (11), C > E (3)
    assert paths[4][0] == 5  # E > B (9), B > A (5)


@pytest.mark.parametrize("method", METHODS)
def test_tennessee_capital_goes_to_nashville(method: Callable[[Election, Rules | None], Result]) -> None:
    assert method(tennessee(), None).winners == ["Nashville"]


def test_tennessee_has_nashville_as_condorcet_winner() -> None:
    assert condorcet_winner(tennessee()) == "Nashville"


def test_ranked_pairs_locks_in_margin_order_without_drawing_lots() -> None:
    result = count_ranked_pairs(tennessee())
    assert result.detail["locked"] == [
        ["Chattanooga", "Knoxville", 66],
        ["Nashville", "Knoxville", 36],
        ["Nashville", "Chattanooga", 36],
        ["Knoxville", "Memphis", 16],
        ["Chattanooga", "Memphis", 16],
        ["Nashville", "Memphis", 16],
    ]
    assert result.detail["skipped"] == []
    assert result.ties == []
    assert result.detail["ranking"] == [["Nashville"], ["Chattanooga"], ["Knoxville"], ["Memphis"]]


def cycle() -> Election:
    # A > B by 3, B > C by 5, C > A by 1.
    return blocs("ABC", [(4, "ABC"), (3, "BCA"), (2, "CAB")])


def test_ranked_pairs_skips_the_defeat_that_closes_a_cycle() -> None:
    result = count_ranked_pairs(cycle())
    assert result.detail["locked"] == [["B", "C", 5], ["A", "B", 3]]
    assert result.detail["skipped"] == [["C", "A", 1]]
    assert result.winners == ["A"]


def test_schulze_resolves_the_cycle_by_its_weakest_defeat() -> None:
    result = count_schulze(cycle())
    assert result.winners == ["A"]
    assert result.detail["ranking"] == [["A"], ["B"], ["C"]]


def test_minimax_scores_are_the_worst_defeat_margins() -> None:
    result = count_minimax(cycle())
    assert result.detail["scores"] == {"A": 1, "B": 3, "C": 5}
    assert result.winners == ["A"]


def test_cycle_has_no_condorcet_winner() -> None:
    assert condorcet_winner(cycle()) is None


def test_copeland_tie_of_a_cycle_is_decided_by_lot() -> None:
    result = count_copeland(cycle(), Rules(seed=5))
    assert result.detail["scores"] == {"A": 1, "B": 1, "C": 1}
    assert result.ties[0].tied == ["A", "B", "C"]
    assert result.winners == [result.ties[0].chosen]


def test_copeland_gives_half_a_point_for_a_pairwise_tie() -> None:
    result = count_copeland(ranked("ABC", [["A", "B", "C"], ["B", "A", "C"]]), Rules(seed=0))
    assert result.detail["scores"] == {"A": "3/2", "B": "3/2", "C": 0}


def test_ranked_pairs_draws_a_tie_breaking_order_when_equal_margins_conflict() -> None:
    election = blocs("ABC", [(1, "ABC"), (1, "BCA"), (1, "CAB")])  # every margin is 1
    result = count_ranked_pairs(election, Rules(seed=2))
    assert result.ties and all("Ranked Pairs order" in t.purpose for t in result.ties)
    assert len(result.detail["locked"]) == 2
    assert len(result.detail["skipped"]) == 1
    assert count_ranked_pairs(election, Rules(seed=2)).to_dict() == result.to_dict()


def test_equal_ranks_express_no_preference() -> None:
    result = count_schulze(ranked("ABC", [["A=B", "C"]]))
    assert result.pairwise == [[0, 0, 1], [0, 0, 1], [0, 0, 0]]


def test_unranked_candidates_are_below_ranked_ones_and_equal_to_each_other() -> None:
    result = count_schulze(ranked("ABC", [["A"]]))
    assert result.pairwise == [[0, 1, 1], [0, 0, 0], [0, 0, 0]]


def test_withdrawn_candidate_takes_no_part() -> None:
    election = ranked("ABC", [["B", "A", "C"], ["B", "C", "A"], ["A", "C", "B"]])
    election.withdrawn = frozenset({1})
    result = count_schulze(election)
    assert result.pairwise == [[0, 0, 2], [0, 0, 0], [1, 0, 0]]
    assert result.winners == ["A"]


@pytest.mark.parametrize("method", METHODS)
def test_results_are_json_ready(method: Callable[[Election, Rules | None], Result]) -> None:
    data = method(wikipedia_schulze(), None).to_dict()
    assert json.loads(json.dumps(data)) == data


def test_minneapolis_2021_ward2_has_a_condorcet_cycle() -> None:
    from civic.voting.counting.formats.cvr_csv import read_cvr_csv

    election = read_cvr_csv(DATA / "mpls_2021_ward2_cvr.csv")
    assert condorcet_winner(election) is None
    pairwise = count_schulze(election).pairwise
    assert pairwise is not None
    index = {name: i for i, name in enumerate(election.candidates)}

    def beats(a: str, b: str) -> bool:
        return pairwise[index[a]][index[b]] > pairwise[index[b]][index[a]]

    assert beats("Robin Wonsley Worlobah", "Yusra Arab")
    assert beats("Yusra Arab", "Cam Gordon")
    assert beats("Cam Gordon", "Robin Wonsley Worlobah")
