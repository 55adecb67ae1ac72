"""Counting methods by name (as the command line and polls call them), imported only when used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from civic.voting.counting.model import Election, ScoreElection
from civic.voting.counting.result import Result
from civic.voting.counting.rules import Rules


class MethodUnavailable(LookupError):
    """An unknown method name, or a method whose module is missing or lacks its entry point."""


class WrongBallots(ValueError):
    """A method given ballots of the other kind (ranked ballots to a cardinal method, or the reverse)."""


@dataclass(frozen=True, slots=True)
class Method:
    """Where a method's entry point lives and what ballots it counts."""

    name: str
    module: str
    function: str
    ballots: Literal["ranked", "scores"]
    takes_seats: bool = False


_PACKAGE = "civic.voting.counting"

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("plurality", f"{_PACKAGE}.plurality", "count_plurality", "ranked"),
        Method("irv", f"{_PACKAGE}.irv", "count_irv", "ranked"),
        Method("stv", f"{_PACKAGE}.stv", "count_stv", "ranked", takes_seats=True),
        Method("borda", f"{_PACKAGE}.borda", "count_borda", "ranked"),
        Method("schulze", f"{_PACKAGE}.condorcet", "count_schulze", "ranked"),
        Method("ranked-pairs", f"{_PACKAGE}.condorcet", "count_ranked_pairs", "ranked"),
        Method("copeland", f"{_PACKAGE}.condorcet", "count_copeland", "ranked"),
        Method("minimax", f"{_PACKAGE}.condorcet", "count_minimax", "ranked"),
        Method("approval", f"{_PACKAGE}.cardinal", "count_approval", "scores"),
        Method("score", f"{_PACKAGE}.cardinal", "count_score", "scores"),
        Method("star", f"{_PACKAGE}.cardinal", "count_star", "scores"),
        Method("majority-judgment", f"{_PACKAGE}.cardinal", "count_majority_judgment", "scores"),
    )
}


def method(name: str) -> Method:
    """Return the named method; raise MethodUnavailable naming the known ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise MethodUnavailable(f"unknown counting method {name!r}; known: {', '.join(METHODS)}") from None


def entry_point(name: str) -> Callable[..., Result]:
    """Import and return the named method's counting function."""
    found = method(name)
    try:
        module = importlib.import_module(found.module)
    except ModuleNotFoundError as error:
        if error.name != found.module:
            raise  # the module exists but something it imports is missing: a real bug, not absence
        raise MethodUnavailable(
            f"counting method {name!r} is not available: no module {found.module}"
        ) from None
    function: Any = getattr(module, found.function, None)
    if not callable(function):
        raise MethodUnavailable(
            f"counting method {name!r} is not available: {found.module} has no {found.function}"
        )
    return function  # type: ignore[no-any-return]


def count(
    name: str, election: Election | ScoreElection, rules: Rules | None = None, seats: int | None = None
) -> Result:
    """Count an election with the named method; `seats` (default: the election's) sets the seats."""
    found = method(name)
    if found.ballots == "scores" and not isinstance(election, ScoreElection):
        raise WrongBallots(f"{name} counts scored ballots (a score .csv), not ranked ballots")
    if found.ballots == "ranked" and isinstance(election, ScoreElection):
        raise WrongBallots(f"{name} counts ranked ballots (.blt, PrefLib, or a cast-vote record), not scores")
    if seats is not None and seats < 1:
        raise ValueError(f"seats must be at least 1, not {seats}")
    function = entry_point(name)
    if found.takes_seats:
        return function(election, rules, seats=election.seats if seats is None else seats)
    if seats is not None and found.ballots == "scores":
        # Cardinal methods read election.seats. Ranked single-winner methods ignore it, and copying
        # an election held as a BallotTable would build a million ballot objects for nothing.
        election = replace(election, seats=seats)
    return function(election, rules)
