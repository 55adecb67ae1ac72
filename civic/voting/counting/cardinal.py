"""Cardinal methods on score ballots: approval, score (range), STAR and majority judgment.

Conventions shared by all four methods:

- Every ballot is valid; a score outside `min_score..max_score`, or a ballot whose length differs
  from the candidate list, raises ValueError (a poll must not accept such a ballot in the first place).
- A blank (None) is never skipped silently: each method states how it reads one. Approval: not
  approved. Score: `blank_as` (default `min_score`). STAR and majority judgment: the lowest score or
  grade, as the STAR specification and Balinski–Laraki prescribe for unrated candidates.
- Identical ballots are merged first and every tally is an exact integer computed with numpy on the
  merged ballots; averages and shares are Fractions (decimal strings in JSON).
- `detail["distribution"][name]` counts, for each value of `detail["scale"]` in order, the ballots
  giving that candidate that score, and `detail["blanks"][name]` the ballots leaving it blank.
- With several seats, approval, score and majority judgment elect the top `seats` candidates; STAR
  elects them one at a time (Bloc STAR: repeat STAR without the candidates already elected).
- Ties the method itself cannot resolve are decided by lot from `rules.seed` through the TieBreaker,
  and every decision is logged in `Result.ties`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cmp_to_key
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

from civic.voting.counting.model import ScoreElection
from civic.voting.counting.result import BallotSummary, Number, Result, Round, TieBreakRecord, number_json
from civic.voting.counting.rules import Rules
from civic.voting.counting.ties import TieBreaker

IntArray = npt.NDArray[np.int64]


@dataclass(slots=True)
class _Table:
    """The distinct ballots as a matrix (blank = min_score - 1) with their multiplicities."""

    scores: IntArray  # (distinct ballots, candidates)
    counts: IntArray  # (distinct ballots,)
    blank: int
    summary: BallotSummary

    def filled(self, value: int) -> IntArray:
        """Return the scores with every blank read as `value`."""
        return np.where(self.scores == self.blank, value, self.scores)


def _table(election: ScoreElection) -> _Table:
    """Validate the ballots and merge identical ones."""
    if not election.candidates:
        raise ValueError("an election needs at least one candidate")
    if election.min_score >= election.max_score:
        raise ValueError(f"empty score scale {election.min_score}..{election.max_score}")
    if election.seats < 1:
        raise ValueError(f"seats must be at least 1, not {election.seats}")
    width = len(election.candidates)
    if any(ballot.count < 0 for ballot in election.ballots):
        raise ValueError("a ballot count is negative")
    merged: Counter[tuple[int | None, ...]] = Counter()
    for ballot in election.ballots:
        merged[ballot.scores] += ballot.count
    keys = list(merged)
    for scores in keys:
        if len(scores) != width:
            raise ValueError(f"ballot has {len(scores)} scores for {width} candidates: {scores}")
    # One pass over the distinct ballots as an object array: cheaper than a Python loop per score.
    cells = np.array(keys, dtype=object).reshape(len(keys), width)
    blanks: npt.NDArray[np.bool_] = cells == None  # noqa: E711 (elementwise on an object array)
    values = np.where(blanks, election.min_score, cells).astype(np.int64)
    outside = ~blanks & ((values < election.min_score) | (values > election.max_score) | (values != cells))
    if outside.any():
        bad = keys[int(np.flatnonzero(outside.any(axis=1))[0])]
        raise ValueError(f"a score lies outside the scale {election.min_score}..{election.max_score}: {bad}")
    blank = election.min_score - 1
    counts = np.array(list(merged.values()), dtype=np.int64)
    cast = int(counts.sum())
    summary = BallotSummary(cast=cast, valid=cast, set_aside=0, distinct=len(keys))
    return _Table(np.where(blanks, blank, values), counts, blank, summary)


def _distribution(table: _Table, election: ScoreElection) -> tuple[list[list[int]], list[int]]:
    """Return per candidate the ballot count for each scale value, and the blank count."""
    scale = range(election.min_score, election.max_score + 1)
    per_value = np.stack([table.counts @ (table.scores == v) for v in scale], axis=1)
    blanks = table.counts @ (table.scores == table.blank)
    return [[int(x) for x in row] for row in per_value], [int(x) for x in blanks]


def _base_detail(table: _Table, election: ScoreElection) -> dict[str, Any]:
    distribution, blanks = _distribution(table, election)
    names = election.candidates
    return {
        "scale": list(range(election.min_score, election.max_score + 1)),
        "distribution": dict(zip(names, distribution, strict=True)),
        "blanks": dict(zip(names, blanks, strict=True)),
    }


def _by_name(names: Sequence[str], values: Sequence[Number]) -> dict[str, int | str]:
    return {n: number_json(v) for n, v in zip(names, values, strict=True)}


def _top(values: Sequence[Number], seats: int, breaker: TieBreaker, purpose: str) -> list[int]:
    """Return the `seats` candidates with the highest values, highest first; lot at the cut-off."""
    levels = sorted(set(values), reverse=True)
    chosen: list[int] = []
    for level in levels:
        tied = [c for c, v in enumerate(values) if v == level]
        need = seats - len(chosen)
        if len(tied) <= need:
            chosen.extend(tied)
        else:
            while len(chosen) < seats:
                pick = breaker.choose(tied, (), 1, purpose, lowest=False)
                chosen.append(pick)
                tied.remove(pick)
        if len(chosen) >= seats:
            break
    return chosen


def _result(
    method: str,
    election: ScoreElection,
    rules: Rules,
    table: _Table,
    winners: Sequence[int],
    rounds: list[Round],
    breaker: TieBreaker,
    detail: dict[str, Any],
    seats: int,
    pairwise: list[list[int]] | None = None,
) -> Result:
    return Result(
        method=method,
        candidates=list(election.candidates),
        winners=[election.candidates[c] for c in winners],
        rules=rules.as_dict(),
        ballots=table.summary,
        rounds=rounds,
        ties=breaker.log,
        pairwise=pairwise,
        detail=detail,
        seats=seats,
    )


def _seats(election: ScoreElection) -> int:
    return min(election.seats, len(election.candidates))


def count_approval(election: ScoreElection, rules: Rules | None = None) -> Result:
    """Elect the `seats` candidates approved on the most ballots.

    A score above `min_score` is an approval (on the 0..1 approval scale: a 1); a blank or the
    minimum is not. Ties at the cut-off are decided by lot.
    """
    rules = rules or Rules()
    table = _table(election)
    names = election.candidates
    approvals = [int(x) for x in table.counts @ (table.scores > election.min_score)]
    breaker = TieBreaker(rules, names)
    seats = _seats(election)
    winners = _top(approvals, seats, breaker, "elect (most approvals)")
    cast = table.summary.cast
    detail = _base_detail(table, election)
    detail["approvals"] = dict(zip(names, approvals, strict=True))
    detail["shares"] = _by_name(names, [Fraction(a, cast) for a in approvals]) if cast else {}
    detail["approval_rule"] = f"a score above {election.min_score} approves; a blank does not"
    rounds = [Round(1, dict(zip(names, approvals, strict=True)), elected=[names[c] for c in winners])]
    return _result("approval", election, rules, table, winners, rounds, breaker, detail, seats)


def count_score(election: ScoreElection, rules: Rules | None = None, blank_as: int | None = None) -> Result:
    """Elect the `seats` candidates with the highest total score (score or range voting).

    A blank counts as `blank_as` (default `min_score`), so every candidate is scored on every ballot
    and totals and averages rank alike. Ties at the cut-off are decided by lot.
    """
    rules = rules or Rules()
    blank_value = election.min_score if blank_as is None else blank_as
    if not election.min_score <= blank_value <= election.max_score:
        raise ValueError(
            f"blank_as={blank_value} lies outside the scale {election.min_score}..{election.max_score}"
        )
    table = _table(election)
    names = election.candidates
    totals = [int(x) for x in table.counts @ table.filled(blank_value)]
    breaker = TieBreaker(rules, names)
    seats = _seats(election)
    winners = _top(totals, seats, breaker, "elect (highest total score)")
    cast = table.summary.cast
    detail = _base_detail(table, election)
    detail["totals"] = dict(zip(names, totals, strict=True))
    detail["averages"] = _by_name(names, [Fraction(t, cast) for t in totals]) if cast else {}
    detail["blank_as"] = blank_value
    rounds = [Round(1, dict(zip(names, totals, strict=True)), elected=[names[c] for c in winners])]
    return _result("score", election, rules, table, winners, rounds, breaker, detail, seats)


# ---------------------------------------------------------------------------------------------------
# STAR


def _preferences(filled: IntArray, counts: IntArray) -> IntArray:
    """Return P with P[a][b] = ballots scoring a above b."""
    width = filled.shape[1]
    return (
        np.stack([counts @ (filled[:, [a]] > filled) for a in range(width)])
        if width
        else np.zeros((0, 0), np.int64)
    )


class _StarTies:
    """The Official STAR Tiebreaker Protocol (starvoting.org/ties) for one count, logged."""

    def __init__(
        self, prefer: IntArray, totals: Sequence[int], fives: Sequence[int], breaker: TieBreaker
    ) -> None:
        self.prefer = prefer
        self.totals = totals
        self.fives = fives
        self.breaker = breaker

    def _log(
        self, round_number: int, tied: Sequence[int], chosen: Sequence[int], purpose: str, how: str
    ) -> None:
        names = self.breaker.candidates
        for c in chosen:
            self.breaker.log.append(
                TieBreakRecord(round_number, [names[t] for t in sorted(tied)], names[c], purpose, how)
            )

    def _lot(
        self,
        round_number: int,
        tied: Sequence[int],
        pool: list[int],
        need: int,
        purpose: str,
        steps: list[str],
    ) -> list[int]:
        picks: list[int] = []
        for _ in range(need):
            pick = self.breaker.choose(pool, (), round_number, purpose, lowest=False)
            record = self.breaker.log[-1]
            record.tied = [self.breaker.candidates[t] for t in sorted(tied)]
            record.how = ", then ".join([*steps, record.how])
            picks.append(pick)
            pool.remove(pick)
        return picks

    def advance(self, tied: Sequence[int], need: int, round_number: int) -> list[int]:
        """Choose `need` of the candidates tied on total score to advance to the runoff.

        Step 1, repeated: among the tied, eliminate those who lost the most head-to-head matchups
        (a matchup is lost when more ballots score the other candidate higher); if that would leave
        fewer than `need`, the others advance and the tie continues among the eliminated. Step 2: more
        five-star (maximum score) ratings beats fewer; a group still tied goes back to step 1. Step 3:
        lot.
        """
        purpose = "advance to the runoff"
        pool = sorted(tied)
        chosen: list[int] = []
        steps: list[str] = []
        while need > 0 and len(pool) > need:
            losses = {c: sum(1 for d in pool if self.prefer[d, c] > self.prefer[c, d]) for c in pool}
            if len(set(losses.values())) > 1:
                step = "fewest head-to-head matchups lost"
                worst = max(losses.values())
                survivors = [c for c in pool if losses[c] < worst]
                if len(survivors) >= need:
                    pool = survivors
                else:
                    self._log(round_number, tied, survivors, purpose, ", then ".join([*steps, step]))
                    chosen += survivors
                    need -= len(survivors)
                    pool = [c for c in pool if losses[c] == worst]
                steps.append(step)
                continue
            if len({self.fives[c] for c in pool}) > 1:
                step = "most five-star ratings"
                for level in sorted({self.fives[c] for c in pool}, reverse=True):
                    group = [c for c in pool if self.fives[c] == level]
                    if len(group) > need:
                        pool = group
                        break
                    self._log(round_number, tied, group, purpose, ", then ".join([*steps, step]))
                    chosen += group
                    need -= len(group)
                steps.append(step)
                continue
            picks = self._lot(round_number, tied, pool, need, purpose, steps)
            return chosen + picks
        if need > 0:
            self._log(round_number, tied, pool, purpose, ", then ".join(steps))
            chosen += pool
        return chosen

    def runoff(self, a: int, b: int, round_number: int) -> int:
        """Break a runoff tie: higher total score, then more five-star ratings, then lot."""
        purpose = "win the runoff"
        for step, values in (("higher total score", self.totals), ("most five-star ratings", self.fives)):
            if values[a] != values[b]:
                winner = a if values[a] > values[b] else b
                self._log(round_number, (a, b), (winner,), purpose, f"runoff tied; {step}")
                return winner
        return self._lot(
            round_number,
            (a, b),
            [a, b],
            1,
            purpose,
            ["runoff tied", "total score tied", "five-star ratings tied"],
        )[0]


def _finalists(active: Sequence[int], totals: Sequence[int], ties: _StarTies, round_number: int) -> list[int]:
    """Return the two highest totals among `active` (all of them if fewer), ties per protocol."""
    slots = min(2, len(active))
    chosen: list[int] = []
    for level in sorted({totals[c] for c in active}, reverse=True):
        tied = [c for c in active if totals[c] == level]
        need = slots - len(chosen)
        chosen += tied if len(tied) <= need else ties.advance(tied, need, round_number)
        if len(chosen) == slots:
            break
    return chosen


def count_star(election: ScoreElection, rules: Rules | None = None) -> Result:
    """Elect by STAR (Score Then Automatic Runoff); several seats by Bloc STAR.

    Scoring round: the two highest total scores advance (a blank scores `min_score`). Runoff: the
    finalist scored higher on more ballots wins; ballots scoring both equally are "no preference"
    (`Round.exhausted`). Ties follow the Official STAR Tiebreaker Protocol (starvoting.org/ties):
    scoring-round ties by head-to-head matchups then five-star (`max_score`) ratings, runoff ties by
    total score then five-star ratings, then lot from `rules.seed` (see `_StarTies.advance`). These
    steps belong to STAR and apply whatever `rules.tie_break` says; only the lot uses the rules.
    """
    rules = rules or Rules()
    table = _table(election)
    names = election.candidates
    filled = table.filled(election.min_score)
    totals = [int(x) for x in table.counts @ filled]
    fives = [int(x) for x in table.counts @ (filled == election.max_score)]
    prefer = _preferences(filled, table.counts)
    breaker = TieBreaker(rules, names)
    ties = _StarTies(prefer, totals, fives, breaker)
    seats = _seats(election)
    cast = table.summary.cast
    active = list(range(len(names)))
    winners: list[int] = []
    rounds: list[Round] = []
    runoffs: list[dict[str, Any]] = []
    while len(winners) < seats:
        scoring = len(rounds) + 1
        finalists = _finalists(active, totals, ties, scoring)
        left_out = [names[c] for c in active if c not in finalists]
        rounds.append(
            Round(
                scoring,
                {names[c]: totals[c] for c in active},
                eliminated=left_out,
                note="scoring round: " + " and ".join(names[c] for c in finalists) + " advance",
            )
        )
        if len(finalists) == 1:
            winner = finalists[0]
            rounds[-1].elected = [names[winner]]
            rounds[-1].note = f"scoring round: {names[winner]} is the only candidate left"
        else:
            a, b = finalists
            for_a, for_b = int(prefer[a, b]), int(prefer[b, a])
            winner = a if for_a > for_b else b if for_b > for_a else ties.runoff(a, b, scoring + 1)
            loser = b if winner == a else a
            equal = cast - for_a - for_b
            rounds.append(
                Round(
                    scoring + 1,
                    {names[a]: for_a, names[b]: for_b},
                    exhausted=equal,
                    elected=[names[winner]],
                    eliminated=[names[loser]],
                    note=f"automatic runoff: {equal} ballots score both finalists equally (no preference)",
                )
            )
            runoffs.append(
                {
                    "finalists": [names[a], names[b]],
                    "preferred": {names[a]: for_a, names[b]: for_b},
                    "no_preference": equal,
                    "winner": names[winner],
                }
            )
        winners.append(winner)
        active.remove(winner)
    detail = _base_detail(table, election)
    detail["totals"] = dict(zip(names, totals, strict=True))
    detail["averages"] = _by_name(names, [Fraction(t, cast) for t in totals]) if cast else {}
    detail["five_star"] = dict(zip(names, fives, strict=True))
    detail["runoffs"] = runoffs
    pairwise = [[int(x) for x in row] for row in prefer]
    return _result("star", election, rules, table, winners, rounds, breaker, detail, seats, pairwise)


# ---------------------------------------------------------------------------------------------------
# Majority judgment


def _removal_position(index: int, n: int) -> int:
    """Return how many median grades are removed before the grade at sorted `index` is the median.

    Balinski–Laraki read n sorted grades from the lower median c = (n - 1) // 2 outwards: c, c-1, c+1,
    c-2, c+2, ... for odd n and c, c+1, c-1, c+2, c-2, ... for even n (the lower median of what is
    left after each removal).
    """
    centre = (n - 1) // 2
    distance = abs(index - centre)
    if distance == 0:
        return 0
    lower_first = n % 2 == 1
    return 2 * distance - 1 if (index < centre) == lower_first else 2 * distance


def _grade_at(cumulative: Sequence[int], index: int) -> int:
    """Return the grade offset at sorted position `index`, given cumulative counts per grade."""
    return bisect_right(cumulative, index)


def _first_difference(a: Sequence[int], b: Sequence[int]) -> tuple[int, int, int] | None:
    """Compare two grade distributions of the same size by their majority values.

    Return (median grades removed before they differ, grade offset of a, grade offset of b), or None
    if the distributions are identical. Both sorted grade lists are constant between the cumulative
    counts, so only those stretches need checking: in each where the grades differ, the position
    closest to the median is the first one read.
    """
    n = sum(a)
    cum_a, cum_b = list(accumulate(a)), list(accumulate(b))
    cuts = sorted({0, *cum_a, *cum_b})
    centre = (n - 1) // 2
    first: tuple[int, int, int] | None = None
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        grade_a, grade_b = _grade_at(cum_a, lo), _grade_at(cum_b, lo)
        if grade_a == grade_b:
            continue
        nearest = min(max(centre, lo), hi - 1)
        position = _removal_position(nearest, n)
        if first is None or position < first[0]:
            first = (position, grade_a, grade_b)
    return first


def count_majority_judgment(election: ScoreElection, rules: Rules | None = None) -> Result:
    """Elect by majority judgment: highest median grade, ties broken as Balinski and Laraki do.

    Grades are the scale `min_score..max_score` (higher is better) and a blank is the lowest grade.
    The median is the lower middle grade. Candidates with the same median are compared by their
    majority values: remove one median grade from each and compare the new medians, repeatedly, until
    they differ. Candidates whose grades are identical stay tied and are ordered by lot.
    `detail["gauge"]` gives each candidate's majority gauge: ballots grading above ("above") and
    below ("below") the median; "+" when more are above.
    """
    rules = rules or Rules()
    table = _table(election)
    names = election.candidates
    low = election.min_score
    distribution, blanks = _distribution(table, election)
    # A blank is the lowest grade.
    grades = [[row[0] + blank, *row[1:]] for row, blank in zip(distribution, blanks, strict=True)]
    cast = table.summary.cast
    centre = (cast - 1) // 2
    medians = [low + (_grade_at(list(accumulate(g)), centre) if cast else 0) for g in grades]

    def compare(x: int, y: int) -> int:
        """Return > 0 when x comes first in the majority ranking."""
        first = _first_difference(grades[x], grades[y])
        return 0 if first is None else first[1] - first[2]

    def better_first(x: int, y: int) -> int:
        return compare(y, x) or x - y

    ranking = sorted(range(len(names)), key=cmp_to_key(better_first))
    # Equal grades share a level of the majority ranking.
    level: list[int] = [0] * len(names)
    explained: list[str] = []
    for prev, cur in zip(ranking, ranking[1:], strict=False):
        first = _first_difference(grades[prev], grades[cur])
        level[cur] = level[prev] + (first is not None)
        if first is None:
            explained.append(f"{names[prev]} = {names[cur]}: identical grades")
        else:
            removed, above, below = first
            explained.append(
                f"{names[prev]} > {names[cur]}: after removing {removed} median grade(s) each, "
                f"{low + above} > {low + below}"
            )
    breaker = TieBreaker(rules, names)
    seats = _seats(election)
    winners = _top([-lv for lv in level], seats, breaker, "elect (identical grades)")
    gauge: dict[str, dict[str, int | str]] = {}
    for c, name in enumerate(names):
        offset = medians[c] - low
        above, below = sum(grades[c][offset + 1 :]), sum(grades[c][:offset])
        sign = "+" if above > below else "-"
        gauge[name] = {"median": medians[c], "above": above, "below": below, "sign": sign}
    detail = _base_detail(table, election)
    detail["medians"] = dict(zip(names, medians, strict=True))
    detail["gauge"] = gauge
    detail["ranking"] = [[names[c] for c in ranking if level[c] == lv] for lv in sorted(set(level))]
    detail["decided_by"] = explained
    detail["blank_as"] = low
    rounds = [
        Round(
            1,
            dict(zip(names, medians, strict=True)),
            elected=[names[c] for c in winners],
            note="median grades (lower median); ties by majority values",
        )
    ]
    return _result("majority-judgment", election, rules, table, winners, rounds, breaker, detail, seats)
