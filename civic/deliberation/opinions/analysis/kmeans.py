"""Weighted k-means started from given centres (the last run's) or the first distinct points, and silhouettes.

Starting from the last run's centres keeps groups in place as votes arrive. Without a last run, one
start may end in a poor local optimum: `best_of_starts` also tries k-means++ seedings drawn from a
fixed seed (so every run is reproducible) and keeps the clustering of lowest inertia.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Points = npt.NDArray[np.float64]
MAX_ITERATIONS = 100
# A first run (no last centres) keeps the best of this many k-means++ starts, drawn from a fixed seed.
STARTS = 10
SEED = 0


def starting_centres(points: Points, k: int, previous: Points | None = None) -> Points:
    """The previous centres (at most k), completed with the first distinct points not already a centre."""
    chosen = [] if previous is None else [np.asarray(c, dtype=np.float64) for c in previous[:k]]
    if len(chosen) < k and len(points):
        _values, first = np.unique(points, axis=0, return_index=True)
        taken = {tuple(c) for c in chosen}
        for index in np.sort(first):
            if len(chosen) >= k:
                break
            candidate = points[index]
            if tuple(candidate) not in taken:
                chosen.append(candidate)
                taken.add(tuple(candidate))
    return np.array(chosen, dtype=np.float64).reshape(-1, points.shape[1] if points.ndim == 2 else 2)


def inertia(
    points: Points,
    labels: npt.NDArray[np.int64],
    centres: Points,
    weights: npt.NDArray[np.float64] | None = None,
) -> float:
    """The weighted sum of squared distances to the assigned centres (lower is a tighter clustering)."""
    weights = np.ones(len(points)) if weights is None else weights
    return float((((points - centres[labels]) ** 2).sum(axis=1) * weights).sum())


def _squared_distances(points: Points, centres: Points) -> npt.NDArray[np.float32]:
    # Dimension by dimension, in place and in float32: a fifth of the time of an (n, k, 2) array, and
    # precise enough to pick the nearest centre.
    found = np.zeros((len(points), len(centres)), dtype=np.float32)
    for dimension in range(points.shape[1]):
        gap = points[:, dimension, None].astype(np.float32) - centres[None, :, dimension].astype(np.float32)
        gap *= gap
        found += gap
    return found


def kmeans(
    points: Points, k: int, weights: npt.NDArray[np.float64] | None = None, previous: Points | None = None
) -> tuple[npt.NDArray[np.int64], Points]:
    """Cluster `points` into at most k groups; return each point's cluster and the centres.

    Clusters that end up empty are dropped (so fewer than k may come back), and the labels are
    renumbered 0..n-1 in the order of the centres kept.
    """
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    centres = starting_centres(points, k, previous)
    labels = np.full(len(points), -1, dtype=np.int64)
    for _ in range(MAX_ITERATIONS):
        assigned = np.argmin(_squared_distances(points, centres), axis=1)
        mass = np.bincount(assigned, weights=weights, minlength=len(centres))
        kept = mass > 0
        if not kept.all():
            renumber = np.cumsum(kept) - 1
            assigned = renumber[assigned]
            centres, mass = centres[kept], mass[kept]
        sums = np.stack(
            [
                np.bincount(assigned, weights=points[:, d] * weights, minlength=len(centres))
                for d in range(points.shape[1])
            ],
            axis=1,
        )
        centres = sums / mass[:, None]
        if np.array_equal(assigned, labels):
            break
        labels = assigned
    return labels, centres


def plus_plus_centres(
    points: Points, k: int, weights: npt.NDArray[np.float64], rng: np.random.Generator
) -> Points:
    """k-means++ seeding: a first centre drawn by weight, then each next one drawn with a chance proportional
    to its weight times its squared distance to the nearest centre already chosen."""
    chosen = [int(rng.choice(len(points), p=weights / weights.sum()))]
    nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < min(k, len(points)):
        chance = nearest * weights
        if chance.sum() <= 0:
            break  # every point sits on a centre already
        following = int(rng.choice(len(points), p=chance / chance.sum()))
        chosen.append(following)
        nearest = np.minimum(nearest, ((points - points[following]) ** 2).sum(axis=1))
    return np.asarray(points[chosen], dtype=np.float64)


def best_of_starts(
    points: Points,
    k: int,
    weights: npt.NDArray[np.float64] | None = None,
    smallest_share: float = 0.0,
    starts: int = STARTS,
) -> tuple[npt.NDArray[np.int64], Points]:
    """k-means from the first distinct points and from `starts` k-means++ seedings; the lowest inertia wins.

    The seedings come from a fixed seed (the same result every time). A clustering with a group holding
    less than `smallest_share` of the weight is passed over unless it is the first-distinct one.
    """
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    best = kmeans(points, k, weights)
    if len(points) <= k:
        return best
    lowest = inertia(points, best[0], best[1], weights)
    rng = np.random.default_rng(SEED)
    for _ in range(starts):
        labels, centres = kmeans(points, k, weights, plus_plus_centres(points, k, weights, rng))
        if np.bincount(labels, weights=weights).min() < smallest_share * weights.sum():
            continue  # a few outliers made a group of their own
        spent = inertia(points, labels, centres, weights)
        if spent < lowest - 1e-9:
            best, lowest = (labels, centres), spent
    return best


def silhouette(points: Points, labels: npt.NDArray[np.int64]) -> float:
    """The mean silhouette of the points (-1 to 1): how much closer each is to its cluster than to the next."""
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return -1.0
    distances = np.sqrt(_squared_distances(points, points).astype(np.float64))
    scores = np.zeros(len(points))
    for index in range(len(points)):
        own = labels == labels[index]
        if own.sum() <= 1:
            continue  # a point alone in its cluster scores 0
        inside = distances[index, own].sum() / (own.sum() - 1)
        outside = min(
            distances[index, labels == other].mean() for other in clusters if other != labels[index]
        )
        scores[index] = (outside - inside) / max(inside, outside) if max(inside, outside) > 0 else 0.0
    return float(scores.mean())
