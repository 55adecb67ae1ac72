"""Count a poll's ballots exactly as the server does at closing: the same election, order and rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from civic.voting.counting.consent import ConsentBallot, ConsentElection, count_consent
from civic.voting.counting.model import Election, RankedBallot, ScoreBallot, ScoreElection
from civic.voting.counting.registry import METHODS
from civic.voting.counting.registry import count as count_election
from civic.voting.counting.result import Result
from civic.voting.counting.rules import preset

# The methods a poll can use, and the kind of ballot each one takes.
KINDS: dict[str, str] = {
    **{name: "ranked" for name, m in METHODS.items() if m.ballots == "ranked"},
    "approval": "approval",
    "score": "scores",
    "star": "scores",
    "majority-judgment": "scores",
    "consent": "consent",
}
# STAR and majority judgment use their usual fixed scales (0-5 stars, six grades).
FIXED_MAX = {"approval": 1, "star": 5, "majority-judgment": 5}


@dataclass(frozen=True, slots=True)
class Rules:
    """What decides a poll's count besides its ballots (all published with the result)."""

    method: str
    options: list[str]
    title: str
    seats: int
    rules_preset: str
    seed: int
    max_score: int
    block_threshold: int

    @property
    def kind(self) -> str:
        return KINDS[self.method]

    @property
    def scale(self) -> int:
        return FIXED_MAX.get(self.method, self.max_score)


@dataclass(frozen=True, slots=True)
class CountedBallot:
    """A ballot that counts: its choice as stored (canonical JSON) and its receipt code."""

    choice: str
    receipt: str


def election_of(rules: Rules, ballots: Sequence[CountedBallot]) -> Election | ScoreElection | ConsentElection:
    """Build the counting library's election; ballots in receipt-code order, as published."""
    ordered = sorted(ballots, key=lambda b: b.receipt)
    if rules.kind == "ranked":
        ranked = [RankedBallot(tuple((i,) for i in json.loads(b.choice)), id=b.receipt) for b in ordered]
        return Election(rules.options, ranked, seats=rules.seats, title=rules.title)
    if rules.kind == "consent":
        answers = [ConsentBallot(tuple(json.loads(b.choice))) for b in ordered]
        return ConsentElection(rules.options, answers, title=rules.title)
    scored = [ScoreBallot(tuple(json.loads(b.choice))) for b in ordered]
    return ScoreElection(rules.options, scored, min_score=0, max_score=rules.scale, title=rules.title)


def count(rules: Rules, ballots: Sequence[CountedBallot]) -> Result:
    """Count the ballots that count with the poll's method, preset and seed."""
    election = election_of(rules, ballots)
    settings = preset(rules.rules_preset).with_seed(rules.seed)
    if isinstance(election, ConsentElection):
        return count_consent(election, settings, block_threshold=rules.block_threshold)
    return count_election(rules.method, election, settings, seats=rules.seats)
