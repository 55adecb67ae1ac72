"""Properties of the single-winner methods and of the ballot reader, checked with hypothesis."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting.borda import count_borda
from civic.voting.counting.condorcet import (
    condorcet_winner,
    count_copeland,
    count_minimax,
    count_ranked_pairs,
    count_schulze,
)
from civic.voting.counting.irv import count_irv
from civic.voting.counting.model import OVERVOTE, WRITE_IN, Election, RankedBallot
from civic.voting.counting.plurality import count_plurality
from civic.voting.counting.profile import reference_profile, strict_profile, weak_profile
from civic.voting.counting.result import Result
from civic.voting.counting.rules import Rules

Method = Callable[[Election, Rules | None], Result]
CONDORCET: list[Method] = [count_schulze, count_ranked_pairs, count_copeland, count_minimax]
ALL: list[Method] = [count_plurality, count_irv, count_borda, *CONDORCET]
FAST = settings(max_examples=40, deadline=None)


@st.composite
def elections(draw: st.DrawFn, equal_ranks: bool = False) -> Election:
    """Draw an election with 2-5 candidates and ranked (possibly truncated) ballots."""
    n = draw(st.integers(2, 5))
    ballots = []
    for _ in range(draw(st.integers(1, 25))):
        order = draw(st.permutations(range(n)))
        cut = draw(st.integers(1, n))
        ranks: list[tuple[int, ...]] = [(c,) for c in order[:cut]]
        if equal_ranks and len(ranks) > 1 and draw(st.booleans()):
            ranks[0:2] = [tuple(sorted(ranks[0] + ranks[1]))]
        ballots.append(RankedBallot(tuple(ranks), draw(st.integers(1, 3))))
    return Election([f"C{i}" for i in range(n)], ballots)


@FAST
@given(elections(equal_ranks=True))
def test_condorcet_winner_wins_every_condorcet_method(election: Election) -> None:
    winner = condorcet_winner(election)
    if winner is not None:
        for method in CONDORCET:
            assert method(election, None).winners == [winner], method.__name__


@FAST
@given(elections())
def test_irv_elects_a_first_preference_majority_winner(election: Election) -> None:
    first = count_plurality(election).rounds[0].tallies
    total = sum(first.values())
    majority = [c for c, v in first.items() if 2 * v > total]
    if majority:
        assert count_irv(election).winners == majority


@FAST
@given(elections())
def test_irv_rounds_account_for_every_valid_ballot(election: Election) -> None:
    result = count_irv(election, Rules(batch_elimination=True))
    for r in result.rounds:
        assert sum(r.tallies.values()) + r.exhausted == result.ballots.valid


@FAST
@given(elections(equal_ranks=True), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_ballot_order(election: Election, rnd: random.Random) -> None:
    shuffled = Election(election.candidates, rnd.sample(election.ballots, len(election.ballots)))
    for method in ALL:
        assert method(shuffled, None).to_dict() == method(election, None).to_dict(), method.__name__


@FAST
@given(elections(equal_ranks=True), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_candidate_labels(election: Election, rnd: random.Random) -> None:
    n = len(election.candidates)
    new_index = rnd.sample(range(n), n)  # candidate i becomes new_index[i]
    names = [""] * n
    for i, name in enumerate(election.candidates):
        names[new_index[i]] = name
    relabelled = Election(
        names,
        [
            RankedBallot(tuple(tuple(new_index[c] for c in rank) for rank in b.ranks), b.count)
            for b in election.ballots
        ],
    )
    for method in ALL:
        before = method(election, None)
        if before.ties:
            continue  # a lot is drawn over candidates in index order, so labels may change it
        after = method(relabelled, None)
        assert after.winners == before.winners, method.__name__
        assert [sorted(r.tallies.items()) for r in after.rounds] == [
            sorted(r.tallies.items()) for r in before.rounds
        ]


@FAST
@given(elections(equal_ranks=True))
def test_pairwise_counts_never_exceed_the_valid_ballots(election: Election) -> None:
    result = count_schulze(election)
    assert result.pairwise is not None
    n = len(election.candidates)
    for a in range(n):
        for b in range(n):
            assert result.pairwise[a][b] + result.pairwise[b][a] <= result.ballots.valid


MARKS = st.one_of(
    st.just(()),
    st.integers(0, 4).map(lambda c: (c,)),
    st.sampled_from([(OVERVOTE,), (WRITE_IN,)]),
    st.lists(st.sampled_from([0, 1, 2, 3, 4, OVERVOTE, WRITE_IN]), min_size=2, max_size=3, unique=True).map(
        tuple
    ),
)
RULES = st.builds(
    Rules,
    overvote=st.sampled_from(["exhaust", "skip", "set-aside-if-first"]),
    max_skipped=st.sampled_from([None, 0, 1, 2]),
    repeated=st.sampled_from(["skip", "exhaust"]),
    write_ins=st.sampled_from(["skip", "exhaust"]),
)


@st.composite
def messy_elections(draw: st.DrawFn) -> Election:
    """Draw ballots as a cast-vote record may hold them: skips, repeats, markers, overvotes."""
    plain = draw(st.booleans())
    marks = st.integers(0, 4).map(lambda c: (c,)) if plain else MARKS
    ballots = draw(
        st.lists(
            st.builds(RankedBallot, st.lists(marks, max_size=6).map(tuple), st.integers(1, 3)), max_size=15
        )
    )
    withdrawn = draw(st.sets(st.integers(0, 4), max_size=2))
    return Election([f"C{i}" for i in range(5)], ballots, withdrawn=frozenset(withdrawn))


def check_fast_reader(election: Election, rules: Rules) -> None:
    for strict in (True, False):
        expected, summary = reference_profile(election, rules, strict)
        profile = strict_profile(election, rules) if strict else weak_profile(election, rules)
        got = sorted(zip(profile.rankings, profile.counts, strict=True))
        if strict:
            assert got == sorted((tuple(rank[0] for rank in r), k) for r, k in expected.items())
        else:
            assert got == sorted(expected.items())
        assert profile.summary == summary


@settings(max_examples=100, deadline=None)
@given(messy_elections(), RULES)
def test_fast_reader_agrees_with_the_reference_reader(election: Election, rules: Rules) -> None:
    check_fast_reader(election, rules)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(messy_elections(), RULES)
def test_fast_reader_agrees_with_the_reference_reader_at_length(election: Election, rules: Rules) -> None:
    check_fast_reader(election, rules)
