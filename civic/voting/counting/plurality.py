"""Plurality: the candidate with the most first preferences wins.

Ballots are read as strict orders under the rules (an overvoted first rank follows `rules.overvote`),
so a ranked ballot counts for its first valid mark. A ballot with no valid mark is counted as exhausted.
"""

from __future__ import annotations

import numpy as np

from civic.voting.counting.model import Election
from civic.voting.counting.profile import IntArray, strict_table
from civic.voting.counting.result import Result, Round
from civic.voting.counting.rules import Rules
from civic.voting.counting.ties import TieBreaker


def first_preferences(table: IntArray, counts: IntArray, n: int) -> list[int]:
    """Return the first-preference total of each candidate, plus the ballots with none at index n."""
    tops = np.where(table[:, 0] >= 0, table[:, 0], n) if len(table) else np.zeros(0, dtype=np.int64)
    totals = np.zeros(n + 1, dtype=np.int64)
    np.add.at(totals, tops, counts)
    return [int(v) for v in totals]


def tiers(scores: dict[int, int], names: list[str], descending: bool = True) -> list[list[str]]:
    """Group candidates into tiers of equal score, best first (ties stay together, in index order)."""
    values = sorted(set(scores.values()), reverse=descending)
    return [[names[c] for c in scores if scores[c] == v] for v in values]


def count_plurality(election: Election, rules: Rules | None = None) -> Result:
    """Count first preferences; a tie for the most is decided by lot from the seed."""
    rules = rules or Rules()
    names = list(election.candidates)
    n = len(names)
    continuing = [c for c in range(n) if c not in election.withdrawn]
    if not continuing:
        raise ValueError("plurality needs at least one candidate who is not withdrawn")
    table = strict_table(election, rules)
    totals = first_preferences(table.table, table.counts, n)
    scores = {c: totals[c] for c in continuing}
    best = max(scores.values())
    leaders = [c for c in continuing if scores[c] == best]
    ties = TieBreaker(rules, names)
    winner = ties.choose(leaders, (), 1, "plurality winner", lowest=False)
    round_ = Round(
        number=1,
        tallies={names[c]: v for c, v in scores.items()},
        exhausted=totals[n],
        elected=[names[winner]],
    )
    return Result(
        method="plurality",
        candidates=names,
        winners=[names[winner]],
        rules=rules.as_dict(),
        ballots=table.summary,
        rounds=[round_],
        ties=ties.log,
        detail={"ranking": tiers(scores, names)},
    )
