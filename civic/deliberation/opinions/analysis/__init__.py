"""Opinion-map analysis: a pure library (numpy only; no Flask, no database, nothing else of civic).

    matrix = VoteMatrix.from_votes([(participant, statement, vote), ...])   # 1 agree, -1 disagree, 0 pass
    result = analyse(matrix, excluded=hidden_statements, previous=last.state)

It follows the method Pol.is publishes (PCA to two dimensions with sparsity-aware positions, base
clusters then 2-5 groups chosen by silhouette and kept stable between runs), written here; see
docs/opinions.md.
"""

from civic.deliberation.opinions.analysis.matrix import AGREE, DISAGREE, PASS, VoteMatrix
from civic.deliberation.opinions.analysis.pipeline import analyse
from civic.deliberation.opinions.analysis.result import Analysis, BaseCluster, Group, State, StatementResult
from civic.deliberation.opinions.analysis.statistics import Representative

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "Analysis",
    "BaseCluster",
    "Group",
    "Representative",
    "State",
    "StatementResult",
    "VoteMatrix",
    "analyse",
]
