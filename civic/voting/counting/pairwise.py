"""The pairwise (head-to-head) matrix that every Condorcet method starts from.

Ballots are read keeping equal ranks: a ballot prefers a to b when it ranks a strictly above b. Equal
ranks express no preference; a candidate the ballot leaves out is below every ranked one and equal to
the other left-out candidates. Withdrawn candidates take no part (their rows and columns are 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.model import Election
from civic.voting.counting.profile import Array, IntArray, weak_levels
from civic.voting.counting.result import BallotSummary
from civic.voting.counting.rules import Rules


def pairwise_matrix(levels: IntArray, counts: Array) -> Array:
    """Return P with P[a, b] = the weighted ballots ranking a strictly above b (levels as LevelTable)."""
    n = levels.shape[1]
    matrix = np.zeros((n, n), dtype=np.int64)
    small = np.int8 if n < 127 else np.int16 if n < 32767 else np.int64
    by_candidate = np.ascontiguousarray(levels.T, dtype=small)
    # Rankings cast once (count 1) are counted with count_nonzero, which is many times faster than
    # a weighted sum; the others, with an exact integer dot product.
    single = counts == 1
    if bool(single.all()):
        groups: list[tuple[npt.NDArray[Any], Array | None]] = [(by_candidate, None)]
    else:
        groups = [(by_candidate[:, single], None), (by_candidate[:, ~single], counts[~single])]
    for part, weights in groups:
        if part.shape[1] == 0:
            continue
        for a in range(n):
            for b in range(n):
                if a != b:
                    above = part[a] < part[b]
                    if weights is None:
                        matrix[a, b] += np.count_nonzero(above)
                    else:
                        matrix[a, b] += int(np.dot(above.astype(np.int64), weights))
    return matrix


@dataclass(slots=True)
class Contest:
    """Everything a pairwise method needs: names, standing candidates, the matrix, the ballot summary."""

    names: list[str]
    standing: list[int]
    pairwise: Array
    summary: BallotSummary

    @property
    def margins(self) -> Array:
        """Return M with M[a, b] = P[a, b] - P[b, a]."""
        return self.pairwise - self.pairwise.T

    def beats(self, a: int, b: int) -> bool:
        return bool(self.pairwise[a, b] > self.pairwise[b, a])


def contest(election: Election, rules: Rules) -> Contest:
    """Read the ballots and build the pairwise matrix over the candidates not withdrawn."""
    names = list(election.candidates)
    standing = [c for c in range(len(names)) if c not in election.withdrawn]
    if not standing:
        raise ValueError("a pairwise count needs at least one candidate who is not withdrawn")
    table = weak_levels(election, rules)
    matrix = pairwise_matrix(table.levels, table.counts)
    out = np.ones(len(names), dtype=bool)
    out[standing] = False
    matrix[out, :] = 0
    matrix[:, out] = 0
    return Contest(names, standing, matrix, table.summary)


def condorcet_winner_of(contest: Contest) -> int | None:
    """Return the standing candidate who beats every other one head to head, if there is one."""
    for a in contest.standing:
        if all(contest.beats(a, b) for b in contest.standing if b != a):
            return a
    return None
