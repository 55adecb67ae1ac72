"""STV with Gregory surplus transfers: weighted inclusive (WIG) or the last parcel received.

Ballot papers travel in parcels: papers of one value held by one candidate. A parcel is a set of cells
of the ballot matrix (each paper's row, at the position of its holder) with counts, so finding every
paper's next continuing preference is one numpy operation per parcel, whatever the number of ballots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.result import Round
from civic.voting.counting.stv_base import Ballots, IntArray, Scale, Threshold, Value
from civic.voting.counting.ties import TieBreaker


@dataclass(slots=True)
class Parcel:
    """Papers of one value held by one candidate, received at one step.

    `cells` are flat indices into the ballot matrix: row * width + the position of the holder.
    """

    cells: npt.NDArray[np.integer[Any]]
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
        # Flat cell indices in the smallest type that holds them (parcels hold one per paper).
        self.cell_type = np.int32 if ballots.matrix.size < 2**31 else np.int64
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []
        self.exhausted: Value = 0
        self.loss: Value = 0
        self.rounds: list[Round] = []
        self.history: list[dict[int, Value]] = []

    # -- moving papers ---------------------------------------------------------------------------

    def _route(
        self, cells: npt.NDArray[np.integer[Any]], counts: IntArray, value: Value, step: _Step
    ) -> Value:
        """Give papers to their next open preference after `cells`; return the value moved or exhausted."""
        if len(cells) == 0:
            return 0
        pad = self.ballots.pad
        flat = self.ballots.matrix.reshape(-1)
        # passed[d]: a paper reaching d goes on (d is closed and not the padding, where papers stop).
        passed = ~self.open_
        passed[pad] = False
        # Walk each paper along its ranking until an open candidate or the padding (every row ends in
        # padding): most papers need one step, so this touches far fewer cells than the whole rows.
        # Cells are flat indices into the matrix, so each step is a one-dimensional `take`.
        cell = cells + 1
        dest = flat.take(cell)
        pending = np.flatnonzero(passed.take(dest))
        while pending.size:
            cell[pending] += 1
            dest[pending] = flat.take(cell.take(pending))
            pending = pending[passed.take(dest.take(pending))]
        # Group the papers by destination: a stable sort of small integers is a radix sort (cheap, and
        # papers keep their order); each group is then a slice of the sorted arrays.
        order = np.argsort(dest, kind="stable")
        sizes = np.bincount(dest, minlength=pad + 1)
        ends = np.cumsum(sizes)
        present = np.flatnonzero(sizes)
        starts = (ends - sizes)[present]
        cell, counts = cell.take(order), counts.take(order)
        papers = np.add.reduceat(counts, starts)
        moved: Value = 0
        groups = zip(present.tolist(), starts.tolist(), ends[present].tolist(), papers.tolist(), strict=True)
        for d, start, stop, paper in groups:
            amount = paper * value
            moved += amount
            if d == pad:
                self.exhausted += amount
                continue
            # Copies, so that a parcel does not keep the whole route's arrays alive.
            parcel = Parcel(cell[start:stop].copy(), counts[start:stop].copy(), value, len(self.rounds) + 1)
            self.holdings[d].append(parcel)
            self.tally[d] += amount
            step.add(d, amount)
        return moved

    def _route_parcels(self, parcels: list[tuple[Parcel, Value]], step: _Step) -> Value:
        """Route parcels, each at its new value; parcels of equal value travel together (same result)."""
        by_value: dict[Value, list[Parcel]] = {}
        for parcel, value in parcels:
            by_value.setdefault(value, []).append(parcel)
        moved: Value = 0
        for value, group in by_value.items():
            if len(group) == 1:
                cells, counts = group[0].cells, group[0].counts
            else:
                cells = np.concatenate([p.cells for p in group])
                counts = np.concatenate([p.counts for p in group])
            moved += self._route(cells, counts, value, step)
        return moved

    def _start(self) -> None:
        rows, width = self.ballots.matrix.shape
        # Every paper starts just before its first preference: the cell before its row's first.
        cells: npt.NDArray[np.integer[Any]] = np.arange(-1, rows * width - 1, width, dtype=self.cell_type)
        step = _Step(note="first preferences")
        self._route(cells, self.ballots.counts, self.scale.unit, step)
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
        sent = self._route_parcels([(p, self.scale.ratio(surplus * p.value, total)) for p in parcels], step)
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
            self._route_parcels([(p, p.value) for p in parcels], step)
            step.add(candidate, -self.tally[candidate])
            self.tally[candidate] = 0
            self._finish(step)
            return
        values = sorted({p.value for p in parcels}, reverse=True) or [self.scale.unit]
        for i, value in enumerate(values):
            step = _Step(eliminated=[candidate] if i == 0 else [])
            step.note = f"exclusion of {name}: papers of value {self.scale.shown(value)}"
            group = [p for p in parcels if p.value == value]
            moved: Value = sum((p.papers * value for p in group), start=0)
            self._route_parcels([(p, value) for p in group], step)
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
