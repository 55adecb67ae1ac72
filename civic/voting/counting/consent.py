"""Consent tally for consensus proposals: agree, abstain, disagree or block, sociocracy-style.

Each participant answers every proposal with one of the four responses, or leaves it unanswered
(None). A proposal passes when

- it has fewer than `block_threshold` blocks (default 1: a single block stops it), and
- agreement exceeds `support` of the participants who took a side, where a block counts as an
  objection: agree > support x (agree + disagree + block). The default support of 1/2 means more
  agree than object. Abstentions and unanswered ballots take no side; and
- at least `quorum` participants responded to it (any response, abstain included; default 0).

Several proposals are independent: each passes or fails on its own, and the winners are the passing
ones in proposal order. No ties can arise, so the Result's tie log stays empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, get_args

from civic.voting.counting.result import BallotSummary, Number, Result, Round
from civic.voting.counting.rules import Rules

Response = Literal["agree", "abstain", "disagree", "block"]
RESPONSES: tuple[Response, ...] = get_args(Response)


@dataclass(frozen=True, slots=True)
class ConsentBallot:
    """One participant's responses, one per proposal (None = no response), or `count` identical ones."""

    responses: tuple[Response | None, ...]
    count: int = 1


@dataclass(slots=True)
class ConsentElection:
    """Proposals put to consent (one or several) and the ballots answering them."""

    proposals: list[str]
    ballots: list[ConsentBallot]
    title: str = ""


def _tally(election: ConsentElection) -> tuple[list[Counter[str]], BallotSummary]:
    """Count each response per proposal, merging identical ballots first."""
    merged: Counter[tuple[Response | None, ...]] = Counter()
    for ballot in election.ballots:
        if ballot.count < 0:
            raise ValueError(f"negative ballot count {ballot.count}")
        merged[ballot.responses] += ballot.count
    tallies: list[Counter[str]] = [Counter() for _ in election.proposals]
    for responses, count in merged.items():
        if len(responses) != len(election.proposals):
            raise ValueError(f"ballot answers {len(responses)} of {len(election.proposals)} proposals")
        for tally, response in zip(tallies, responses, strict=True):
            if response is not None and response not in RESPONSES:
                raise ValueError(f"unknown response {response!r}; known: {', '.join(RESPONSES)}")
            tally[response or "none"] += count
    cast = sum(merged.values())
    return tallies, BallotSummary(cast=cast, valid=cast, set_aside=0, distinct=len(merged))


def _outcome(tally: Counter[str], block_threshold: int, support: Fraction, quorum: int) -> tuple[bool, str]:
    """Decide one proposal and say why."""
    responded = sum(tally[r] for r in RESPONSES)
    if responded < quorum:
        return False, f"no quorum: {responded} responses, {quorum} needed"
    blocks = tally["block"]
    if blocks >= block_threshold:
        return False, f"blocked: {blocks} block(s), {block_threshold} stop a proposal"
    sides = tally["agree"] + tally["disagree"] + blocks
    if tally["agree"] <= support * sides:
        return False, (
            f"not enough agreement: {tally['agree']} agree of {sides} taking a side "
            f"(disagree or block {sides - tally['agree']}); more than {support} needed"
        )
    return True, f"passes: {tally['agree']} agree of {sides} taking a side, {blocks} block(s)"


def count_consent(
    election: ConsentElection,
    rules: Rules | None = None,
    block_threshold: int = 1,
    support: Fraction = Fraction(1, 2),
    quorum: int = 0,
) -> Result:
    """Decide each proposal by consent (see the module docstring for the rule and its defaults)."""
    rules = rules or Rules()
    if block_threshold < 1:
        raise ValueError(f"block_threshold must be at least 1, not {block_threshold}")
    if not 0 <= support < 1:
        raise ValueError(f"support must lie in [0, 1), not {support}")
    if quorum < 0:
        raise ValueError(f"quorum must not be negative, not {quorum}")
    support = Fraction(support)
    tallies, summary = _tally(election)
    names = election.proposals
    outcomes = [_outcome(t, block_threshold, support, quorum) for t in tallies]
    winners = [n for n, (passes, _) in zip(names, outcomes, strict=True) if passes]
    responses = {n: {r: t[r] for r in (*RESPONSES, "none")} for n, t in zip(names, tallies, strict=True)}
    detail: dict[str, Any] = {
        "responses": responses,
        "outcome": {n: {"passes": p, "reason": why} for n, (p, why) in zip(names, outcomes, strict=True)},
        "block_threshold": block_threshold,
        "support": str(support),
        "quorum": quorum,
    }
    agrees: dict[str, Number] = {n: t["agree"] for n, t in zip(names, tallies, strict=True)}
    round_ = Round(
        1,
        agrees,
        elected=winners,
        eliminated=[n for n in names if n not in winners],
        note="tallies are agree responses; see detail for every response and the reason for each outcome",
    )
    return Result(
        method="consent",
        candidates=list(names),
        winners=winners,
        rules=rules.as_dict(),
        ballots=summary,
        rounds=[round_],
        detail=detail,
        seats=len(names),
    )
