"""Plurality: first preferences under the ballot-reading rules."""

from __future__ import annotations

import json

import pytest

from civic.voting.counting.model import OVERVOTE, Election, RankedBallot, ranked
from civic.voting.counting.plurality import count_plurality
from civic.voting.counting.rules import Rules

TENNESSEE = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]


def tennessee() -> Election:
    blocs = [
        (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
        (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
        (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
    ]
    return ranked(TENNESSEE, [r for k, r in blocs for _ in range(k)])


def test_tennessee_capital_goes_to_memphis() -> None:
    result = count_plurality(tennessee())
    assert result.winners == ["Memphis"]
    assert result.rounds[0].tallies == {"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17}
    assert result.detail["ranking"] == [["Memphis"], ["Nashville"], ["Knoxville"], ["Chattanooga"]]


def test_weighted_ballots_count_their_weight() -> None:
    election = Election(
        ["A", "B"], [RankedBallot(((0,),), 3), RankedBallot(((1,),), 2), RankedBallot(((1,),), 2)]
    )
    assert count_plurality(election).rounds[0].tallies == {"A": 3, "B": 4}


def test_overvoted_first_rank_exhausts_under_the_default_rule() -> None:
    election = Election(["A", "B"], [RankedBallot(((OVERVOTE,), (0,))), RankedBallot(((1,),))])
    result = count_plurality(election)
    assert result.rounds[0].tallies == {"A": 0, "B": 1}
    assert result.rounds[0].exhausted == 1


def test_overvote_skip_rule_counts_the_next_rank() -> None:
    election = Election(["A", "B"], [RankedBallot(((OVERVOTE,), (0,))), RankedBallot(((1,),))])
    result = count_plurality(election, Rules(overvote="skip"))
    assert result.rounds[0].tallies == {"A": 1, "B": 1}


def test_withdrawn_candidate_ballots_go_to_the_next_preference() -> None:
    election = ranked(["A", "B", "C"], [["A", "B"], ["A", "C"], ["C"]])
    election.withdrawn = frozenset({0})
    result = count_plurality(election)
    assert result.rounds[0].tallies == {"B": 1, "C": 2}
    assert result.winners == ["C"]


def test_tie_is_decided_by_lot_and_logged() -> None:
    election = ranked(["A", "B", "C"], [["A"], ["B"], ["C"]])
    result = count_plurality(election, Rules(seed=7))
    assert len(result.ties) == 1
    assert result.ties[0].tied == ["A", "B", "C"]
    assert result.ties[0].chosen == result.winners[0]
    assert "seed 7" in result.ties[0].how


def test_same_seed_gives_the_same_lot() -> None:
    election = ranked([f"C{i}" for i in range(8)], [[f"C{i}"] for i in range(8)])
    draws = {count_plurality(election, Rules(seed=s)).winners[0] for s in range(30)}
    assert len(draws) > 1
    assert all(
        count_plurality(election, Rules(seed=s)).winners == count_plurality(election, Rules(seed=s)).winners
        for s in range(5)
    )


def test_result_is_json_ready() -> None:
    data = count_plurality(tennessee()).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["ballots"] == {"cast": 100, "valid": 100, "set_aside": 0, "distinct": 4}


def test_all_candidates_withdrawn_is_an_error() -> None:
    election = ranked(["A"], [["A"]])
    election.withdrawn = frozenset({0})
    with pytest.raises(ValueError, match="withdrawn"):
        count_plurality(election)
