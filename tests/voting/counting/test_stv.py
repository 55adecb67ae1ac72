"""Behaviour of count_stv: quotas, the three surplus rules, exclusions, ties, and exact conservation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting.model import Election, RankedBallot, ranked
from civic.voting.counting.result import Number, Result
from civic.voting.counting.rules import Rules, preset
from civic.voting.counting.stv import count_stv

SURPLUS_RULES = ["wig", "gregory-last-parcel", "meek"]


def election(rows: Sequence[tuple[int, str]], seats: int, candidates: str = "ABCDE") -> Election:
    """Build an election from (count, "ABC") rows: each letter a candidate, most preferred first."""
    names = list(candidates)
    ballots = [RankedBallot(tuple((names.index(c),) for c in order), count) for count, order in rows]
    return Election(names, ballots, seats=seats)


def conserved(result: Result) -> list[Number]:
    """Return every round's tallies + exhausted + loss (each must equal the valid ballots)."""
    return [sum(r.tallies.values()) + r.exhausted + r.loss for r in result.rounds]


# A: 8 (5 then B, 3 then C), B: 2, C: 4, D: 1 then C; 2 seats, Droop quota floor(15/3)+1 = 6.
SMALL = election([(5, "AB"), (3, "AC"), (2, "B"), (4, "CD"), (1, "DC")], seats=2, candidates="ABCD")


def test_droop_quota_is_floor_of_valid_over_seats_plus_one_plus_one() -> None:
    assert count_stv(SMALL, Rules(surplus="wig")).detail["quota"] == 6


def test_wig_moves_every_paper_of_the_elected_candidate_at_surplus_over_votes() -> None:
    result = count_stv(SMALL, Rules(surplus="wig"))
    assert result.rounds[0].elected == ["A"]
    assert result.rounds[1].transfers == {"A": -2, "B": Fraction(5, 4), "C": Fraction(3, 4)}
    assert result.rounds[1].tallies == {"A": 6, "B": Fraction(13, 4), "C": Fraction(19, 4), "D": 1}


def test_first_round_counts_first_preferences() -> None:
    assert count_stv(SMALL, Rules()).rounds[0].tallies == {"A": 8, "B": 2, "C": 4, "D": 1}


def test_winners_are_listed_in_order_of_election() -> None:
    assert count_stv(SMALL, Rules()).winners == ["A", "C"]


def test_seats_argument_overrides_the_election() -> None:
    assert len(count_stv(SMALL, Rules(), seats=3).winners) == 3


def test_zero_seats_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one seat"):
        count_stv(SMALL, Rules(), seats=0)


def test_continuing_candidates_fill_the_remaining_seats_when_they_are_as_many() -> None:
    result = count_stv(SMALL, Rules())
    assert result.rounds[-1].note == "continuing candidates fill the remaining seats"
    assert result.rounds[-1].elected == ["C"]


def test_fewer_candidates_than_seats_elects_them_all() -> None:
    result = count_stv(election([(3, "AB"), (1, "B")], seats=3, candidates="AB"), Rules())
    assert sorted(result.winners) == ["A", "B"]


def test_scotland_truncates_transfer_values_to_five_places_and_records_the_loss() -> None:
    # 7 votes for A, quota floor(12/3)+1 = 5, surplus 2: value 2/7 = 0.285714... -> 0.28571.
    result = count_stv(
        election([(7, "AB"), (3, "B"), (2, "C")], seats=2, candidates="ABC"), preset("scotland")
    )
    surplus = result.rounds[1]
    assert surplus.transfers["B"] == Decimal("1.99997")
    assert surplus.loss == Decimal("0.00003")
    assert surplus.tallies["A"] == Decimal("5.00000")


def test_scotland_transfer_value_is_surplus_times_paper_value_over_votes() -> None:
    # Rule 48(3): a paper received at 0.28571 goes on at trunc(surplus * 0.28571 / votes).
    rows = [(7, "ABC"), (1, "B"), (1, "BC"), (2, "C"), (2, "D")]
    result = count_stv(election(rows, seats=2, candidates="ABCD"), preset("scotland"))
    # Quota floor(13/3)+1 = 5. A: surplus 2 -> B gets 7 x 0.28571 = 1.99997, B = 3.99997.
    assert result.rounds[1].tallies["B"] == Decimal("3.99997")
    assert result.rounds[2].eliminated == ["D"]


def test_scotland_preset_is_weighted_inclusive_gregory_to_five_places() -> None:
    rules = preset("scotland")
    assert (rules.surplus, rules.decimals, rules.tie_break) == ("wig", 5, "forwards-then-lot")


def test_last_parcel_transfers_only_the_papers_that_elected_the_candidate() -> None:
    # 3 seats, quota floor(25/4)+1 = 7. A is elected (9); C (3) is excluded and its papers elect
    # B (5 + 3 = 8, surplus 1). B's own papers go on to D, the papers from C go on to E.
    rows = [(9, "A"), (5, "BD"), (3, "CBE"), (4, "D"), (4, "E")]
    wig = count_stv(election(rows, seats=3), Rules(surplus="wig"))
    last = count_stv(election(rows, seats=3), Rules(surplus="gregory-last-parcel"))
    surplus_last = next(r for r in last.rounds if r.note == "surplus of B")
    surplus_wig = next(r for r in wig.rounds if r.note == "surplus of B")
    assert surplus_last.transfers == {"B": -1, "E": 1}
    assert surplus_wig.transfers == {"B": -1, "D": Fraction(5, 8), "E": Fraction(3, 8)}
    assert (last.winners[-1], wig.winners[-1]) == ("E", "D")


def test_last_parcel_exclusion_moves_papers_parcel_by_parcel_highest_value_first() -> None:
    result = count_stv(SMALL, Rules(surplus="gregory-last-parcel"))
    notes = [r.note for r in result.rounds if r.note.startswith("exclusion of B")]
    assert notes == ["exclusion of B: papers of value 1", "exclusion of B: papers of value 1/4"]


def test_wig_exclusion_is_one_stage() -> None:
    result = count_stv(SMALL, Rules(surplus="wig"))
    assert [r.note for r in result.rounds if r.eliminated == ["B"]] == ["exclusion of B"]


def test_exclusion_tie_is_broken_by_the_earliest_stage_where_the_candidates_differ() -> None:
    # Quota 8. A's surplus (2) goes to D only, so after stage 2 C and D are tied at 4 (and B at 5);
    # at stage 1 D had fewer votes (2 < 4), so the Scottish rule excludes D.
    rows = [(10, "AD"), (5, "B"), (4, "C"), (2, "DB")]
    result = count_stv(
        election(rows, seats=2, candidates="ABCD"), Rules(surplus="wig", tie_break="forwards-then-lot")
    )
    assert result.rounds[1].tallies["C"] == result.rounds[1].tallies["D"] == 4
    assert result.rounds[2].eliminated == ["D"]
    assert result.ties[0].how == "round 1"


def test_exact_count_uses_fractions_and_fixed_point_uses_decimals() -> None:
    exact = count_stv(SMALL, Rules(surplus="wig", decimals=None))
    fixed = count_stv(SMALL, Rules(surplus="wig", decimals=5))
    assert isinstance(exact.rounds[1].tallies["B"], Fraction)
    assert fixed.rounds[1].tallies["B"] == Decimal("3.25000")


def test_withdrawn_candidate_gets_no_votes_and_is_not_shown() -> None:
    e = election([(5, "AB"), (4, "CB"), (3, "BA")], seats=1, candidates="ABC")
    e.withdrawn = frozenset({1})
    result = count_stv(e, Rules())
    assert "B" not in result.rounds[0].tallies
    assert result.rounds[0].tallies == {"A": 8, "C": 4}


def test_ballot_with_no_usable_mark_is_exhausted_from_the_first_round() -> None:
    e = Election(["A", "B"], [RankedBallot(((0,),), 3), RankedBallot(((),), 2), RankedBallot(((1,),), 1)])
    result = count_stv(e, Rules())
    assert result.rounds[0].exhausted == 2


def test_continuing_quota_basis_leaves_out_ballots_with_no_usable_mark() -> None:
    e = Election(
        ["A", "B"], [RankedBallot(((0,),), 6), RankedBallot(((),), 3), RankedBallot(((1,),), 3)], seats=1
    )
    assert count_stv(e, Rules(quota_basis="continuing")).detail["quota"] == 5
    assert count_stv(e, Rules(quota_basis="valid-first-round")).detail["quota"] == 7


@pytest.mark.parametrize(
    ("quota", "expected"), [("droop", 6), ("droop-exact", 5), ("hare", 7), ("hare-exact", "15/2")]
)
def test_quota_formulas(quota: str, expected: int | str) -> None:
    assert count_stv(SMALL, Rules(quota=quota)).detail["quota"] == expected  # type: ignore[arg-type]


def test_exact_droop_quota_must_be_exceeded() -> None:
    # 3 seats... with 2 seats and 15 votes the exact Droop quota is 5: a candidate on exactly 5 waits.
    rows = [(5, "A"), (5, "B"), (4, "C"), (1, "DC")]
    result = count_stv(election(rows, seats=2, candidates="ABCD"), Rules(quota="droop-exact"))
    assert result.rounds[0].elected == []


def test_meek_elects_at_the_quota_and_keeps_surpluses_below_the_limit() -> None:
    result = count_stv(SMALL, Rules(surplus="meek"))
    assert result.winners == ["A", "C"]
    second = result.rounds[1]
    quota = Decimal(result.detail["quota_by_round"][1])
    assert abs(second.tallies["A"] - quota) < Decimal("0.00001")


def test_meek_keep_values_are_at_most_one() -> None:
    result = count_stv(SMALL, Rules(surplus="meek"))
    assert all(Decimal(v) <= 1 for v in result.detail["keep_values"].values())


def test_meek_surplus_reaching_an_elected_candidate_is_partly_kept_by_them() -> None:
    # A and B are elected on first preferences; A's voters rank B next, then C. WIG skips B and gives
    # C all of A's surplus; under Meek B keeps its keep-value share of what reaches it (and B's own
    # surplus has nowhere to go), so C gets less.
    rows = [(10, "ABC"), (8, "B"), (3, "C"), (3, "D"), (2, "E")]
    meek = count_stv(election(rows, seats=3), Rules(surplus="meek"))
    wig = count_stv(election(rows, seats=3), Rules(surplus="wig"))
    assert meek.rounds[0].elected == ["A", "B"]
    assert wig.rounds[1].tallies["C"] == 6
    assert 3 < meek.rounds[1].tallies["C"] < 6
    assert Decimal(meek.detail["keep_values"]["B"]) < 1


@pytest.mark.parametrize("surplus", SURPLUS_RULES)
@pytest.mark.parametrize("decimals", [None, 5])
def test_every_round_conserves_votes_exactly(surplus: str, decimals: int | None) -> None:
    result = count_stv(SMALL, Rules(surplus=surplus, decimals=decimals))
    assert set(conserved(result)) == {15}


@pytest.mark.parametrize("surplus", SURPLUS_RULES)
def test_result_is_json_ready(surplus: str) -> None:
    json.dumps(count_stv(SMALL, Rules(surplus=surplus)).to_dict())


def test_result_names_method_rules_and_seats() -> None:
    result = count_stv(SMALL, preset("scotland"))
    assert (result.method, result.seats, result.rules["preset"]) == ("stv", 2, "scotland")


def test_named_rankings_helper_round_trip() -> None:
    e = ranked("ABC", [["A", "B"], ["A", "B"], ["B"], ["C", "A"]])
    e.seats = 1
    assert count_stv(e, Rules()).winners == ["A"]


rankings = st.permutations(range(5)).flatmap(lambda p: st.integers(0, 5).map(lambda k: tuple(p[:k])))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(1, 20), rankings), min_size=1, max_size=25),
    seats=st.integers(1, 4),
    surplus=st.sampled_from(SURPLUS_RULES),
    decimals=st.sampled_from([None, 0, 2, 5]),
)
def test_property_every_round_conserves_votes(
    rows: list[tuple[int, tuple[int, ...]]], seats: int, surplus: str, decimals: int | None
) -> None:
    ballots = [RankedBallot(tuple((c,) for c in order), count) for count, order in rows]
    e = Election(list("ABCDE"), ballots, seats=seats)
    result = count_stv(e, Rules(surplus=surplus, decimals=decimals))
    assert set(conserved(result)) == {e.total_ballots}
    assert len(result.winners) == min(seats, 5)
    assert len(set(result.winners)) == len(result.winners)
