"""The adjusted Rand index, written here for the tests (no scikit-learn in the project)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def adjusted_rand_index(first: Sequence[int], second: Sequence[int]) -> float:
    """1 for the same partition (whatever the labels), about 0 for unrelated ones."""
    _a, rows = np.unique(np.asarray(first), return_inverse=True)
    _b, columns = np.unique(np.asarray(second), return_inverse=True)
    table = np.zeros((rows.max() + 1, columns.max() + 1))
    np.add.at(table, (rows, columns), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    together = pairs(table)
    by_first, by_second = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = len(first) * (len(first) - 1) / 2
    expected = by_first * by_second / total
    best = (by_first + by_second) / 2
    return 1.0 if best == expected else (together - expected) / (best - expected)
