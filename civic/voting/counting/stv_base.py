"""What every STV surplus method shares: the ballot matrix, the quota, exact numbers, round records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.model import small_int
from civic.voting.counting.profile import RankingTable, padded
from civic.voting.counting.result import Number
from civic.voting.counting.rules import Rules

IntArray = npt.NDArray[np.int64]

# A value held in the count: a scaled integer in fixed point, or an exact int/Fraction.
Value = int | Fraction


@dataclass(frozen=True, slots=True)
class Scale:
    """Fixed point with `places` decimals (values are integers times 10**-places), or exact (None)."""

    places: int | None

    @property
    def unit(self) -> int:
        return 1 if self.places is None else 10**self.places

    def ratio(self, numerator: Value, denominator: Value) -> Value:
        """Return numerator/denominator, truncated to the scale (values are non-negative)."""
        if self.places is None:
            return Fraction(numerator) / denominator
        # Operands are scaled integers: a scaled product over a scaled number stays scaled.
        return int(numerator // denominator)

    def shown(self, value: Value) -> Number:
        """Return a value as the Result shows it: a Decimal in fixed point, else int or Fraction."""
        if self.places is not None:
            # Built from its digits, so exact at any size and always shown with all its places.
            whole = int(value)
            return Decimal((int(whole < 0), tuple(int(d) for d in str(abs(whole))), -self.places))
        if isinstance(value, Fraction) and value.denominator == 1:
            return value.numerator
        return value


@dataclass(frozen=True, slots=True)
class Ballots:
    """Distinct rankings as a padded matrix: row r lists candidate indices, then `pad` (= #candidates).

    `matrix` uses the smallest signed integer type that holds the padding (numpy sorts such small
    integers by radix, which routing papers to their destinations relies on for speed).
    """

    matrix: npt.NDArray[np.integer[Any]]
    counts: IntArray
    pad: int

    @property
    def width(self) -> int:
        return int(self.matrix.shape[1])


def ballot_matrix(table: RankingTable) -> Ballots:
    """Pack a ranking table into the count's matrix (padding holds the candidate count)."""
    pad = len(table.candidates)
    matrix = padded(table.table.astype(small_int(pad), copy=False), pad)
    return Ballots(np.ascontiguousarray(matrix), table.counts.astype(np.int64, copy=False), pad)


@dataclass(frozen=True, slots=True)
class Threshold:
    """The quota and the test for reaching it, on the count's scale.

    `keep` is what an elected candidate retains once the surplus (votes - keep) has gone on; a candidate
    is elected on reaching `keep` (or exceeding it, for the exact Droop quota, where equal is not enough).
    """

    quota: Number
    keep: Value
    strict: bool

    def reached(self, votes: Value) -> bool:
        return votes > self.keep if self.strict else votes >= self.keep


def quota_value(rules: Rules, total: int, seats: int) -> Number:
    """Return the quota for `total` votes and `seats` seats, in whole votes.

    droop: floor(total/(seats+1)) + 1; droop-exact: total/(seats+1), to be exceeded;
    hare: floor(total/seats); hare-exact: total/seats.
    """
    if rules.quota == "droop":
        return total // (seats + 1) + 1
    if rules.quota == "droop-exact":
        return Fraction(total, seats + 1)
    if rules.quota == "hare":
        return total // seats
    return Fraction(total, seats)


def threshold(rules: Rules, total: int, seats: int, scale: Scale) -> Threshold:
    """Return the quota and its test on the count's scale."""
    quota = quota_value(rules, total, seats)
    strict = rules.quota == "droop-exact"
    scaled = Fraction(quota) * scale.unit
    if scale.places is None:
        keep: Value = scaled.numerator if scaled.denominator == 1 else scaled
    elif strict:
        # Tallies are whole units: exceeding q is reaching floor(q) + 1 unit.
        keep, strict = floor(scaled) + 1, False
    else:
        keep = -((-scaled.numerator) // scaled.denominator)
    return Threshold(quota, keep, strict)


def quota_total(rules: Rules, table: RankingTable) -> int:
    """Return the vote total the quota is computed on (see Rules.quota_basis)."""
    if rules.quota_basis == "continuing":
        # Votes for candidates at the first round: valid ballots less those with no usable mark.
        return int(table.counts[table.table[:, 0] >= 0].sum())
    return table.summary.valid
