"""Borda count, with an explicit rule for ballots that rank only some candidates.

With m candidates standing (withdrawn ones are not counted), a complete strict ballot gives m-1 points
to its first choice, m-2 to its second, ... and 0 to its last. For a candidate c on a ballot let
a = the number of candidates ranked strictly above c, e = the number ranked equal with c, and k = the
number of candidates the ballot ranks. Candidates at equal rank share the positions they span, so a
tier spanning positions a..a+e gets the average of their points. `rules.borda` decides the rest:

- "zero-below": a ranked candidate gets m-1-a-e/2; an unranked one gets 0. A ballot ranking A then
  B among 5 gives A 4, B 3, the others 0 (the "domination" Borda score of pref_voting).
- "average-below": the unranked candidates form a last tier that shares the remaining points, so
  every candidate, ranked or not, gets m-1-a-e/2. A then B among 5 gives A 4, B 3, the others 1 each
  (an affine image of pref_voting's "symmetric" Borda score).
- "pessimistic": the modified Borda count: points run from k down to 1 over the ranked candidates,
  so a ranked candidate gets k-a-e/2 and an unranked one 0. A then B among 5 gives A 2, B 1.

On complete ballots the three rules give the same scores up to a constant per ballot, so the same
winner. Scores are exact: halves appear only with equal ranks or "average-below".
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from civic.voting.counting.model import Election
from civic.voting.counting.plurality import tiers
from civic.voting.counting.profile import Array, IntArray, weak_levels
from civic.voting.counting.result import Number, Result, Round, number_json
from civic.voting.counting.rules import BordaTruncation, Rules
from civic.voting.counting.ties import TieBreaker


def doubled_scores(levels: IntArray, counts: Array, rule: BordaTruncation) -> Array:
    """Return twice each column's Borda score over the weighted rankings (levels as in LevelTable).

    `levels` holds only the standing candidates; a level equal to the column count or more is
    "unranked".
    """
    rows, m = levels.shape
    total = np.zeros(m, dtype=np.int64)
    # Blocks of rows: the sums are exact in any grouping, and memory stays small for millions of rows
    # (each block's int64 temporaries take about 6 MB).
    block = 1 << 14
    for start in range(0, rows, block):
        total += _doubled_block(levels[start : start + block], counts[start : start + block], rule)
    return total


def _doubled_block(levels: IntArray, counts: Array, rule: BordaTruncation) -> Array:
    rows, m = levels.shape
    clipped = np.minimum(levels, m)
    # per_level[d, l] = candidates of ranking d at level l (level m holds the unranked ones).
    per_level = np.zeros((rows, m + 1), dtype=np.int64)
    np.add.at(per_level, (np.arange(rows)[:, None], clipped), 1)
    above_level = np.cumsum(per_level, axis=1) - per_level
    above = np.take_along_axis(above_level, clipped, axis=1)
    equal = np.take_along_axis(per_level, clipped, axis=1) - 1
    ranked = clipped < m
    if rule == "zero-below":
        points = np.where(ranked, 2 * (m - 1 - above) - equal, 0)
    elif rule == "average-below":
        points = 2 * (m - 1 - above) - equal
    elif rule == "pessimistic":
        k = (m - per_level[:, m])[:, None]
        points = np.where(ranked, 2 * (k - above) - equal, 0)
    else:
        raise ValueError(f"unknown Borda truncation rule {rule!r}")
    return np.asarray(counts @ points, dtype=np.int64)


def count_borda(election: Election, rules: Rules | None = None) -> Result:
    """Count Borda points under `rules.borda`; a tie for the most is decided by lot from the seed."""
    rules = rules or Rules()
    names = list(election.candidates)
    standing = [c for c in range(len(names)) if c not in election.withdrawn]
    if not standing:
        raise ValueError("Borda needs at least one candidate who is not withdrawn")
    table = weak_levels(election, rules)
    # Withdrawn candidates are never ranked, so every ranked level of a standing candidate is below m.
    doubled = doubled_scores(table.levels[:, standing], table.counts, rules.borda)
    halves = {c: int(v) for c, v in zip(standing, doubled, strict=True)}
    scores: dict[int, Number] = {c: Fraction(v, 2) if v % 2 else v // 2 for c, v in halves.items()}
    best = max(halves.values())
    ties = TieBreaker(rules, names)
    winner = ties.choose([c for c in standing if halves[c] == best], (), 1, "Borda winner", lowest=False)
    return Result(
        method="borda",
        candidates=names,
        winners=[names[winner]],
        rules=rules.as_dict(),
        ballots=table.summary,
        rounds=[Round(1, {names[c]: v for c, v in scores.items()}, elected=[names[winner]])],
        ties=ties.log,
        detail={
            "truncation": rules.borda,
            "scores": {names[c]: number_json(v) for c, v in scores.items()},
            "ranking": tiers(halves, names),
        },
    )
