"""Ballots and elections as the counting library sees them: candidates by index, ranks as tuples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# A rank is the tuple of candidate indices marked at that position of a ballot:
#   ()            a skipped rank (undervote),
#   (i,)          one candidate,
#   (i, j, ...)   several candidates: equal ranks (BLT "=") or an overvote.
# Two marker indices stand for marks whose candidates a cast-vote record does not name.
OVERVOTE = -1
WRITE_IN = -2

Rank = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """One ranked ballot, or `count` identical ones, exactly as cast (before any counting rule)."""

    ranks: tuple[Rank, ...]
    count: int = 1
    id: str | None = None


@dataclass(slots=True)
class Election:
    """Candidates (by name), ranked ballots as cast, seats to fill, withdrawn candidates."""

    candidates: list[str]
    ballots: list[RankedBallot]
    seats: int = 1
    withdrawn: frozenset[int] = field(default_factory=frozenset)
    title: str = ""

    @property
    def total_ballots(self) -> int:
        return sum(b.count for b in self.ballots)


@dataclass(frozen=True, slots=True)
class ScoreBallot:
    """One cardinal ballot: a score per candidate (None = left blank), or `count` identical ones."""

    scores: tuple[int | None, ...]
    count: int = 1


@dataclass(slots=True)
class ScoreElection:
    """Candidates and cardinal ballots with the scale they were cast on (approval is 0..1)."""

    candidates: list[str]
    ballots: list[ScoreBallot]
    min_score: int = 0
    max_score: int = 1
    seats: int = 1
    title: str = ""


def ranked(candidates: Sequence[str], rankings: Iterable[Sequence[str]]) -> Election:
    """Build an election from rankings written as candidate names, most preferred first.

    A convenience for tests and callers holding names: each ranking lists names, one per rank; a name
    of the form "A=B" puts A and B at equal rank.
    """
    index = {name: i for i, name in enumerate(candidates)}
    ballots = [
        RankedBallot(tuple(tuple(index[n] for n in mark.split("=")) for mark in ranking))
        for ranking in rankings
    ]
    return Election(list(candidates), ballots)
