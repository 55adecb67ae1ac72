"""Instant-runoff voting: eliminate the weakest until one candidate holds a majority.

Each round counts every ballot for its highest-ranked continuing candidate. A candidate with more than
half of the ballots still counting for someone (the continuing ballots; exhausted ones do not count)
is elected. Otherwise the candidate with the fewest votes is eliminated (a tie is decided by
`TieBreaker`: earlier rounds, then lot) and its ballots move on. With `rules.batch_elimination`, all
of the lowest k candidates are eliminated at once when their combined votes are fewer than the votes
of the next candidate (largest such k), since none of them could then overtake anybody.

Round k reports the tallies of the candidates continuing in it, `transfers` (what each received from
the candidates eliminated at the end of round k-1), `exhausted` (all ballots exhausted so far, blank
ones included), and who is eliminated at its end or elected in it.
"""

from __future__ import annotations

import numpy as np

from civic.voting.counting.model import Election, small_int
from civic.voting.counting.profile import Array, IntArray, padded, strict_table
from civic.voting.counting.result import Number, Result, Round
from civic.voting.counting.rules import Rules
from civic.voting.counting.ties import TieBreaker


class _Ballots:
    """Distinct rankings with a pointer to each one's current preference (n when exhausted).

    The rankings are held as one flat array and each pointer as a flat index into it, so following
    a ballot to its next preference is a one-dimensional `take`, the cheapest gather numpy has.
    """

    def __init__(self, table: IntArray, counts: Array, n: int) -> None:
        rows, width = table.shape
        # Pad with n (the exhausted pile, always standing) so that a pointer stops at a ranking's end.
        self.flat: IntArray = padded(table.astype(small_int(n), copy=False), n).ravel()
        self.counts = counts
        self.pointer = np.arange(0, rows * width, width, dtype=np.intp)
        self.top: IntArray = self.flat.take(self.pointer)
        self.standing = np.ones(n + 1, dtype=bool)  # continuing candidates, and the exhausted pile
        self.tally = np.zeros(n + 1, dtype=np.int64)
        np.add.at(self.tally, self.top, counts)

    def eliminate(self, losers: list[int]) -> Array:
        """Move the losers' ballots to their next continuing preference; return what each pile gained."""
        self.standing[losers] = False
        moving = np.flatnonzero(~self.standing.take(self.top))
        pointer = self.pointer.take(moving) + 1
        top = self.flat.take(pointer)
        pending = np.flatnonzero(~self.standing.take(top))
        while pending.size:
            pointer[pending] += 1
            top[pending] = self.flat.take(pointer.take(pending))
            pending = pending[~self.standing.take(top.take(pending))]
        self.pointer[moving] = pointer
        self.top[moving] = top
        gained = np.zeros_like(self.tally)
        np.add.at(gained, top, self.counts.take(moving))
        self.tally += gained
        self.tally[losers] = 0
        return gained


def _batch(tallies: dict[int, int]) -> list[int]:
    """Return the largest group of lowest candidates whose combined votes trail the next candidate."""
    order = sorted(tallies, key=lambda c: (tallies[c], c))
    group: list[int] = []
    running = 0
    for i in range(len(order) - 1):
        running += tallies[order[i]]
        if running < tallies[order[i + 1]]:
            group = order[: i + 1]
    return group


def count_irv(election: Election, rules: Rules | None = None) -> Result:
    """Count by instant-runoff, one Round per elimination step."""
    rules = rules or Rules()
    names = list(election.candidates)
    n = len(names)
    continuing = [c for c in range(n) if c not in election.withdrawn]
    if not continuing:
        raise ValueError("instant-runoff needs at least one candidate who is not withdrawn")
    table = strict_table(election, rules)
    ballots = _Ballots(table.table, table.counts, n)
    summary = table.summary
    del table  # the count keeps its own copy of the rankings
    ties = TieBreaker(rules, names)
    history: list[dict[int, Number]] = []
    rounds: list[Round] = []
    order: list[str] = []
    gained: dict[str, Number] = {}
    while True:
        number = len(rounds) + 1
        tallies = {c: int(ballots.tally[c]) for c in continuing}
        current = Round(number, {names[c]: v for c, v in tallies.items()}, gained, int(ballots.tally[n]))
        rounds.append(current)
        best = max(tallies.values())
        if 2 * best > sum(tallies.values()) or len(continuing) == 1:
            leaders = [c for c in continuing if tallies[c] == best]
            winner = ties.choose(leaders, history, number, "election", lowest=False)
            current.elected = [names[winner]]
            break
        losers = _batch(tallies) if rules.batch_elimination else []
        if len(losers) > 1:
            current.note = "batch elimination"
        else:
            lowest = min(tallies.values())
            tied = [c for c in continuing if tallies[c] == lowest]
            losers = [ties.choose(tied, history, number, "elimination", lowest=True)]
        history.append(dict(tallies))
        current.eliminated = [names[c] for c in losers]
        order.extend(current.eliminated)
        continuing = [c for c in continuing if c not in losers]
        moved = ballots.eliminate(losers)
        gained = {names[c]: int(moved[c]) for c in continuing}
    return Result(
        method="irv",
        candidates=names,
        winners=current.elected,
        rules=rules.as_dict(),
        ballots=summary,
        rounds=rounds,
        ties=ties.log,
        detail={"elimination_order": order},
    )
