"""STV with Gregory surplus transfers: weighted inclusive (WIG) or the last parcel received.

Ballot papers travel in parcels: papers of one value held by one candidate. A parcel is a set of rows of
the ballot matrix with counts and the position of the holder in each row, so finding every paper's next
continuing preference is one numpy operation per parcel, whatever the number of ballots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from civic.voting.counting.result import Round
from civic.voting.counting.stv_base import Ballots, IntArray, Scale, Threshold, Value
from civic.voting.counting.ties import TieBreaker


@dataclass(slots=True)
class Parcel:
    """Papers of one value held by one candidate, received at one step."""

    rows: IntArray
    pos: IntArray
    counts: IntArray
    value: Value
    step: int

    @property
    def papers(self) -> int:
        return int(self.counts.sum())


@dataclass(slots=True)
class _Step:
    """What one stage moved, before it becomes a Round."""

    transfers: dict[int, Value] = field(default_factory=dict)
    elected: list[int] = field(default_factory=list)
    eliminated: list[int] = field(default_factory=list)
    note: str = ""

    def add(self, candidate: int, amount: Value) -> None:
        self.transfers[candidate] = self.transfers.get(candidate, 0) + amount


class GregoryCount:
    """One STV count with Gregory transfers; `last_parcel` selects the surplus rule.

    WIG: an elected candidate's surplus moves on all the papers they hold, each at
    value * surplus / votes; an excluded candidate's papers all move in one stage at their values.
    Last parcel: only the sub-parcel last received moves, each paper at value * surplus / (value of
    that parcel); an exclusion moves one parcel per stage, highest value first (first preferences
    first), and elected candidates receive no more papers.
    """

    def __init__(
        self,
        ballots: Ballots,
        candidates: list[str],
        active: list[int],
        seats: int,
        scale: Scale,
        threshold: Threshold,
        ties: TieBreaker,
        last_parcel: bool,
    ) -> None:
        self.ballots = ballots
        self.names = candidates
        self.active = active
        self.seats = seats
        self.scale = scale
        self.threshold = threshold
        self.ties = ties
        self.last_parcel = last_parcel
        size = len(candidates)
        self.tally: list[Value] = [0] * size
        self.holdings: list[list[Parcel]] = [[] for _ in range(size)]
        # open_[c]: c may still receive papers; the extra last slot is the padding of the matrix.
        self.open_ = np.zeros(size + 1, dtype=bool)
        self.open_[active] = True
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []
        self.exhausted: Value = 0
        self.loss: Value = 0
        self.rounds: list[Round] = []
        self.history: list[dict[int, Value]] = []
        self._columns = np.arange(ballots.width)

    # -- moving papers ---------------------------------------------------------------------------

    def _route(self, rows: IntArray, pos: IntArray, counts: IntArray, value: Value, step: _Step) -> Value:
        """Give papers to their next open preference after `pos`; return the value moved or exhausted."""
        if len(rows) == 0:
            return 0
        sub = self.ballots.matrix[rows]
        ok = self.open_[sub] & (self._columns[None, :] > pos[:, None])
        nxt = ok.argmax(axis=1)
        picked = np.arange(len(rows))
        has = ok[picked, nxt]
        dest = np.where(has, sub[picked, nxt], -1)
        gone = int(counts[~has].sum()) * value
        self.exhausted += gone
        moved: Value = gone
        for d in np.unique(dest[has]).tolist():
            mask = dest == d
            parcel = Parcel(rows[mask], nxt[mask].astype(np.int64), counts[mask], value, len(self.rounds) + 1)
            amount = parcel.papers * value
            self.holdings[d].append(parcel)
            self.tally[d] += amount
            step.add(d, amount)
            moved += amount
        return moved

    def _start(self) -> None:
        rows = np.arange(self.ballots.matrix.shape[0], dtype=np.int64)
        step = _Step(note="first preferences")
        self._route(rows, np.full(len(rows), -1, dtype=np.int64), self.ballots.counts, self.scale.unit, step)
        step.transfers.clear()  # the first stage moves nothing: its tallies say it all
        self._finish(step)

    def _transfer_surplus(self, candidate: int) -> None:
        total = self.tally[candidate]
        surplus = total - self.threshold.keep
        step = _Step(note=f"surplus of {self.names[candidate]}")
        parcels = self.holdings[candidate]
        if self.last_parcel:
            last = max(p.step for p in parcels)
            parcels = [p for p in parcels if p.step == last]
            total = sum((p.papers * p.value for p in parcels), start=0)
        sent: Value = 0
        for parcel in parcels:
            value = self.scale.ratio(surplus * parcel.value, total)
            sent += self._route(parcel.rows, parcel.pos, parcel.counts, value, step)
        self.holdings[candidate] = []
        self.loss += surplus - sent
        self.tally[candidate] = self.threshold.keep
        step.add(candidate, -surplus)
        self._finish(step)

    def _exclude(self, candidate: int) -> None:
        self.open_[candidate] = False
        self.excluded.append(candidate)
        parcels = sorted(self.holdings[candidate], key=lambda p: p.value, reverse=True)
        self.holdings[candidate] = []
        name = self.names[candidate]
        if not self.last_parcel:
            step = _Step(eliminated=[candidate], note=f"exclusion of {name}")
            for parcel in parcels:
                self._route(parcel.rows, parcel.pos, parcel.counts, parcel.value, step)
            step.add(candidate, -self.tally[candidate])
            self.tally[candidate] = 0
            self._finish(step)
            return
        values = sorted({p.value for p in parcels}, reverse=True) or [self.scale.unit]
        for i, value in enumerate(values):
            step = _Step(eliminated=[candidate] if i == 0 else [])
            step.note = f"exclusion of {name}: papers of value {self.scale.shown(value)}"
            moved: Value = 0
            for parcel in (p for p in parcels if p.value == value):
                moved += parcel.papers * value
                self._route(parcel.rows, parcel.pos, parcel.counts, value, step)
            self.tally[candidate] -= moved
            step.add(candidate, -moved)
            self._finish(step)
            if len(self.elected) >= self.seats:
                return

    # -- stages ----------------------------------------------------------------------------------

    def _hopeful(self) -> list[int]:
        return [c for c in self.active if self.open_[c]]

    def _finish(self, step: _Step) -> None:
        """Elect whoever reached the quota, then record the stage."""
        reached = [c for c in self._hopeful() if self.threshold.reached(self.tally[c])]
        reached.sort(key=lambda c: self.tally[c], reverse=True)
        for c in reached[: self.seats - len(self.elected)]:
            self._elect(c, step)
        self._record(step)

    def _elect(self, candidate: int, step: _Step) -> None:
        self.open_[candidate] = False
        self.elected.append(candidate)
        step.elected.append(candidate)
        if self.tally[candidate] != self.threshold.keep:
            self.pending.append(candidate)

    def _record(self, step: _Step) -> None:
        self.history.append({c: self.tally[c] for c in self.active})
        shown = self.scale.shown
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                tallies={self.names[c]: shown(self.tally[c]) for c in self.active},
                transfers={self.names[c]: shown(v) for c, v in step.transfers.items()},
                exhausted=shown(self.exhausted),
                loss=shown(self.loss),
                elected=[self.names[c] for c in step.elected],
                eliminated=[self.names[c] for c in step.eliminated],
                note=step.note,
            )
        )

    def run(self) -> list[int]:
        """Count to the end and return the elected candidates in order of election."""
        self._start()
        while len(self.elected) < self.seats:
            hopeful = self._hopeful()
            if len(hopeful) <= self.seats - len(self.elected):
                step = _Step(note="continuing candidates fill the remaining seats")
                for c in sorted(hopeful, key=lambda c: self.tally[c], reverse=True):
                    self._elect(c, step)
                self._record(step)
                break
            if self.pending:
                self._transfer_surplus(self._largest_surplus())
            else:
                self._exclude(self._lowest(hopeful))
        return self.elected

    def _largest_surplus(self) -> int:
        best = max(self.tally[c] for c in self.pending)
        tied = [c for c in self.pending if self.tally[c] == best]
        chosen = self.ties.choose(tied, self.history, len(self.rounds) + 1, "surplus order", lowest=False)
        self.pending.remove(chosen)
        return chosen

    def _lowest(self, hopeful: list[int]) -> int:
        least = min(self.tally[c] for c in hopeful)
        tied = [c for c in hopeful if self.tally[c] == least]
        return self.ties.choose(tied, self.history, len(self.rounds) + 1, "exclusion", lowest=True)
