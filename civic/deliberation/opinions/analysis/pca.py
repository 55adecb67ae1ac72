"""Two principal components of the vote matrix, and participants' positions on them, as Pol.is publishes it.

An unseen statement counts as the statement's mean vote (so it moves nobody), and a participant's
position is scaled up by sqrt(statements / votes): someone who voted on a tenth of the statements is
not pulled toward the centre for the nine tenths they never saw.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from civic.deliberation.opinions.analysis.matrix import FloatMatrix

# Past this many statements the covariance's full eigendecomposition costs more than iterating.
EIGH_MAX = 1500
ITERATIONS = 300
TOLERANCE = 1e-7


def centred(
    values: FloatMatrix, included: npt.NDArray[np.bool_]
) -> tuple[FloatMatrix, npt.NDArray[np.float32]]:
    """Return the matrix minus each column's mean vote, with 0 where unseen or the statement is excluded."""
    seen = ~np.isnan(values)
    counts = seen.sum(axis=0)
    sums = np.where(seen, values, 0).sum(axis=0, dtype=np.float64)
    means = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0).astype(np.float32)
    means[~included] = 0
    result = np.where(seen & included, values - means, np.float32(0)).astype(np.float32, copy=False)
    return result, means


def _subspace(covariance: npt.NDArray[np.float64], start: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    basis, _r = np.linalg.qr(start)
    for _ in range(ITERATIONS):
        following, _r = np.linalg.qr(covariance @ basis)
        # Compare the spanned subspaces, not the vectors (their signs may flip).
        if np.abs(np.abs(np.sum(following * basis, axis=0)) - 1).max() < TOLERANCE:
            basis = following
            break
        basis = following
    # Order the two directions by the variance they explain.
    small = basis.T @ covariance @ basis
    values, vectors = np.linalg.eigh(small)
    return np.asarray((basis @ vectors[:, ::-1]).T)


def components(
    centred_values: FloatMatrix, previous: npt.NDArray[np.float64] | None = None, count: int = 2
) -> npt.NDArray[np.float64]:
    """Return the first `count` principal directions (rows of unit length, one column per statement).

    `previous` (same columns) starts the iteration on large matrices and orients the result like the
    last run's, so that the map does not flip between two runs.
    """
    statements = centred_values.shape[1]
    result = np.zeros((count, statements))
    if statements == 0 or centred_values.shape[0] == 0:
        return result
    covariance = (centred_values.T @ centred_values).astype(np.float64)
    usable = min(count, statements)
    if statements <= EIGH_MAX or previous is None:
        if statements <= EIGH_MAX:
            _values, vectors = np.linalg.eigh(covariance)
            found = vectors[:, ::-1][:, :usable].T
        else:
            rng = np.random.default_rng(0)
            found = _subspace(covariance, rng.standard_normal((statements, usable)))
    else:
        found = _subspace(covariance, previous[:usable].T + 1e-9)
    result[:usable] = found
    for index in range(usable):
        row = result[index]
        if previous is not None and index < len(previous):
            flip = float(row @ previous[index]) < 0
        else:  # no previous run: the loading of largest magnitude is made positive (a fixed convention)
            flip = bool(row[int(np.argmax(np.abs(row)))] < 0)
        if flip:
            result[index] = -row
    return result


def project(
    centred_values: FloatMatrix,
    directions: npt.NDArray[np.float64],
    votes: npt.NDArray[np.int64],
    statements: int,
) -> npt.NDArray[np.float64]:
    """Return each participant's position (n × 2), scaled by sqrt(statements / their votes)."""
    positions = (centred_values @ directions.T.astype(np.float32)).astype(np.float64)
    scale = np.sqrt(statements / np.maximum(votes, 1))
    return np.asarray(positions * scale[:, None])
