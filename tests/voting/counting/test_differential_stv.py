"""Differential tests: our STV against votekit's and pyrankvote's on random profiles.

Conventions aligned:
- votekit STV (fractional transfer = weighted inclusive Gregory, Droop floor(T/(s+1)) + 1, elected
  surpluses moved together) against our "wig": the same method. Compared wherever our exact count
  needed no tie-break (votekit counts in floats; with small integer profiles a float cannot turn an
  exact inequality around, and exact equalities are ties we skip).
- pyrankvote STV (exact Droop T/(s+1), surplus spread evenly over the papers held, whatever their
  value) against our "wig" with the exact Droop quota: the same method while no paper carrying a
  fractional value moves again, so only those profiles are compared (and none where a tally equals
  the quota, which pyrankvote elects and we do not).
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from civic.voting.counting.model import Election, RankedBallot
from civic.voting.counting.result import Result
from civic.voting.counting.rules import Rules
from civic.voting.counting.stv import count_stv

# The reference libraries (votekit is slow to import) are loaded by one test worker only.
pytestmark = pytest.mark.xdist_group("oracles")

Rows = list[tuple[tuple[int, ...], int]]


def random_profile(rng: random.Random) -> tuple[list[str], int, Rows]:
    size = rng.randint(3, 6)
    seats = rng.randint(1, min(3, size - 1))
    rows: Rows = []
    for _ in range(rng.randint(5, 40)):
        order = list(range(size))
        rng.shuffle(order)
        rows.append((tuple(order[: rng.randint(1, size)]), rng.randint(1, 12)))
    return [chr(ord("A") + i) for i in range(size)], seats, rows


def election_of(names: list[str], seats: int, rows: Rows) -> Election:
    return Election(names, [RankedBallot(tuple((c,) for c in r), n) for r, n in rows], seats=seats)


def votekit_winners(names: list[str], seats: int, rows: Rows, fast: bool) -> set[str]:
    from votekit import RankBallot, RankProfile
    from votekit.elections import STV, FastSTV

    ballots = [RankBallot(ranking=tuple(frozenset({names[c]}) for c in r), weight=n) for r, n in rows]
    profile = RankProfile(ballots=ballots, candidates=names)
    election = FastSTV(profile, n_seats=seats) if fast else STV(profile, n_seats=seats, simultaneous=True)
    return {c for group in election.get_elected() for c in group}


def pyrankvote_winners(names: list[str], seats: int, rows: Rows) -> set[str]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    candidates = [Candidate(n) for n in names]
    ballots = [Ballot(ranked_candidates=[candidates[c] for c in r]) for r, n in rows for _ in range(n)]
    return {c.name for c in pyrankvote.single_transferable_vote(candidates, ballots, seats).get_winners()}


def unweighted_is_the_same(result: Result) -> bool:
    """Say whether no paper with a fractional value moved twice and no tally sat on the quota."""
    quota = Fraction(result.detail["quota"])
    fractional: set[str] = set()
    for r in result.rounds:
        if any(Fraction(v) == quota for v in r.tallies.values()):
            return False
        source = r.note.removeprefix("surplus of ") if r.note.startswith("surplus of ") else None
        sources = {source} if source else set(r.eliminated)
        if sources & fractional:
            return False
        if source:
            fractional |= {name for name, v in r.transfers.items() if v > 0}
    return True


def compare(seed: int, profiles: int, votekit_every: int) -> tuple[int, int]:
    """Compare `profiles` random profiles; return how many were compared with votekit and pyrankvote.

    Every profile without a tie goes to votekit's FastSTV; every `votekit_every`-th also to its
    reference STV class (slower: about a tenth of a second a profile).
    """
    rng = random.Random(seed)
    with_votekit = with_pyrankvote = 0
    for i in range(profiles):
        names, seats, rows = random_profile(rng)
        election = election_of(names, seats, rows)
        ours = count_stv(election, Rules(surplus="wig"))
        if not ours.ties:
            assert set(ours.winners) == votekit_winners(names, seats, rows, fast=True), (seats, rows)
            with_votekit += 1
            if i % votekit_every == 0:
                assert set(ours.winners) == votekit_winners(names, seats, rows, fast=False), (seats, rows)
        exact = count_stv(election, Rules(surplus="wig", quota="droop-exact"))
        if not exact.ties and unweighted_is_the_same(exact):
            assert set(exact.winners) == pyrankvote_winners(names, seats, rows), (seats, rows)
            with_pyrankvote += 1
    return with_votekit, with_pyrankvote


def test_agrees_with_votekit_and_pyrankvote_on_100_random_profiles() -> None:
    with_votekit, with_pyrankvote = compare(seed=1, profiles=100, votekit_every=20)
    assert with_votekit >= 85
    assert with_pyrankvote >= 40


@pytest.mark.slow
def test_agrees_with_votekit_and_pyrankvote_on_1000_random_profiles() -> None:
    with_votekit, with_pyrankvote = compare(seed=2, profiles=1000, votekit_every=10)
    assert with_votekit >= 850
    assert with_pyrankvote >= 400
