"""k-means on a first run: the best of the first distinct points and several k-means++ starts."""

from __future__ import annotations

import numpy as np

from civic.deliberation.opinions.analysis.kmeans import best_of_starts, inertia, kmeans


def _blobs(centres: list[tuple[float, float]], sizes: list[int], spread: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.concatenate(
        [np.asarray(c) + rng.normal(0, spread, size=(n, 2)) for c, n in zip(centres, sizes, strict=True)]
    )


def test_a_first_run_escapes_a_start_where_the_first_points_sit_in_one_group() -> None:
    # The first twenty points are all in the wide group on the left: a start from the first distinct
    # points splits it in three and lumps the two groups on the right together.
    points = np.concatenate(
        [_blobs([(-6.0, 0.0)], [20], spread=2.0), _blobs([(6.0, -1.5), (6.0, 1.5)], [40, 40], spread=0.3)]
    )
    first_labels, first_centres = kmeans(points, 3)
    labels, centres = best_of_starts(points, 3)
    assert inertia(points, labels, centres) < inertia(points, first_labels, first_centres)
    assert len(set(labels[:20])) == 1 and len(set(labels[20:60])) == 1 and len(set(labels[60:])) == 1
    assert len(set(labels)) == 3


def test_the_same_points_give_the_same_groups_every_time() -> None:
    points = _blobs([(0.0, 0.0), (3.0, 0.0), (1.5, 2.5)], [30, 30, 30], spread=1.0)
    first, again = best_of_starts(points, 3), best_of_starts(points, 3)
    assert np.array_equal(first[0], again[0]) and np.allclose(first[1], again[1])


def test_a_few_outliers_are_not_made_a_group_of_their_own() -> None:
    points = np.concatenate(
        [_blobs([(-1.0, 0.0), (1.0, 0.0)], [49, 49], spread=0.1), np.array([[0.0, 30.0], [0.1, 30.0]])]
    )
    # Lowest inertia alone sets the two far points apart...
    labels, _centres = best_of_starts(points, 2)
    assert np.bincount(labels).min() == 2
    # ...unless each group must hold 5% of the people: then the two groups of 49 stay apart.
    labels, _centres = best_of_starts(points, 2, smallest_share=0.05)
    assert labels[0] != labels[60] and len(set(labels[:49])) == 1 and len(set(labels[49:98])) == 1


def test_fewer_points_than_groups_is_not_an_error() -> None:
    labels, centres = best_of_starts(np.array([[0.0, 0.0], [1.0, 1.0]]), 3)
    assert sorted(labels) == [0, 1] and len(centres) == 2
