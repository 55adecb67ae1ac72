"""Cardinal methods against pref_voting's grade methods on random profiles (unique winners only).

Conventions aligned: pref_voting sees every candidate graded (a blank is filled in with the value
our method reads it as), approval uses a 0..1 scale, STAR uses pref_voting's required 0..5 scale.
pref_voting breaks STAR ties by "parallel universes" and majority judgment ties by the majority gauge
only; we compare only when it returns a single winner, where every tie-break convention agrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from pref_voting.grade_methods import approval, majority_judgement, score_voting, star
from pref_voting.grade_profiles import GradeProfile

from civic.voting.counting.cardinal import count_approval, count_majority_judgment, count_score, count_star
from civic.voting.counting.model import ScoreBallot, ScoreElection
from civic.voting.counting.result import Result

# The reference libraries (votekit is slow to import) are loaded by one test worker only.
pytestmark = pytest.mark.xdist_group("oracles")

Ours = Callable[[ScoreElection], Result]
Theirs = Callable[[GradeProfile], list[int]]

CASES: dict[str, tuple[Ours, Theirs, int]] = {
    # name: (our method, pref_voting's, top of the 0..top scale)
    "approval": (count_approval, approval, 1),
    "score": (count_score, score_voting, 5),
    "star": (count_star, star, 5),
    "majority-judgment": (count_majority_judgment, majority_judgement, 5),
}


def random_election(seed: int, top: int) -> ScoreElection:
    """Draw a small profile: 2-6 candidates, 1-40 voters, some blanks, repeated ballots."""
    rng = np.random.default_rng(seed)
    width = int(rng.integers(2, 7))
    voters = int(rng.integers(1, 41))
    # Candidate-specific leanings make clear winners as well as near ties.
    lean = rng.integers(0, top + 1, size=width)
    scores = np.clip(lean + rng.integers(-top, top + 1, size=(voters, width)) // 2, 0, top)
    blank = rng.random((voters, width)) < rng.choice([0.0, 0.1, 0.3])
    ballots = [
        ScoreBallot(
            tuple(None if b else int(s) for s, b in zip(row, brow, strict=True)), int(rng.integers(1, 4))
        )
        for row, brow in zip(scores, blank, strict=True)
    ]
    return ScoreElection([f"c{i}" for i in range(width)], ballots, 0, top)


def grade_profile(e: ScoreElection) -> GradeProfile:
    """The same ballots for pref_voting, a blank filled in as the lowest score."""
    maps = [{c: e.min_score if s is None else s for c, s in enumerate(b.scores)} for b in e.ballots]
    return GradeProfile(maps, list(range(e.min_score, e.max_score + 1)), gcounts=[b.count for b in e.ballots])


def compare(name: str, seeds: range) -> int:
    """Count both ways on every seed; return how many profiles had a unique pref_voting winner."""
    ours, theirs, top = CASES[name]
    compared = 0
    for seed in seeds:
        e = random_election(seed, top)
        expected = theirs(grade_profile(e))
        if len(expected) != 1:
            continue
        compared += 1
        assert ours(e).winners == [e.candidates[expected[0]]], f"{name} differs on seed {seed}"
    return compared


@pytest.mark.parametrize("name", CASES)
def test_matches_pref_voting_on_100_profiles(name: str) -> None:
    assert compare(name, range(100)) >= 50


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_matches_pref_voting_on_1000_more_profiles(name: str) -> None:
    assert compare(name, range(100, 1100)) >= 500
