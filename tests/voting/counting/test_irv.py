"""Instant-runoff: rounds, transfers, exhausted ballots, batch elimination and tie-breaks."""

from __future__ import annotations

import json

import pytest

from civic.voting.counting.irv import count_irv
from civic.voting.counting.model import Election, ranked
from civic.voting.counting.rules import Rules
from tests.voting.counting.test_plurality import tennessee


def blocs(candidates: str, groups: list[tuple[int, str]]) -> Election:
    """Build an election from (count, "ABC") groups, single-letter candidates."""
    return ranked(list(candidates), [list(r) for k, r in groups for _ in range(k)])


def test_tennessee_capital_goes_to_knoxville() -> None:
    result = count_irv(tennessee())
    assert result.winners == ["Knoxville"]
    assert [r.tallies for r in result.rounds] == [
        {"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17},
        {"Memphis": 42, "Nashville": 26, "Knoxville": 32},
        {"Memphis": 42, "Knoxville": 58},
    ]
    assert [r.eliminated for r in result.rounds] == [["Chattanooga"], ["Nashville"], []]
    assert result.rounds[1].transfers == {"Memphis": 0, "Nashville": 0, "Knoxville": 15}
    assert result.rounds[2].elected == ["Knoxville"]
    assert result.detail["elimination_order"] == ["Chattanooga", "Nashville"]


def test_first_round_majority_wins_at_once() -> None:
    result = count_irv(blocs("ABC", [(3, "AB"), (1, "BA"), (1, "CA")]))
    assert result.winners == ["A"]
    assert len(result.rounds) == 1


def test_majority_is_of_continuing_ballots_not_of_all_cast() -> None:
    result = count_irv(blocs("ABC", [(4, "A"), (3, "B"), (2, "C")]))
    assert result.winners == ["A"]
    final = result.rounds[-1]
    assert final.tallies == {"A": 4, "B": 3}
    assert final.exhausted == 2  # A has 4 of 9 cast, but 4 of the 7 still counting


def test_exhausted_ballots_are_tracked_per_round() -> None:
    result = count_irv(blocs("ABCD", [(5, "A"), (4, "B"), (3, "CB"), (2, "D")]))
    assert [r.exhausted for r in result.rounds] == [0, 2, 2]
    for r in result.rounds:
        assert sum(r.tallies.values()) + r.exhausted == 14


def test_blank_ballots_count_as_exhausted_from_the_first_round() -> None:
    election = blocs("AB", [(3, "A"), (2, "B")])
    election.ballots.append(election.ballots[0].__class__(()))
    result = count_irv(election)
    assert result.rounds[0].exhausted == 1
    assert result.ballots.valid == 6


def test_batch_elimination_removes_every_candidate_who_cannot_catch_up() -> None:
    election = blocs("ABCD", [(9, "A"), (6, "B"), (2, "CB"), (1, "DC")])
    result = count_irv(election, Rules(batch_elimination=True))
    assert result.rounds[0].eliminated == ["D", "C"]
    assert result.rounds[0].note == "batch elimination"
    assert result.rounds[1].tallies == {"A": 9, "B": 8}
    assert result.rounds[1].exhausted == 1
    assert result.winners == ["A"]


def test_without_batch_elimination_candidates_go_one_at_a_time() -> None:
    election = blocs("ABCD", [(9, "A"), (6, "B"), (2, "CB"), (1, "DC")])
    result = count_irv(election)
    assert [r.eliminated for r in result.rounds] == [["D"], ["C"], []]
    assert result.winners == ["A"]


def test_batch_elimination_never_splits_a_tie() -> None:
    # C and D tie at 2: 2 + 2 = 4 is not below B's 4, so no batch; the tie goes to the tie-breaker.
    election = blocs("ABCD", [(7, "A"), (4, "B"), (2, "C"), (2, "D")])
    result = count_irv(election, Rules(batch_elimination=True, seed=1))
    assert len(result.rounds[0].eliminated) == 1
    assert result.ties[0].tied == ["C", "D"]


def test_elimination_tie_is_broken_by_the_previous_round() -> None:
    election = blocs("ABCD", [(6, "A"), (5, "B"), (3, "C"), (2, "DC")])
    result = count_irv(election)
    assert result.rounds[1].tallies == {"A": 6, "B": 5, "C": 5}
    assert result.rounds[1].eliminated == ["C"]  # C had 3 to B's 5 in round 1
    assert result.ties[0].tied == ["B", "C"]
    assert result.ties[0].how == "round 1"
    assert result.winners == ["A"]


def test_lot_rule_ignores_earlier_rounds_and_records_the_seed() -> None:
    election = blocs("ABCD", [(6, "A"), (5, "B"), (3, "C"), (2, "DC")])
    result = count_irv(election, Rules(tie_break="lot", seed=3))
    assert result.ties[0].how == "lot (seed 3)"


def test_tie_break_by_lot_is_reproducible_from_the_seed() -> None:
    election = blocs("ABCDE", [(1, "A"), (1, "B"), (1, "C"), (1, "D"), (1, "E")])
    first = [count_irv(election, Rules(seed=s)).to_dict() for s in range(10)]
    again = [count_irv(election, Rules(seed=s)).to_dict() for s in range(10)]
    assert first == again
    assert len({json.dumps(r["winners"]) for r in first}) > 1


def test_withdrawn_candidate_is_never_continuing() -> None:
    election = blocs("ABC", [(3, "AB"), (2, "BA"), (2, "CB")])
    election.withdrawn = frozenset({0})
    result = count_irv(election)
    assert result.rounds[0].tallies == {"B": 5, "C": 2}
    assert result.winners == ["B"]


def test_single_candidate_is_elected_even_with_no_votes() -> None:
    result = count_irv(Election(["A"], []))
    assert result.winners == ["A"]
    assert result.rounds[0].tallies == {"A": 0}


def test_result_is_json_ready() -> None:
    data = count_irv(tennessee()).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["method"] == "irv"


def test_no_standing_candidate_is_an_error() -> None:
    with pytest.raises(ValueError, match="withdrawn"):
        count_irv(Election([], []))
