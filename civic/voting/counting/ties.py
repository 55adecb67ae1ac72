"""Tie-breaking: earlier rounds first, then lot drawn from a printed seed; every decision logged."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from civic.voting.counting.result import Number, TieBreakRecord
from civic.voting.counting.rules import Rules


class TieBreaker:
    """Resolve ties for one count and keep the log that goes into the Result."""

    def __init__(self, rules: Rules, candidates: Sequence[str]) -> None:
        self.rules = rules
        self.candidates = list(candidates)
        self.log: list[TieBreakRecord] = []
        # One generator per count, seeded once: the same seed and ballots give the same draws.
        self._random = random.Random(rules.seed)  # noqa: S311 - a reproducible public draw, not a secret

    def choose(
        self,
        tied: Sequence[int],
        history: Sequence[Mapping[int, Number]],
        round_number: int,
        purpose: str,
        lowest: bool,
    ) -> int:
        """Pick one of `tied` (candidate indices): the lowest (to eliminate) or highest (to elect).

        `history` holds the tallies of earlier rounds, oldest first. With "backwards-then-lot" the
        most recent round where the tied candidates differ decides; "forwards-then-lot" looks from
        the first round (the Scottish rule); "lot" draws at once.
        """
        candidates = sorted(tied)
        if len(candidates) == 1:
            return candidates[0]
        how = ""
        remaining = candidates
        if self.rules.tie_break != "lot":
            order = (
                range(len(history))
                if self.rules.tie_break == "forwards-then-lot"
                else reversed(range(len(history)))
            )
            for i in order:
                tally = history[i]
                values = [tally.get(c, 0) for c in remaining]
                target = min(values) if lowest else max(values)
                narrowed = [c for c, v in zip(remaining, values, strict=True) if v == target]
                if len(narrowed) < len(remaining):
                    remaining = narrowed
                    how = f"round {i + 1}"
                    if len(remaining) == 1:
                        break
        if len(remaining) > 1:
            chosen = self._random.choice(remaining)
            how = (how + ", then " if how else "") + f"lot (seed {self.rules.seed})"
        else:
            chosen = remaining[0]
        self.log.append(
            TieBreakRecord(
                round=round_number,
                tied=[self.candidates[c] for c in candidates],
                chosen=self.candidates[chosen],
                purpose=purpose,
                how=how,
            )
        )
        return chosen

    def order(self, tied: Sequence[int], round_number: int, purpose: str) -> list[int]:
        """Order tied candidates entirely by lot (for methods with no rounds to look back on)."""
        remaining = sorted(tied)
        ordered: list[int] = []
        while remaining:
            pick = self.choose(remaining, (), round_number, purpose, lowest=False)
            ordered.append(pick)
            remaining.remove(pick)
        return ordered
