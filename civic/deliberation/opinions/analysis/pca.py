"""Two principal components of the vote matrix, and participants' positions on them, as Pol.is publishes it.

An unseen statement counts as the statement's mean vote (so it moves nobody), and a participant's
position is scaled up by sqrt(statements / votes): someone who voted on a tenth of the statements is
not pulled toward the centre for the nine tenths they never saw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from civic.deliberation.opinions.analysis.matrix import FloatMatrix

# Past this many statements the covariance's full eigendecomposition costs more than iterating.
EIGH_MAX = 400
# Block power iteration: more vectors than needed converge faster where eigenvalues are close.
BLOCK = 8
ITERATIONS = 500
# From the last run's directions (products in float32, so no finer than about 1e-7).
WARM_ITERATIONS = 40
TOLERANCE = 1e-8


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


def _subspace(
    times: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    start: npt.NDArray[np.float64],
    count: int,
    limit: int = ITERATIONS,
) -> npt.NDArray[np.float64]:
    """The `count` leading eigenvectors (rows) of the covariance, by block power iteration from `start`.

    `times(B)` returns the covariance times B: from the covariance itself, or as Xᵀ(XB) without forming it.
    """
    basis, _r = np.linalg.qr(start)
    previous = None
    for _ in range(limit):
        product = times(basis)
        # Rayleigh-Ritz: the best `count` directions within the block, by the variance they explain.
        _values, vectors = np.linalg.eigh(basis.T @ product)
        leading = basis @ vectors[:, ::-1][:, :count]
        basis, _r = np.linalg.qr(product)
        if previous is not None and np.abs(np.abs((leading * previous).sum(axis=0)) - 1).max() < TOLERANCE:
            break
        previous = leading
    return np.asarray(leading.T)


def components(
    centred_values: FloatMatrix, previous: npt.NDArray[np.float64] | None = None, count: int = 2
) -> npt.NDArray[np.float64]:
    """Return the first `count` principal directions (rows of unit length, one column per statement).

    Small matrices get an exact eigendecomposition; larger ones a block power iteration started from
    `previous` (the last run's directions, same columns) when given, which also orients the result like
    the last run's so that the map does not flip between runs.
    """
    statements = centred_values.shape[1]
    result = np.zeros((count, statements))
    if statements == 0 or centred_values.shape[0] == 0:
        return result
    usable = min(count, statements)
    if statements <= EIGH_MAX:
        covariance = (centred_values.T @ centred_values).astype(np.float64)
        _values, vectors = np.linalg.eigh(covariance)
        found = vectors[:, ::-1][:, :usable].T
    else:
        block = min(statements, BLOCK)
        start = np.random.default_rng(0).standard_normal((statements, block))
        if previous is None:
            covariance = (centred_values.T @ centred_values).astype(np.float64)
            found = _subspace(lambda b: covariance @ b, start, usable)
        else:
            # After a few new votes the last directions are nearly right: a few products with the
            # matrix itself cost less than forming the covariance again.
            start[:, : len(previous)] = previous.T

            def times(b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
                projected = centred_values @ b.astype(np.float32)
                return np.asarray((centred_values.T @ projected).astype(np.float64))

            found = _subspace(times, start, usable, WARM_ITERATIONS)
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
