"""Multi-winner STV: Gregory on the last parcel, weighted inclusive Gregory (Scotland), or Meek.

The count works on the merged profile (distinct rankings with counts) packed into a numpy matrix, so its
cost follows the number of distinct rankings and stages, not the number of ballots cast.
"""

from __future__ import annotations

from typing import Any

from civic.voting.counting.model import Election
from civic.voting.counting.profile import strict_table
from civic.voting.counting.result import Result, number_json
from civic.voting.counting.rules import Rules
from civic.voting.counting.stv_base import Scale, ballot_matrix, quota_total, threshold
from civic.voting.counting.stv_gregory import GregoryCount
from civic.voting.counting.stv_meek import MeekCount
from civic.voting.counting.ties import TieBreaker

MEEK_PLACES = 9


def count_stv(election: Election, rules: Rules | None = None, seats: int | None = None) -> Result:
    """Count a multi-winner STV election under `rules.surplus` (seats default to election.seats).

    Each Round is one stage: first preferences, one surplus transfer, one exclusion (or, on the last
    parcel, one parcel of an exclusion), or, for Meek, one settled iteration ending in an election or an
    exclusion. Round.exhausted and Round.loss are running totals, so in every round the tallies plus
    exhausted plus loss equal the valid ballots exactly. Fixed-point counts show Decimals; exact counts
    show ints and Fractions.
    """
    rules = rules or Rules()
    seats = election.seats if seats is None else seats
    if seats < 1:
        raise ValueError(f"STV needs at least one seat, not {seats}")
    table = strict_table(election, rules)
    ballots = ballot_matrix(table)
    summary, total = table.summary, quota_total(rules, table)
    del table  # the count keeps its own copy of the rankings
    candidates = list(election.candidates)
    active = [c for c in range(len(candidates)) if c not in election.withdrawn]
    ties = TieBreaker(rules, candidates)
    detail: dict[str, Any] = {"surplus": rules.surplus}
    if rules.surplus == "meek":
        places = MEEK_PLACES if rules.decimals is None else rules.decimals
        meek = MeekCount(
            ballots,
            candidates,
            active,
            seats,
            places,
            summary.valid,
            hare=rules.quota.startswith("hare"),
            ties=ties,
        )
        elected = meek.run()
        rounds = meek.rounds
        scale = meek.scale
        detail.update(
            places=places,
            quota_by_round=[number_json(scale.shown(q)) for q in meek.quotas],
            iterations_by_round=meek.iterations,
            keep_values=meek.keep_values(),
        )
    else:
        scale = Scale(rules.decimals)
        limit = threshold(rules, total, seats, scale)
        gregory = GregoryCount(
            ballots,
            candidates,
            active,
            seats,
            scale,
            limit,
            ties,
            last_parcel=rules.surplus == "gregory-last-parcel",
        )
        elected = gregory.run()
        rounds = gregory.rounds
        detail.update(
            quota=number_json(limit.quota),
            quota_total=total,
            places=rules.decimals,
        )
    return Result(
        method="stv",
        candidates=candidates,
        winners=[candidates[c] for c in elected],
        rules=rules.as_dict(),
        ballots=summary,
        rounds=rounds,
        ties=ties.log,
        detail=detail,
        seats=seats,
    )
