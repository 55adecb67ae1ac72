"""One run of the analysis: positions, groups, then statement scores (see docs/opinions.md for the method)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from civic.deliberation.opinions.analysis import clustering, pca, statistics
from civic.deliberation.opinions.analysis.matrix import VoteMatrix
from civic.deliberation.opinions.analysis.result import Analysis, BaseCluster, Group, State, StatementResult

CONSENSUS_MAX = 10
DIVISIVE_MAX = 10
# A statement is divisive when two groups' mean votes are at least this far apart (on -1 to 1).
DIVISIVE_MIN = 0.5


def _previous_directions(
    state: State | None, statements: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | None:
    if state is None or not state.directions:
        return None
    old = {s: j for j, s in enumerate(state.statements)}
    rows = np.asarray(state.directions, dtype=np.float64)
    aligned = np.zeros((rows.shape[0], len(statements)))
    for j, statement in enumerate(statements):
        if int(statement) in old:
            aligned[:, j] = rows[:, old[int(statement)]]
    return aligned if np.abs(aligned).sum() > 0 else None


def _points(rows: list[list[float]] | None) -> npt.NDArray[np.float64] | None:
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2) if rows else None


def _groups(
    matrix: VoteMatrix, positions: npt.NDArray[np.float64], chosen: npt.NDArray[np.bool_], state: State | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], State, float | None]:
    """Return each row's group (-1: none) and base cluster (-1: not clustered), base centres, new state, silhouette."""
    rows = len(positions)
    group_of = np.full(rows, -1, dtype=np.int64)
    base_of = np.full(rows, -1, dtype=np.int64)
    new_state = State(clustered=[int(p) for p in matrix.participants[chosen]])
    indexes = np.flatnonzero(chosen)
    if len(indexes) == 0:
        return group_of, base_of, np.zeros((0, 2)), new_state, None
    labels, centres = clustering.base_clusters(
        positions[indexes], _points(state.base_centres if state else None)
    )
    base_of[indexes] = labels
    sizes = np.bincount(labels, minlength=len(centres)).astype(np.float64)
    new_state.base_centres = centres.tolist()
    previous_groups = {
        k: p for k, v in (state.group_centres if state else {}).items() if (p := _points(v)) is not None
    }
    choices = clustering.group_choices(centres, sizes, previous_groups)
    new_state.group_centres = {k: found[1].tolist() for k, found in choices.items()}
    new_state.smoother = clustering.choose_k(
        {k: found[2] for k, found in choices.items()}, state.smoother if state else None
    )
    if new_state.smoother is None:
        return group_of, base_of, centres, new_state, None
    group_labels, _group_centres, score = choices[new_state.smoother.shown_k]
    group_of[indexes] = clustering.without_singletons(group_labels[labels])
    return group_of, base_of, centres, new_state, score


def analyse(matrix: VoteMatrix, excluded: Iterable[int] = (), previous: State | None = None) -> Analysis:
    """Analyse a vote matrix; `excluded` statements (moderated out) count for nothing; `previous` keeps groups stable."""
    excluded_ids = {int(s) for s in excluded}
    included = np.array([int(s) not in excluded_ids for s in matrix.statements], dtype=bool)
    values = matrix.values
    seen = ~np.isnan(values)
    # As in Pol.is, an excluded statement stays a column of zeros that everyone "saw": it moves nobody,
    # and it counts in the votes that decide who is clustered and how far positions are scaled.
    votes = (seen | ~included).sum(axis=1).astype(np.int64)
    statement_count = len(included)
    centred, _means = pca.centred(values, included)
    directions = pca.components(centred, _previous_directions(previous, matrix.statements))
    positions = pca.project(centred, directions, votes, statement_count)
    votes = seen.sum(axis=1).astype(np.int64)

    previously = None
    if previous is not None and previous.clustered:
        previously = np.isin(matrix.participants, np.asarray(previous.clustered, dtype=np.int64))
    chosen = clustering.clustered(votes, statement_count, previously)
    group_of, base_of, base_centres, state, score = _groups(matrix, positions, chosen, previous)
    state.statements = [int(s) for s in matrix.statements]
    state.directions = directions.tolist()

    group_count = int(group_of.max()) + 1 if len(group_of) and group_of.max() >= 0 else 0
    votes_only = values if included.all() else np.where(included, values, np.nan).astype(np.float32)
    cast = statistics.Cast.of(votes_only)
    counts = statistics.tally(cast, group_of, group_count)
    if group_count:
        agree_gic = statistics.consensus(counts.group_agree, counts.group_votes)
        against_gic = statistics.consensus(counts.group_disagree, counts.group_votes)
        shares = statistics.smoothed(counts.group_agree, counts.group_votes)
        every_group = shares.min(axis=0) > 0.5
    else:
        agree_gic = statistics.consensus(counts.agree[None, :], counts.votes[None, :])
        against_gic = statistics.consensus(counts.disagree[None, :], counts.votes[None, :])
        every_group = statistics.smoothed(counts.agree, counts.votes) > 0.5
    centres = np.array(
        [positions[group_of == g].mean(axis=0) for g in range(group_count)], dtype=np.float64
    ).reshape(-1, 2)
    bridges = statistics.bridging(cast, positions, group_of, centres)
    divided = statistics.divisiveness(counts)
    extremes = statistics.extremity(directions)
    priorities = np.where(included, statistics.priority(counts, extremes), 0.0)
    representatives = statistics.representative(counts, matrix.statements, included)

    ids = [int(s) for s in matrix.statements]
    consensus = sorted(
        ((ids[j], float(agree_gic[j])) for j in np.flatnonzero(included & every_group)),
        key=lambda p: (-p[1], p[0]),
    )[:CONSENSUS_MAX]
    divisive = sorted(
        ((ids[j], float(divided[j])) for j in np.flatnonzero(included & (divided >= DIVISIVE_MIN))),
        key=lambda p: (-p[1], p[0]),
    )[:DIVISIVE_MAX]
    group_sizes = np.bincount(group_of[group_of >= 0], minlength=group_count)
    groups = tuple(
        Group(g, int(group_sizes[g]), (float(centres[g][0]), float(centres[g][1])), tuple(representatives[g]))
        for g in range(group_count)
    )
    base_sizes = np.bincount(base_of[base_of >= 0], minlength=len(base_centres))
    base_group = {int(b): int(g) for b, g in zip(base_of, group_of, strict=True) if b >= 0 and g >= 0}
    base = tuple(
        BaseCluster((float(c[0]), float(c[1])), int(base_sizes[b]), base_group.get(b))
        for b, c in enumerate(base_centres)
        if base_sizes[b] > 0
    )
    statements = tuple(
        StatementResult(
            id=ids[j],
            agree=int(counts.agree[j]),
            disagree=int(counts.disagree[j]),
            passes=int(counts.passes[j]),
            groups=tuple(
                (
                    int(counts.group_agree[g, j]),
                    int(counts.group_disagree[g, j]),
                    int(counts.group_passes[g, j]),
                )
                for g in range(group_count)
            ),
            consensus=float(agree_gic[j]),
            consensus_against=float(against_gic[j]),
            bridging=float(bridges[j]),
            divisiveness=float(divided[j]),
            extremity=float(extremes[j]),
            priority=float(priorities[j]),
            included=bool(included[j]),
        )
        for j in range(len(ids))
    )
    participants = {
        int(p): (int(g) if g >= 0 else None) for p, g in zip(matrix.participants, group_of, strict=True)
    }
    positions_of = {
        int(matrix.participants[i]): (float(positions[i][0]), float(positions[i][1]))
        for i in np.flatnonzero(group_of >= 0)
    }
    return Analysis(
        participants, groups, tuple(consensus), tuple(divisive), statements, base, score, state, positions_of
    )
