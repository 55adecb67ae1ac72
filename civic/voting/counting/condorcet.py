"""Condorcet methods: Schulze, Ranked Pairs, Copeland, Minimax, and the Condorcet winner.

All four read ballots as `civic.voting.counting.pairwise` describes and measure a defeat by its
margin, P[a, b] - P[b, a] (as pref_voting does by default; Schulze's own papers prefer winning votes,
which gives the same result whenever every ballot ranks every candidate strictly). Each elects the
Condorcet winner when there is one. A tie among several winners is decided by lot from the seed and
logged; `Result.pairwise` is the full matrix and `Result.detail` holds the method's working.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from civic.voting.counting.model import Election
from civic.voting.counting.pairwise import Contest, condorcet_winner_of, contest
from civic.voting.counting.plurality import tiers
from civic.voting.counting.profile import Array
from civic.voting.counting.result import Number, Result, Round, number_json
from civic.voting.counting.rules import Rules
from civic.voting.counting.ties import TieBreaker


def _result(
    method: str,
    game: Contest,
    rules: Rules,
    ties: TieBreaker,
    winner: int,
    detail: dict[str, Any],
    rounds: list[Round] | None = None,
) -> Result:
    return Result(
        method=method,
        candidates=game.names,
        winners=[game.names[winner]],
        rules=rules.as_dict(),
        ballots=game.summary,
        rounds=rounds or [],
        ties=ties.log,
        pairwise=[[int(v) for v in row] for row in game.pairwise],
        detail=detail,
    )


def strongest_paths(margins: Array, standing: list[int]) -> Array:
    """Return the strength of the widest path between every two standing candidates (0: no path).

    A path follows defeats (positive margins); its strength is its weakest defeat.
    """
    n = len(margins)
    strength = np.zeros((n, n), dtype=np.int64)
    sub = np.ix_(standing, standing)
    strength[sub] = np.maximum(margins[sub], 0)
    for k in standing:
        # Widest paths through k (Floyd-Warshall); paths through k back to k itself change nothing.
        np.maximum(strength, np.minimum(strength[:, k : k + 1], strength[k : k + 1, :]), out=strength)
    np.fill_diagonal(strength, 0)
    return strength


def count_schulze(election: Election, rules: Rules | None = None) -> Result:
    """Elect by the Schulze (beat path) method, with margins as the strength of a defeat."""
    rules = rules or Rules()
    game = contest(election, rules)
    paths = strongest_paths(game.margins, game.standing)
    wins = {a: sum(int(paths[a, b] > paths[b, a]) for b in game.standing) for a in game.standing}
    best = [a for a in game.standing if all(paths[a, b] >= paths[b, a] for b in game.standing)]
    ties = TieBreaker(rules, game.names)
    winner = ties.choose(best, (), 1, "Schulze winner", lowest=False)
    detail = {
        "strength": "margin",
        "strongest_paths": [[int(v) for v in row] for row in paths],
        "ranking": tiers(wins, game.names),
    }
    return _result("schulze", game, rules, ties, winner, detail)


class _Locks:
    """The locked defeats so far, with their transitive closure to detect cycles."""

    def __init__(self, n: int) -> None:
        self.reach = np.eye(n, dtype=bool)  # reach[a, b]: a path of locked defeats leads from a to b

    def copy(self) -> _Locks:
        twin = _Locks(0)
        twin.reach = self.reach.copy()
        return twin

    def allows(self, winner: int, loser: int) -> bool:
        return not self.reach[loser, winner]

    def lock(self, winner: int, loser: int) -> None:
        self.reach |= np.outer(self.reach[:, winner], self.reach[loser])


def count_ranked_pairs(election: Election, rules: Rules | None = None) -> Result:
    """Elect by Ranked Pairs (Tideman): lock defeats from the largest margin down, skipping cycles.

    Defeats with equal margins are taken in the Zavist-Tideman order of a tie-breaking ranking of the
    candidates drawn by lot — drawn (and logged) only when the order of such defeats changes which of
    them are locked.
    """
    rules = rules or Rules()
    game = contest(election, rules)
    margins = game.margins
    ties = TieBreaker(rules, game.names)
    defeats = [(int(margins[a, b]), a, b) for a in game.standing for b in game.standing if margins[a, b] > 0]
    groups: dict[int, list[tuple[int, int]]] = {}
    for margin, a, b in sorted(defeats, reverse=True):
        groups.setdefault(margin, []).append((a, b))
    locks = _Locks(len(game.names))
    locked: list[list[Any]] = []
    skipped: list[list[Any]] = []
    rank_of: dict[int, int] | None = None
    for margin, pairs in groups.items():
        if rank_of is None and _order_matters(locks, pairs):
            drawn = ties.order(game.standing, 1, "Ranked Pairs order of defeats with equal margins")
            rank_of = {c: i for i, c in enumerate(drawn)}
        if rank_of is not None:
            order = rank_of
            pairs = sorted(pairs, key=lambda p: (order[p[0]], -order[p[1]]))
        for a, b in pairs:
            entry = [game.names[a], game.names[b], margin]
            if locks.allows(a, b):
                locks.lock(a, b)
                locked.append(entry)
            else:
                skipped.append(entry)
    layers = _layers(locks.reach, game.standing)
    winner = ties.choose(layers[0], (), 1, "Ranked Pairs winner", lowest=False)
    detail = {
        "strength": "margin",
        "locked": locked,
        "skipped": skipped,
        "ranking": [[game.names[c] for c in layer] for layer in layers],
    }
    return _result("ranked_pairs", game, rules, ties, winner, detail)


def _order_matters(locks: _Locks, pairs: list[tuple[int, int]]) -> bool:
    """Tell whether locking these equal-margin defeats in different orders could lock different sets.

    Defeats that each fit the current locks on their own are all locked in any order exactly when
    they fit together; the others are skipped in any order.
    """
    fitting = [(a, b) for a, b in pairs if locks.allows(a, b)]
    if len(fitting) < 2:
        return False
    trial = locks.copy()
    for a, b in fitting:
        if not trial.allows(a, b):
            return True
        trial.lock(a, b)
    return False


def _layers(reach: Array, standing: list[int]) -> list[list[int]]:
    """Split standing candidates into layers: those no one remaining reaches, then the next, ..."""
    remaining = list(standing)
    layers: list[list[int]] = []
    while remaining:
        top = [a for a in remaining if not any(reach[b, a] for b in remaining if b != a)]
        layers.append(top)
        remaining = [c for c in remaining if c not in top]
    return layers


def count_copeland(election: Election, rules: Rules | None = None) -> Result:
    """Elect by Copeland: 1 point per head-to-head win, 1/2 per tie; most points wins."""
    rules = rules or Rules()
    game = contest(election, rules)
    halves = {
        a: sum(2 if game.beats(a, b) else 0 if game.beats(b, a) else 1 for b in game.standing if b != a)
        for a in game.standing
    }
    scores: dict[int, Number] = {a: Fraction(v, 2) if v % 2 else v // 2 for a, v in halves.items()}
    best = max(halves.values())
    ties = TieBreaker(rules, game.names)
    winner = ties.choose(
        [a for a in game.standing if halves[a] == best], (), 1, "Copeland winner", lowest=False
    )
    detail = {
        "scores": {game.names[a]: number_json(v) for a, v in scores.items()},
        "ranking": tiers(halves, game.names),
    }
    rounds = [Round(1, {game.names[a]: v for a, v in scores.items()}, elected=[game.names[winner]])]
    return _result("copeland", game, rules, ties, winner, detail, rounds)


def count_minimax(election: Election, rules: Rules | None = None) -> Result:
    """Elect by Minimax (Simpson-Kramer): the smallest worst head-to-head defeat, by margin, wins.

    A candidate's score is the largest margin by which anyone beats it, 0 if no one does.
    """
    rules = rules or Rules()
    game = contest(election, rules)
    margins = game.margins
    scores = {a: max([0] + [int(margins[b, a]) for b in game.standing if b != a]) for a in game.standing}
    least = min(scores.values())
    ties = TieBreaker(rules, game.names)
    winner = ties.choose(
        [a for a in game.standing if scores[a] == least], (), 1, "Minimax winner", lowest=False
    )
    detail = {
        "strength": "margin",
        "scores": {game.names[a]: v for a, v in scores.items()},
        "ranking": tiers(scores, game.names, descending=False),
    }
    rounds = [Round(1, {game.names[a]: v for a, v in scores.items()}, elected=[game.names[winner]])]
    return _result("minimax", game, rules, ties, winner, detail, rounds)


def condorcet_winner(election: Election, rules: Rules | None = None) -> str | None:
    """Return the candidate who beats every other head to head, or None if there is none."""
    game = contest(election, rules or Rules())
    winner = condorcet_winner_of(game)
    return None if winner is None else game.names[winner]
