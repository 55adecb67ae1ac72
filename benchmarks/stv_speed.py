"""Time count_stv against pyrankvote and votekit STV on one synthetic election.

Usage: python benchmarks/stv_speed.py [BALLOTS] [--peers pyrankvote,votekit,fast]
100,000 ballots, 10 candidates, 3 seats by default; every tool counts the same rankings. "input" is
building the tool's own ballot objects from the rankings; "count" includes any profile building.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from civic.voting.counting.model import Election, RankedBallot
from civic.voting.counting.rules import Rules
from civic.voting.counting.stv import count_stv

CANDIDATES = 10
SEATS = 3


def rankings(n: int, seed: int = 1) -> list[tuple[int, ...]]:
    """Draw truncated rankings from a one-dimensional spatial model with noise."""
    rng = random.Random(seed)
    places = [rng.random() for _ in range(CANDIDATES)]
    out = []
    for _ in range(n):
        voter = rng.random()
        order = sorted(range(CANDIDATES), key=lambda c: abs(places[c] - voter) + rng.random() * 0.3)
        out.append(tuple(order[: rng.randint(1, CANDIDATES)]))
    return out


def timed(label: str, build: object, count: object) -> None:
    started = time.perf_counter()
    made = build()  # type: ignore[operator]
    built = time.perf_counter()
    winners = count(made)  # type: ignore[operator]
    done = time.perf_counter()
    print(
        f"{label:42} input {built - started:7.3f} s  count {done - built:8.3f} s  winners {sorted(winners)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ballots", type=int, nargs="?", default=100_000)
    parser.add_argument("--peers", default="pyrankvote,fast,votekit")
    args = parser.parse_args()
    rows = rankings(args.ballots)
    names = [f"C{i}" for i in range(CANDIDATES)]

    def one_by_one() -> Election:
        return Election(names, [RankedBallot(tuple((c,) for c in r)) for r in rows], seats=SEATS)

    def merged() -> Election:
        counts = Counter(rows)
        return Election(
            names, [RankedBallot(tuple((c,) for c in r), n) for r, n in counts.items()], seats=SEATS
        )

    for surplus, decimals in (("wig", 5), ("wig", None), ("gregory-last-parcel", 5), ("meek", None)):
        rules = Rules(surplus=surplus, decimals=decimals)  # type: ignore[arg-type]
        for label, build in (("one ballot object each", one_by_one), ("identical ballots merged", merged)):
            timed(f"civic {surplus} {decimals}, {label}", build, lambda e, r=rules: count_stv(e, r).winners)
    peers = args.peers.split(",")
    if "pyrankvote" in peers:
        import pyrankvote
        from pyrankvote import Ballot, Candidate

        people = [Candidate(n) for n in names]
        timed(
            "pyrankvote single_transferable_vote",
            lambda: [Ballot(ranked_candidates=[people[c] for c in r]) for r in rows],
            lambda b: [c.name for c in pyrankvote.single_transferable_vote(people, b, SEATS).get_winners()],
        )
    if "fast" in peers or "votekit" in peers:
        from votekit import RankBallot, RankProfile
        from votekit.elections import STV, FastSTV

        def profile() -> RankProfile:
            return RankProfile(
                ballots=[RankBallot(ranking=tuple(frozenset({names[c]}) for c in r)) for r in rows],
                candidates=names,
            )

        for name, method in (("fast", FastSTV), ("votekit", STV)):
            if name in peers:
                timed(
                    f"votekit {method.__name__} (input = RankProfile)",
                    profile,
                    lambda p, m=method: [c for s in m(p, n_seats=SEATS).get_elected() for c in s],
                )


if __name__ == "__main__":
    main()
