"""STV by Meek's method, in fixed point as the New Zealand Meek rules count it.

Every candidate has a keep value: the share of each vote reaching them that they keep (1 for hopeful
candidates, 0 once excluded, below 1 once elected). A vote gives each candidate on the ballot, in order,
their keep share of what is left of it; what passes the last preference is excess (exhausted).

Arithmetic is on integers scaled by 10**places (9 by default, as in the NZ rules): a candidate receives
floor(weight * keep), and the weight left is reduced by exactly that, so nothing is lost to rounding
(votes + excess = valid ballots, exactly). The quota is floor(votes / (seats + 1)) + 10**-places, and
keep values are updated to keep * quota / votes rounded up. Iteration stops when a candidate reaches the
quota, when the elected candidates' surpluses add up to less than 0.00001 of a vote, or when no keep
value changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.result import Round
from civic.voting.counting.stv_base import Ballots, Scale
from civic.voting.counting.ties import TieBreaker

SURPLUS_LIMIT_DIGITS = 5
MAX_ITERATIONS = 10_000


class MeekCount:
    """One Meek count; `run` returns the elected candidates in order of election."""

    def __init__(
        self,
        ballots: Ballots,
        candidates: list[str],
        active: list[int],
        seats: int,
        places: int,
        valid: int,
        hare: bool,
        ties: TieBreaker,
    ) -> None:
        self.ballots = ballots
        self.names = candidates
        self.active = active
        self.seats = seats
        self.scale = Scale(places)
        self.unit = self.scale.unit
        self.hare = hare
        self.ties = ties
        self.limit = max(1, self.unit // 10**SURPLUS_LIMIT_DIGITS)
        # Sums reach valid * unit: past int64, count with Python integers (slower, still exact).
        self.dtype: type = np.int64 if (valid + 1) * self.unit * 4 < 2**63 else object
        self.counts = ballots.counts.astype(self.dtype)
        self.keep = np.zeros(len(candidates) + 1, dtype=self.dtype)
        self.keep[active] = self.unit
        self.hopeful = list(active)
        self.elected: list[int] = []
        self.rounds: list[Round] = []
        self.history: list[dict[int, int]] = []
        self.iterations: list[int] = []
        self.quotas: list[int] = []
        self._previous: dict[int, int] = {}

    def _distribute(self) -> tuple[list[int], int]:
        """Return every candidate's votes and the excess under the current keep values."""
        weight: npt.NDArray[Any] = np.full(len(self.counts), self.unit, dtype=self.dtype)
        votes: npt.NDArray[Any] = np.zeros(len(self.keep), dtype=self.dtype)
        for column in self.ballots.matrix.T:
            received = weight * self.keep[column] // self.unit
            np.add.at(votes, column, self.counts * received)
            weight -= received
        return [int(v) for v in votes[:-1]], int((self.counts * weight).sum())

    def _quota(self, votes: list[int]) -> int:
        total = sum(votes)
        if self.hare:
            return total // self.seats
        return total // (self.seats + 1) + 1

    def _settle(self) -> tuple[list[int], int, int, list[int]]:
        """Iterate keep values; return votes, excess, quota and any candidates newly reaching quota."""
        iterations = 0
        while True:
            votes, excess = self._distribute()
            iterations += 1
            quota = self._quota(votes)
            reached = [c for c in self.hopeful if votes[c] >= quota]
            surplus = sum(max(votes[c] - quota, 0) for c in self.elected)
            if reached or surplus < self.limit or iterations >= MAX_ITERATIONS:
                self.iterations.append(iterations)
                return votes, excess, quota, reached
            changed = False
            for c in self.elected:
                if votes[c] > 0:
                    new = -(-int(self.keep[c]) * quota // votes[c])
                    new = min(new, self.unit)
                    changed |= new != int(self.keep[c])
                    self.keep[c] = new
            if not changed:
                self.iterations.append(iterations)
                return votes, excess, quota, reached

    def _record(
        self, votes: list[int], excess: int, quota: int, elected: list[int], excluded: list[int]
    ) -> None:
        shown = self.scale.shown
        tally = {c: votes[c] for c in self.active}
        self.history.append(tally)
        self.quotas.append(quota)
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                tallies={self.names[c]: shown(v) for c, v in tally.items()},
                transfers={
                    self.names[c]: shown(v - self._previous[c])
                    for c, v in tally.items()
                    if self._previous and v != self._previous[c]
                },
                exhausted=shown(excess),
                loss=shown(0),
                elected=[self.names[c] for c in elected],
                eliminated=[self.names[c] for c in excluded],
                note=f"quota {shown(quota)}",
            )
        )
        self._previous = tally

    def _elect(self, candidates: list[int], votes: list[int]) -> list[int]:
        chosen = sorted(candidates, key=lambda c: votes[c], reverse=True)[: self.seats - len(self.elected)]
        for c in chosen:
            self.hopeful.remove(c)
            self.elected.append(c)
        return chosen

    def run(self) -> list[int]:
        while len(self.elected) < self.seats:
            votes, excess, quota, reached = self._settle()
            if len(self.hopeful) <= self.seats - len(self.elected):
                self._record(votes, excess, quota, self._elect(self.hopeful, votes), [])
                break
            if reached:
                self._record(votes, excess, quota, self._elect(reached, votes), [])
                continue
            least = min(votes[c] for c in self.hopeful)
            tied = [c for c in self.hopeful if votes[c] == least]
            self.history.append({c: votes[c] for c in self.active})
            loser = self.ties.choose(tied, self.history, len(self.rounds) + 1, "exclusion", lowest=True)
            self.history.pop()
            self.hopeful.remove(loser)
            self.keep[loser] = 0
            self._record(votes, excess, quota, [], [loser])
        return self.elected

    def keep_values(self) -> dict[str, str]:
        """Return the final keep values, for the Result's detail."""
        return {self.names[c]: str(self.scale.shown(int(self.keep[c]))) for c in self.active}
