"""Approval, score, STAR and majority judgment: hand-checked counts and properties."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting.cardinal import count_approval, count_majority_judgment, count_score, count_star
from civic.voting.counting.model import ScoreBallot, ScoreElection
from civic.voting.counting.result import Result
from civic.voting.counting.rules import Rules

Method = Callable[[ScoreElection, Rules | None], Result]
T = TypeVar("T")
METHODS: list[Method] = [count_approval, count_score, count_star, count_majority_judgment]


def election(
    candidates: str, rows: Sequence[tuple[int | None, ...]], low: int = 0, high: int = 5, seats: int = 1
) -> ScoreElection:
    """Build an election from rows of scores followed by the ballot count."""
    ballots = [ScoreBallot(tuple(row[:-1]), row[-1]) for row in rows]
    return ScoreElection(list(candidates), ballots, low, high, seats)


# The "Tennessee capital" example used to explain STAR (Equal Vote Coalition, Wikipedia), with
# candidates M(emphis), N(ashville), C(hattanooga), K(noxville); every figure below checked by hand.
TENNESSEE = election(
    "MNCK",
    [(5, 2, 1, 0, 42), (0, 5, 3, 2, 26), (0, 3, 5, 3, 15), (0, 2, 4, 5, 17)],
)


# --- STAR --------------------------------------------------------------------------------------------


def test_star_tennessee_scoring_round_totals() -> None:
    result = count_star(TENNESSEE)
    assert result.rounds[0].tallies == {"M": 210, "N": 293, "C": 263, "K": 182}
    assert result.rounds[0].eliminated == ["M", "K"]


def test_star_tennessee_runoff_elects_nashville() -> None:
    result = count_star(TENNESSEE)
    assert result.rounds[1].tallies == {"N": 68, "C": 32}
    assert result.winners == ["N"]
    assert result.ties == []


def test_star_runoff_winner_can_differ_from_score_winner() -> None:
    # Three ballots from the starvote README: Chuck leads on score and also wins the runoff 2-1.
    result = count_star(election("ABC", [(1, 3, 5, 1), (5, 2, 3, 1), (4, 4, 5, 1)]))
    assert result.detail["totals"] == {"A": 10, "B": 9, "C": 13}
    assert result.rounds[1].tallies == {"C": 2, "A": 1}
    assert result.winners == ["C"]
    # And a runoff that overturns the score leader: A leads on score, B is preferred on 2 of 3.
    overturned = count_star(election("AB", [(5, 0, 1), (0, 1, 1), (1, 2, 1)]))
    assert overturned.detail["totals"] == {"A": 6, "B": 3}
    assert overturned.winners == ["B"]


def test_star_runoff_counts_equal_scores_as_no_preference() -> None:
    result = count_star(election("AB", [(3, 3, 4), (5, 1, 2), (1, 2, 1)]))
    assert result.rounds[1].tallies == {"A": 2, "B": 1}
    assert result.rounds[1].exhausted == 4
    assert result.detail["runoffs"][0]["no_preference"] == 4


def test_star_scoring_tie_for_second_goes_to_head_to_head_winner() -> None:
    # B and C both total 8; B is scored above C on two ballots, C above B on one.
    result = count_star(election("ABC", [(5, 4, 3, 2), (5, 0, 2, 1)]))
    assert result.detail["totals"] == {"A": 15, "B": 8, "C": 8}
    assert result.rounds[0].eliminated == ["C"]
    assert [(t.tied, t.chosen, t.how) for t in result.ties] == [
        (["B", "C"], "B", "fewest head-to-head matchups lost")
    ]


def test_star_scoring_tie_even_head_to_head_goes_to_five_star_ratings() -> None:
    # B and C total 5, each preferred on one ballot; B has the only five-star rating of the two.
    result = count_star(election("ABC", [(5, 5, 3, 1), (5, 0, 2, 1)]))
    assert result.rounds[0].eliminated == ["C"]
    assert result.ties[0].chosen == "B"
    assert result.ties[0].how == "most five-star ratings"


def test_star_three_way_tie_in_a_head_to_head_cycle_is_drawn_by_lot() -> None:
    # All total 6; A beats B, B beats C, C beats A (2-1 each): one loss each, no five-star ratings.
    result = count_star(election("ABC", [(3, 2, 1, 1), (1, 3, 2, 1), (2, 1, 3, 1)]))
    assert result.detail["totals"] == {"A": 6, "B": 6, "C": 6}
    assert len(result.ties) == 2
    assert all(t.how == "lot (seed 0)" and t.tied == ["A", "B", "C"] for t in result.ties)


def test_star_three_way_tie_resolved_by_matchups_without_lot() -> None:
    # All total 6. Head to head: A beats B (2-1), A beats C (2-1), B beats C (2-1): C is eliminated.
    result = count_star(election("ABC", [(3, 2, 1, 1), (3, 2, 1, 1), (0, 2, 4, 1)]))
    assert result.detail["totals"] == {"A": 6, "B": 6, "C": 6}
    assert result.rounds[0].eliminated == ["C"]
    assert {t.chosen for t in result.ties} == {"A", "B"}
    assert all(t.how == "fewest head-to-head matchups lost" for t in result.ties)
    assert result.winners == ["A"]


def test_star_unbreakable_scoring_tie_is_decided_by_lot_from_the_seed() -> None:
    # From the starvote test elections: Amy and Brian tie on score, head to head and five stars.
    tied = election("ABC", [(2, 1, 5, 1), (1, 2, 5, 1), (3, 3, 5, 1)])
    finalists = {seed: count_star(tied, Rules(seed=seed)).rounds[0].eliminated[0] for seed in range(20)}
    assert set(finalists.values()) == {"A", "B"}
    again = {seed: count_star(tied, Rules(seed=seed)).rounds[0].eliminated[0] for seed in range(20)}
    assert again == finalists
    record = count_star(tied, Rules(seed=7)).ties[0]
    assert record.tied == ["A", "B"]
    assert record.how == "lot (seed 7)"


def test_star_runoff_tie_goes_to_higher_total_score() -> None:
    # B and C are each preferred on one ballot; B's total (6) beats C's (2).
    result = count_star(election("ABC", [(0, 5, 0, 1), (0, 0, 1, 1), (0, 1, 1, 1)]))
    assert result.rounds[1].tallies == {"B": 1, "C": 1}
    assert result.winners == ["B"]
    assert result.ties[0].how == "runoff tied; higher total score"


def test_star_runoff_tie_with_equal_totals_goes_to_five_star_ratings() -> None:
    # B and C both total 12, split 1-1 with one ballot scoring them equally; B has one five, C none.
    result = count_star(election("ABC", [(1, 5, 4, 1), (1, 3, 4, 1), (1, 4, 4, 1)]))
    assert result.detail["totals"] == {"A": 3, "B": 12, "C": 12}
    assert result.winners == ["B"]
    assert result.ties[0].how == "runoff tied; most five-star ratings"


def test_star_runoff_tie_on_everything_is_decided_by_lot() -> None:
    result = count_star(election("AB", [(5, 1, 1), (1, 5, 1)]))
    assert result.ties[0].how.endswith("lot (seed 0)")
    assert result.winners[0] in {"A", "B"}


def test_star_reads_blank_as_lowest_score() -> None:
    result = count_star(election("AB", [(None, 1, 1), (2, None, 1)]))
    assert result.detail["totals"] == {"A": 2, "B": 1}
    assert result.rounds[1].tallies == {"A": 1, "B": 1}
    assert result.detail["blanks"] == {"A": 1, "B": 1}


def test_bloc_star_elects_one_seat_per_scoring_and_runoff_pair() -> None:
    multi = election(
        "MNCK", [(5, 2, 1, 0, 42), (0, 5, 3, 2, 26), (0, 3, 5, 3, 15), (0, 2, 4, 5, 17)], seats=2
    )
    result = count_star(multi)
    assert [r.number for r in result.rounds] == [1, 2, 3, 4]
    # Without Nashville: Chattanooga 263 and Memphis 210 advance; Chattanooga is preferred 58-42.
    assert result.rounds[3].tallies == {"M": 42, "C": 58}
    assert result.winners == ["N", "C"]


def test_star_pairwise_matrix_counts_ballots_scoring_one_above_the_other() -> None:
    result = count_star(TENNESSEE)
    assert result.pairwise is not None
    assert result.pairwise[1][2] == 68
    assert result.pairwise[2][1] == 32


def test_star_single_candidate_wins_without_runoff() -> None:
    result = count_star(election("A", [(3, 1)]))
    assert result.winners == ["A"]
    assert len(result.rounds) == 1


# --- Approval ----------------------------------------------------------------------------------------


def test_approval_counts_scores_above_minimum_and_ignores_blanks() -> None:
    result = count_approval(election("ABC", [(1, 0, None, 3), (1, 1, 0, 2), (None, 1, 1, 1)], high=1))
    assert result.detail["approvals"] == {"A": 5, "B": 3, "C": 1}
    assert result.detail["shares"] == {"A": "5/6", "B": "1/2", "C": "1/6"}
    assert result.winners == ["A"]


def test_approval_on_a_score_scale_approves_anything_above_the_minimum() -> None:
    result = count_approval(election("AB", [(1, 0, 1), (5, 0, 1), (0, 2, 1)]))
    assert result.detail["approvals"] == {"A": 2, "B": 1}


def test_approval_elects_the_top_seats() -> None:
    result = count_approval(
        election("ABCD", [(1, 1, 0, 1, 3), (0, 1, 1, 0, 2), (0, 0, 1, 1, 1)], high=1, seats=2)
    )
    assert result.detail["approvals"] == {"A": 3, "B": 5, "C": 3, "D": 4}
    assert result.winners == ["B", "D"]


def test_approval_tie_at_the_cut_off_is_drawn_by_lot_and_logged() -> None:
    result = count_approval(election("ABC", [(1, 1, 1, 1)], high=1, seats=2), Rules(seed=3))
    assert len(result.winners) == 2
    assert [t.how for t in result.ties] == ["lot (seed 3)", "lot (seed 3)"]
    assert result.ties[0].tied == ["A", "B", "C"]


# --- Score -------------------------------------------------------------------------------------------


def test_score_totals_and_exact_averages() -> None:
    result = count_score(election("AB", [(5, 3, 2), (0, 4, 1)]))
    assert result.detail["totals"] == {"A": 10, "B": 10}
    assert result.detail["averages"] == {"A": "10/3", "B": "10/3"}
    assert result.ties[0].tied == ["A", "B"]


def test_score_counts_blank_as_minimum_by_default() -> None:
    result = count_score(election("AB", [(None, 1, 1), (4, None, 1)], low=1, high=5))
    assert result.detail["totals"] == {"A": 5, "B": 2}
    assert result.detail["blank_as"] == 1


def test_score_blank_as_sets_the_score_of_a_blank() -> None:
    result = count_score(election("AB", [(None, 1, 1), (4, None, 1)], low=1, high=5), blank_as=3)
    assert result.detail["totals"] == {"A": 7, "B": 4}


def test_score_rejects_blank_as_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="blank_as"):
        count_score(election("A", [(1, 1)]), blank_as=6)


def test_score_with_negative_scale() -> None:
    result = count_score(election("AB", [(-2, 2, 1), (1, -1, 2)], low=-2, high=2))
    assert result.detail["totals"] == {"A": 0, "B": 0}
    assert result.detail["distribution"]["A"] == [1, 0, 0, 2, 0]


# --- Majority judgment -------------------------------------------------------------------------------


def test_majority_judgment_highest_median_wins() -> None:
    result = count_majority_judgment(election("AB", [(4, 1, 2), (1, 3, 1)], high=4))
    assert result.detail["medians"] == {"A": 4, "B": 1}
    assert result.winners == ["A"]


def test_majority_judgment_equal_medians_broken_by_removing_median_grades() -> None:
    # A: 1 2 2 3 3, B: 0 2 2 2 4; both have median 2. Majority values A: 2,2,3,1,3 and
    # B: 2,2,2,0,4: they first differ at the third (3 > 2), so A wins although B has the higher
    # top grade and the same total.
    result = count_majority_judgment(
        election("AB", [(1, 0, 1), (2, 2, 1), (2, 2, 1), (3, 2, 1), (3, 4, 1)], high=4)
    )
    assert result.detail["medians"] == {"A": 2, "B": 2}
    assert result.winners == ["A"]
    assert result.detail["decided_by"] == ["A > B: after removing 2 median grade(s) each, 3 > 2"]
    assert result.detail["gauge"]["A"] == {"median": 2, "above": 2, "below": 1, "sign": "+"}
    assert result.detail["gauge"]["B"] == {"median": 2, "above": 1, "below": 1, "sign": "-"}


def test_majority_judgment_uses_the_lower_median_for_an_even_number_of_grades() -> None:
    # A: 1 3 (lower median 1), B: 2 2 (median 2).
    result = count_majority_judgment(election("AB", [(1, 2, 1), (3, 2, 1)], high=3))
    assert result.detail["medians"] == {"A": 1, "B": 2}
    assert result.winners == ["B"]


def test_majority_judgment_even_count_tie_break_reads_upper_middle_next() -> None:
    # A: 0 2 2 3, B: 1 2 2 2. For four grades the order is lower middle, upper middle, lowest,
    # highest: A reads 2,2,0,3 and B 2,2,1,2, so B wins at the third value.
    result = count_majority_judgment(election("AB", [(0, 1, 1), (2, 2, 2), (3, 2, 1)], high=3))
    assert result.winners == ["B"]
    assert result.detail["decided_by"] == ["B > A: after removing 2 median grade(s) each, 1 > 0"]


def test_majority_judgment_reads_blank_as_lowest_grade() -> None:
    result = count_majority_judgment(election("AB", [(None, 1, 2), (3, 1, 1)], high=3))
    assert result.detail["medians"] == {"A": 0, "B": 1}
    assert result.detail["distribution"]["A"] == [0, 0, 0, 1]
    assert result.detail["blanks"]["A"] == 2


def test_majority_judgment_identical_grades_tie_is_drawn_by_lot() -> None:
    result = count_majority_judgment(election("AB", [(1, 2, 1), (2, 1, 1)], high=2))
    assert result.detail["ranking"] == [["A", "B"]]
    assert result.ties[0].how == "lot (seed 0)"


def test_majority_judgment_ranks_every_candidate() -> None:
    result = count_majority_judgment(TENNESSEE)
    assert result.detail["ranking"] == [["C"], ["N"], ["K"], ["M"]]
    assert result.winners == ["C"]


# --- All methods -------------------------------------------------------------------------------------


def test_distribution_counts_each_score_per_candidate() -> None:
    result = count_score(TENNESSEE)
    assert result.detail["scale"] == [0, 1, 2, 3, 4, 5]
    assert result.detail["distribution"]["N"] == [0, 0, 59, 15, 0, 26]
    assert result.detail["distribution"]["C"] == [0, 42, 0, 26, 17, 15]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_result_is_json_ready(method: Method) -> None:
    result = method(TENNESSEE, None)
    assert json.loads(json.dumps(result.to_dict()))["winners"] == result.winners


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_ballot_summary_merges_identical_ballots(method: Method) -> None:
    repeated = election("AB", [(1, 0, 1), (1, 0, 2), (0, 1, 1)])
    assert method(repeated, None).ballots.to_dict() == {"cast": 4, "valid": 4, "set_aside": 0, "distinct": 2}


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    ("rows", "message"),
    [([(6, 0, 1)], "outside the scale"), ([(-1, 0, 1)], "outside the scale"), ([(1, 1)], "1 scores for 2")],
)
def test_invalid_ballot_is_rejected(method: Method, rows: list[tuple[int, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        method(election("AB", rows), None)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_rules_are_logged_in_the_result(method: Method) -> None:
    assert method(TENNESSEE, Rules(seed=42)).rules["seed"] == 42


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_no_ballots_elects_by_lot(method: Method) -> None:
    result = method(election("AB", []), None)
    assert len(result.winners) == 1
    assert result.ties


# --- Properties --------------------------------------------------------------------------------------
# Each property runs a few examples in the quick suite and many under the slow mark.

BUDGETS = [pytest.param(8, id="quick"), pytest.param(400, id="thorough", marks=pytest.mark.slow)]


def explore(examples: int, strategy: st.SearchStrategy[T], check: Callable[[T], None]) -> None:
    """Run `check` on `examples` values drawn from `strategy`."""
    settings(max_examples=examples, deadline=None)(given(strategy)(check))()


@st.composite
def elections(draw: st.DrawFn, max_candidates: int = 5, approval: bool = False) -> ScoreElection:
    width = draw(st.integers(1, max_candidates))
    low = 0 if approval else draw(st.integers(-2, 1))
    high = 1 if approval else low + draw(st.integers(1, 5))
    score = st.one_of(st.none(), st.integers(low, high)) if draw(st.booleans()) else st.integers(low, high)
    rows = draw(st.lists(st.tuples(st.tuples(*[score] * width), st.integers(1, 3)), max_size=12))
    seats = draw(st.integers(1, width))
    names = [f"c{i}" for i in range(width)]
    return ScoreElection(names, [ScoreBallot(s, n) for s, n in rows], low, high, seats)


def _lot_used(result: Result) -> bool:
    return any("lot" in t.how for t in result.ties)


@pytest.mark.parametrize("examples", BUDGETS)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_result_does_not_depend_on_ballot_order(method: Method, examples: int) -> None:
    def check(data: st.DataObject) -> None:
        original = data.draw(elections())
        shuffled = data.draw(st.permutations(original.ballots))
        reordered = ScoreElection(
            original.candidates, list(shuffled), original.min_score, original.max_score, original.seats
        )
        assert method(reordered, None).to_dict() == method(original, None).to_dict()

    explore(examples, st.data(), check)


@pytest.mark.parametrize("examples", BUDGETS)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_winners_do_not_depend_on_candidate_labels(method: Method, examples: int) -> None:
    def check(data: st.DataObject) -> None:
        original = data.draw(elections())
        order = data.draw(st.permutations(range(len(original.candidates))))
        relabelled = ScoreElection(
            [original.candidates[i] for i in order],
            [ScoreBallot(tuple(b.scores[i] for i in order), b.count) for b in original.ballots],
            original.min_score,
            original.max_score,
            original.seats,
        )
        before, after = method(original, None), method(relabelled, None)
        if not _lot_used(before) and not _lot_used(after):
            assert set(after.winners) == set(before.winners)
            assert after.detail["distribution"] == before.detail["distribution"]

    explore(examples, st.data(), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_approval_winners_have_the_most_approvals(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        result = count_approval(e)
        approvals = result.detail["approvals"]
        losers = [approvals[c] for c in e.candidates if c not in result.winners]
        assert all(approvals[w] >= max(losers, default=0) for w in result.winners)

    explore(examples, elections(approval=True), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_score_winners_have_the_highest_totals(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        result = count_score(e)
        totals = result.detail["totals"]
        losers = [totals[c] for c in e.candidates if c not in result.winners]
        assert all(totals[w] >= max(losers, default=totals[w]) for w in result.winners)

    explore(examples, elections(), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_majority_judgment_winner_has_the_highest_median(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        medians = count_majority_judgment(e).detail["medians"]
        assert medians[count_majority_judgment(e).winners[0]] == max(medians.values())

    explore(examples, elections(), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_star_winner_has_one_of_the_two_highest_totals(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        result = count_star(e)
        totals = sorted(result.detail["totals"].values(), reverse=True)
        assert result.detail["totals"][result.winners[0]] >= totals[min(1, len(totals) - 1)]

    explore(examples, elections(), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_distribution_and_blanks_add_up_to_ballots_cast(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        result = count_score(e)
        for name in e.candidates:
            assert (
                sum(result.detail["distribution"][name]) + result.detail["blanks"][name]
                == result.ballots.cast
            )

    explore(examples, elections(), check)


def _raise_winner(e: ScoreElection, winner: int, ballot: int) -> ScoreElection:
    """Give the winner the top score on one of the ballots in row `ballot`."""
    ballots = list(e.ballots)
    target = ballots[ballot]
    raised = ScoreBallot(tuple(e.max_score if i == winner else s for i, s in enumerate(target.scores)), 1)
    rest = [ScoreBallot(target.scores, target.count - 1)] if target.count > 1 else []
    ballots[ballot : ballot + 1] = [*rest, raised]
    return ScoreElection(e.candidates, ballots, e.min_score, e.max_score, 1)


@pytest.mark.parametrize("examples", BUDGETS)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.__name__)
def test_raising_the_winner_never_makes_it_lose(method: Method, examples: int) -> None:
    # Only counts with no tie at all: a tie-break may legitimately go the other way once a tie
    # among other candidates is broken differently.
    def check(data: st.DataObject) -> None:
        e = data.draw(elections(approval=method is count_approval))
        e.seats = 1
        before = method(e, None)
        if before.ties or not e.ballots:
            return
        winner = e.candidates.index(before.winners[0])
        ballot = data.draw(st.integers(0, len(e.ballots) - 1))
        assert method(_raise_winner(e, winner, ballot), None).winners == before.winners

    explore(examples, st.data(), check)


@pytest.mark.parametrize("examples", BUDGETS)
def test_adding_approval_ballots_for_the_winner_keeps_it_winning(examples: int) -> None:
    def check(args: tuple[ScoreElection, int]) -> None:
        e, extra = args
        e.seats = 1
        before = count_approval(e)
        winner = e.candidates.index(before.winners[0])
        ballot = tuple(1 if i == winner else 0 for i in range(len(e.candidates)))
        after = count_approval(ScoreElection(e.candidates, [*e.ballots, ScoreBallot(ballot, extra)], 0, 1, 1))
        assert after.winners == before.winners
        name = before.winners[0]
        assert after.detail["approvals"][name] == before.detail["approvals"][name] + extra

    explore(examples, st.tuples(elections(approval=True), st.integers(1, 3)), check)


def _majority_values_by_removal(grades: list[int]) -> list[int]:
    """Balinski–Laraki read literally: take the lower median, remove it, repeat."""
    remaining = sorted(grades)
    values = []
    while remaining:
        values.append(remaining.pop((len(remaining) - 1) // 2))
    return values


@pytest.mark.parametrize("examples", BUDGETS)
def test_majority_judgment_ranking_matches_literal_median_removal(examples: int) -> None:
    def check(e: ScoreElection) -> None:
        result = count_majority_judgment(e)
        grades = {
            name: [
                e.min_score if b.scores[c] is None else b.scores[c] for b in e.ballots for _ in range(b.count)
            ]
            for c, name in enumerate(e.candidates)
        }
        values = {name: _majority_values_by_removal(g) for name, g in grades.items()}
        levels = sorted({tuple(v) for v in values.values()}, reverse=True)
        expected = [sorted(n for n in e.candidates if tuple(values[n]) == level) for level in levels]
        assert [sorted(group) for group in result.detail["ranking"]] == expected

    explore(examples, elections(), check)
