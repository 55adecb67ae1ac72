"""What a count returns: winners, the rules used, every round, every tie-break, and method detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

Number = int | Fraction | Decimal


def number_json(value: Number) -> int | str:
    """Render a tally for JSON: integers stay numbers; exact values become decimal strings."""
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if value.denominator == 1:
        return value.numerator
    return str(value)


@dataclass(slots=True)
class TieBreakRecord:
    """One tie and how it was resolved (`how` is "previous round N" or "lot (seed S)")."""

    round: int
    tied: list[str]
    chosen: str
    purpose: str
    how: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "tied": self.tied,
            "chosen": self.chosen,
            "purpose": self.purpose,
            "how": self.how,
        }


@dataclass(slots=True)
class Round:
    """One round of a sequential count (or the single round of a one-shot method)."""

    number: int
    tallies: dict[str, Number]
    transfers: dict[str, Number] = field(default_factory=dict)
    exhausted: Number = 0
    loss: Number = 0
    elected: list[str] = field(default_factory=list)
    eliminated: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "tallies": {k: number_json(v) for k, v in self.tallies.items()},
            "transfers": {k: number_json(v) for k, v in self.transfers.items()},
            "exhausted": number_json(self.exhausted),
            "loss": number_json(self.loss),
            "elected": self.elected,
            "eliminated": self.eliminated,
            "note": self.note,
        }


@dataclass(slots=True)
class BallotSummary:
    """Ballot counts: as cast, valid, set aside by a rule, and distinct after merging."""

    cast: int
    valid: int
    set_aside: int = 0
    distinct: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "cast": self.cast,
            "valid": self.valid,
            "set_aside": self.set_aside,
            "distinct": self.distinct,
        }


@dataclass(slots=True)
class Result:
    """The whole, explained outcome of one count."""

    method: str
    candidates: list[str]
    winners: list[str]
    rules: dict[str, Any]
    ballots: BallotSummary
    rounds: list[Round] = field(default_factory=list)
    ties: list[TieBreakRecord] = field(default_factory=list)
    pairwise: list[list[int]] | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    seats: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (the CLI's --json and what polls store)."""
        return {
            "method": self.method,
            "candidates": self.candidates,
            "seats": self.seats,
            "winners": self.winners,
            "rules": self.rules,
            "ballots": self.ballots.to_dict(),
            "rounds": [r.to_dict() for r in self.rounds],
            "ties": [t.to_dict() for t in self.ties],
            "pairwise": self.pairwise,
            "detail": self.detail,
        }
