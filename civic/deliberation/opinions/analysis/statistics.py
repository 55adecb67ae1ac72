"""What each statement says about the groups: counts, representativeness, consensus, bridging, division, priority.

Probabilities are smoothed as Pol.is publishes them, (count + 1) / (votes + 2), so that a statement
seen by two people is not "100 %". Tests are one-sided z-scores; Z90 is the 90 % threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civic.deliberation.opinions.analysis.matrix import FloatMatrix

Z90 = 1.2816
REPRESENTATIVE_MAX = 5
# Ridge penalties of the bridging fit: the slope moves freely, the intercept needs evidence.
BRIDGING_SLOPE_PENALTY = 1.0
BRIDGING_INTERCEPT_PENALTY = 2.0
NEW_BOOST = 8.0  # Pol.is's boost of statements few people have seen: 1 + 8 · 2^(-votes / 5)

Counts = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Tally:
    """Agree, disagree and pass counts: (statements,) overall, and (groups, statements) per group."""

    agree: Counts
    disagree: Counts
    passes: Counts
    group_agree: Counts
    group_disagree: Counts
    group_passes: Counts

    @property
    def votes(self) -> Counts:
        return self.agree + self.disagree + self.passes

    @property
    def group_votes(self) -> Counts:
        return self.group_agree + self.group_disagree + self.group_passes


@dataclass(frozen=True, slots=True)
class Cast:
    """The votes cast, one entry each: row (participant), column (statement) and value."""

    rows: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    statements: int

    @classmethod
    def of(cls, values: FloatMatrix) -> Cast:
        """Read the votes out of a matrix (a fifth of its cells in a sparse map): later sums are per vote."""
        rows, columns = np.nonzero(~np.isnan(values))
        return cls(rows, columns, values[rows, columns], values.shape[1])


def tally(cast: Cast, groups: npt.NDArray[np.int64], group_count: int) -> Tally:
    """Count votes per statement, overall and within each group (`groups` is -1 for the ungrouped)."""
    statements = cast.statements
    member = groups[cast.rows]
    keyed = np.where(member >= 0, member * statements + cast.columns, -1)
    inside = keyed >= 0
    found = []
    for value in (1, -1, 0):
        chosen = cast.values == value
        found.append(np.bincount(cast.columns[chosen], minlength=statements).astype(np.float64))
        per_group = np.bincount(keyed[chosen & inside], minlength=group_count * statements)
        found.append(per_group.reshape(group_count, statements).astype(np.float64))
    agree, group_agree, disagree, group_disagree, passes, group_passes = found
    return Tally(agree, disagree, passes, group_agree, group_disagree, group_passes)


def smoothed(count: Counts, votes: Counts) -> Counts:
    return np.asarray((count + 1) / (votes + 2))


def consensus(count: Counts, votes: Counts) -> Counts:
    """Group-informed consensus: the product over groups of (count + 1) / (votes + 2), per statement."""
    if count.shape[0] == 0:
        return np.zeros(count.shape[1])
    return np.asarray(np.prod(smoothed(count, votes), axis=0))


def _share_z(share: Counts, votes: Counts) -> Counts:
    """How far a smoothed share is above one half, in standard errors."""
    return np.asarray(2 * np.sqrt(votes + 2) * (share - 0.5))


def _difference_z(count_in: Counts, votes_in: Counts, count_out: Counts, votes_out: Counts) -> Counts:
    """How far a share inside is above the share outside, in standard errors (pooled, smoothed)."""
    inside, outside = smoothed(count_in, votes_in), smoothed(count_out, votes_out)
    pooled = (count_in + count_out + 2) / (votes_in + votes_out + 4)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / (votes_in + 2) + 1 / (votes_out + 2)))
    return np.asarray(np.divide(inside - outside, spread, out=np.zeros_like(spread), where=spread > 0))


@dataclass(frozen=True, slots=True)
class Representative:
    """A statement that sets a group apart: most of it agrees (or disagrees), far more than the others."""

    statement: int
    direction: str
    share: float
    others_share: float
    ratio: float
    z_share: float
    z_ratio: float


def representative(
    counts: Tally, statement_ids: npt.NDArray[np.int64], included: npt.NDArray[np.bool_]
) -> list[list[Representative]]:
    """For each group, up to REPRESENTATIVE_MAX statements significant at 90 % on both tests, best first."""
    found: list[list[Representative]] = []
    votes_in_all = counts.group_votes
    for group in range(votes_in_all.shape[0]):
        votes_in = votes_in_all[group]
        votes_out = votes_in_all.sum(axis=0) - votes_in
        candidates: list[tuple[float, Representative]] = []
        for direction, per_group in (("agree", counts.group_agree), ("disagree", counts.group_disagree)):
            count_in = per_group[group]
            count_out = per_group.sum(axis=0) - count_in
            share, others = smoothed(count_in, votes_in), smoothed(count_out, votes_out)
            ratio = share / others
            z_share = _share_z(share, votes_in)
            z_ratio = _difference_z(count_in, votes_in, count_out, votes_out)
            metric = ratio * z_ratio * share * z_share
            chosen = included & (share > 0.5) & (z_share > Z90) & (z_ratio > Z90)
            for j in np.flatnonzero(chosen):
                candidates.append(
                    (
                        float(metric[j]),
                        Representative(
                            int(statement_ids[j]),
                            direction,
                            float(share[j]),
                            float(others[j]),
                            float(ratio[j]),
                            float(z_share[j]),
                            float(z_ratio[j]),
                        ),
                    )
                )
        candidates.sort(key=lambda pair: (-pair[0], pair[1].statement, pair[1].direction))
        seen: set[int] = set()
        best: list[Representative] = []
        for _metric, item in candidates:
            if item.statement not in seen and len(best) < REPRESENTATIVE_MAX:
                seen.add(item.statement)
                best.append(item)
        found.append(best)
    return found


def divisiveness(counts: Tally) -> Counts:
    """The widest gap between two groups' mean votes (agree 1, disagree -1, smoothed): 0 to 2."""
    if counts.group_agree.shape[0] < 2:
        return np.zeros(counts.agree.shape)
    means = (counts.group_agree - counts.group_disagree) / (counts.group_votes + 2)
    return np.asarray(means.max(axis=0) - means.min(axis=0))


def bridging(
    cast: Cast,
    positions: npt.NDArray[np.float64],
    groups: npt.NDArray[np.int64],
    centres: npt.NDArray[np.float64],
) -> Counts:
    """The support a statement keeps where the groups meet, once what position on the map explains is removed.

    Each grouped voter's vote (agree 1, pass 0, disagree -1) is fitted as a + b·position, with positions
    measured from the mean of the groups' centres (each group counts once, whatever its size) in units
    of the voters' spread; `a`, shrunk toward 0 when few voted, is the bridging score (about -1 to 1).
    """
    statements = cast.statements
    grouped = groups >= 0
    if len(centres) < 2 or not grouped.any():
        return np.zeros(statements)
    where = positions - centres.mean(axis=0)
    spread = float(np.sqrt((where[grouped] ** 2).sum(axis=1).mean())) or 1.0
    kept = grouped[cast.rows]
    columns, votes = cast.columns[kept], cast.values[kept].astype(np.float64)
    x, y = where[cast.rows[kept], 0] / spread, where[cast.rows[kept], 1] / spread
    features = (np.ones_like(x), x, y)

    def per_statement(weights: npt.NDArray[np.float64]) -> Counts:
        return np.bincount(columns, weights=weights, minlength=statements).astype(np.float64)

    # Normal equations per statement: (Fᵀ F + penalty) θ = Fᵀ votes, summed over the statement's voters.
    gram = np.empty((statements, 3, 3))
    for i in range(3):
        for k in range(i, 3):
            gram[:, i, k] = gram[:, k, i] = per_statement(features[i] * features[k])
    gram += np.diag([BRIDGING_INTERCEPT_PENALTY, BRIDGING_SLOPE_PENALTY, BRIDGING_SLOPE_PENALTY])
    right = np.stack([per_statement(votes * feature) for feature in features], axis=1)
    solution = np.linalg.solve(gram, right[:, :, None])[:, :, 0]
    return np.asarray(solution[:, 0])


def extremity(directions: npt.NDArray[np.float64]) -> Counts:
    """How far a statement pulls along the map's axes: its loadings' length, times √statements (≈1.4 on average)."""
    statements = directions.shape[1]
    return np.asarray(np.sqrt(statements) * np.sqrt((directions**2).sum(axis=0)))


def priority(counts: Tally, extremes: Counts) -> Counts:
    """Pol.is's order of statements to show: agreed, far-reaching and unseen ones first, passed ones last."""
    votes = counts.votes
    agreed = smoothed(counts.agree, votes)
    passed = smoothed(counts.passes, votes)
    importance = (1 - passed) * (extremes + 1) * agreed
    return np.asarray((importance * (1 + NEW_BOOST * 2 ** (-votes / 5))) ** 2)
