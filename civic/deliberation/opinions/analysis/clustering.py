"""Who is clustered, base clusters, then opinion groups on the base clusters: Pol.is's published method.

1. Participants with at least MIN_VOTES votes (or as many as there are statements, when fewer) are
   clustered, and stay clustered in later runs; while fewer than GREEDY people qualify, the most active
   voters are taken in until there are GREEDY.
2. Their positions are grouped into up to BASE_K base clusters (k-means started from last run's, or
   on a first run from the first distinct positions, as Pol.is does).
3. The base clusters' centres, weighted by their sizes, are grouped into k = 2 to MAX_GROUPS groups
   (from last run's groups; on a first run, the best of several starts: kmeans.best_of_starts);
   the k with the best silhouette wins. A new best k replaces the one shown only once it has won
   K_PATIENCE runs in a row, so groups do not flicker while votes come in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civic.deliberation.opinions.analysis.kmeans import Points, best_of_starts, kmeans, silhouette

MIN_VOTES = 7
GREEDY = 15
BASE_K = 100
MAX_GROUPS = 5
K_PATIENCE = 4
# On a first run, a clustering from another start than the first distinct points is kept only if each
# group holds this share of people (not a few outliers made a group of their own).
MIN_GROUP_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Smoother:
    """The k chosen by silhouette in the last run, how many runs in a row it won, and the k shown."""

    last_k: int
    count: int
    shown_k: int


def clustered(
    votes: npt.NDArray[np.int64], statements: int, previously: npt.NDArray[np.bool_] | None = None
) -> npt.NDArray[np.bool_]:
    """Tell which participants (rows) are clustered, given their vote counts."""
    chosen = votes >= min(MIN_VOTES, max(statements, 1))
    chosen &= votes > 0
    if previously is not None:
        chosen |= previously & (votes > 0)
    missing = GREEDY - int(chosen.sum())
    if missing > 0:
        # The most active of the others (ties: earliest first), never someone without a vote.
        order = np.lexsort((np.arange(len(votes)), -votes))
        extra = [i for i in order if not chosen[i] and votes[i] > 0][:missing]
        chosen[extra] = True
    return chosen


def base_clusters(positions: Points, previous: Points | None = None) -> tuple[npt.NDArray[np.int64], Points]:
    return kmeans(positions, BASE_K, previous=previous)


def max_groups(base_count: int) -> int:
    """Fewer base clusters allow fewer groups: 2 plus one per dozen base clusters, at most MAX_GROUPS."""
    return min(MAX_GROUPS, 2 + base_count // 12, base_count)


def group_choices(
    centres: Points, sizes: npt.NDArray[np.float64], previous: dict[int, Points] | None = None
) -> dict[int, tuple[npt.NDArray[np.int64], Points, float]]:
    """For each k that fits, the base clusters' groups, the groups' centres and the silhouette."""
    found = {}
    for k in range(2, max_groups(len(centres)) + 1):
        start = (previous or {}).get(k)
        if start is None:
            labels, group_centres = best_of_starts(centres, k, sizes, MIN_GROUP_SHARE)
        else:
            labels, group_centres = kmeans(centres, k, sizes, start)
        if len(group_centres) < 2:
            continue
        found[k] = (labels, group_centres, silhouette(centres, labels))
    return found


def choose_k(silhouettes: dict[int, float], smoother: Smoother | None) -> Smoother | None:
    """Choose the number of groups: the best silhouette, once it has been the best K_PATIENCE runs running."""
    if not silhouettes:
        return None
    best = max(sorted(silhouettes), key=lambda k: silhouettes[k])
    if smoother is None:
        return Smoother(best, 1, best)
    count = smoother.count + 1 if best == smoother.last_k else 1
    shown = best if count >= K_PATIENCE or smoother.shown_k not in silhouettes else smoother.shown_k
    return Smoother(best, count, shown)


def without_singletons(groups: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """No group of one person: someone alone is left ungrouped (-1), and the groups renumbered in order."""
    if len(groups) == 0:
        return groups
    counts = np.bincount(groups[groups >= 0], minlength=int(groups.max()) + 1)
    kept = np.flatnonzero(counts > 1)
    renumber = np.full(len(counts), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    return np.where(groups >= 0, renumber[np.maximum(groups, 0)], -1)
