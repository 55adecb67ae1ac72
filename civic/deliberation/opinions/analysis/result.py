"""What an analysis returns, and the state the next run starts from; both convert to and from JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civic.deliberation.opinions.analysis.clustering import Smoother
from civic.deliberation.opinions.analysis.statistics import Representative


@dataclass(frozen=True, slots=True)
class Group:
    """An opinion group: its number (0, 1, … shown as A, B, …), members, centre and what sets it apart."""

    id: int
    size: int
    centre: tuple[float, float]
    representative: tuple[Representative, ...]


@dataclass(frozen=True, slots=True)
class BaseCluster:
    """A few people at nearly the same place on the map: what the map draws (one dot per cluster)."""

    centre: tuple[float, float]
    size: int
    group: int | None


@dataclass(frozen=True, slots=True)
class StatementResult:
    id: int
    agree: int
    disagree: int
    passes: int
    # (agree, disagree, pass) among each group's members, in the order of the groups.
    groups: tuple[tuple[int, int, int], ...]
    consensus: float
    consensus_against: float
    bridging: float
    divisiveness: float
    extremity: float
    priority: float
    included: bool


@dataclass(slots=True)
class State:
    """What the next run starts from, so groups stay in place: axes, centres, the k shown, who is clustered."""

    statements: list[int] = field(default_factory=list)
    directions: list[list[float]] = field(default_factory=list)
    base_centres: list[list[float]] = field(default_factory=list)
    group_centres: dict[int, list[list[float]]] = field(default_factory=dict)
    smoother: Smoother | None = None
    clustered: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "directions": self.directions,
            "base_centres": self.base_centres,
            "group_centres": {str(k): v for k, v in self.group_centres.items()},
            "smoother": None
            if self.smoother is None
            else [self.smoother.last_k, self.smoother.count, self.smoother.shown_k],
            "clustered": self.clustered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        smoother = data.get("smoother")
        return cls(
            statements=[int(s) for s in data.get("statements", [])],
            directions=[[float(x) for x in row] for row in data.get("directions", [])],
            base_centres=[[float(x) for x in row] for row in data.get("base_centres", [])],
            group_centres={
                int(k): [[float(x) for x in row] for row in v]
                for k, v in data.get("group_centres", {}).items()
            },
            smoother=None if not smoother else Smoother(int(smoother[0]), int(smoother[1]), int(smoother[2])),
            clustered=[int(p) for p in data.get("clustered", [])],
        )


def _representative(item: Representative) -> dict[str, Any]:
    return {
        "statement": item.statement,
        "direction": item.direction,
        "share": round(item.share, 4),
        "others_share": round(item.others_share, 4),
        "ratio": round(item.ratio, 4),
        "z_share": round(item.z_share, 3),
        "z_ratio": round(item.z_ratio, 3),
    }


@dataclass(frozen=True, slots=True)
class Analysis:
    """Groups, consensus, division and per-statement scores; `participants` maps each id to a group or None,
    `positions` each grouped participant to their place on the map (so that a page can say "you are here")."""

    participants: dict[int, int | None]
    groups: tuple[Group, ...]
    consensus: tuple[tuple[int, float], ...]
    divisive: tuple[tuple[int, float], ...]
    statements: tuple[StatementResult, ...]
    base_clusters: tuple[BaseCluster, ...]
    silhouette: float | None
    state: State
    positions: dict[int, tuple[float, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON the command line prints and the site stores (the state apart)."""
        return {
            "participants": {str(p): g for p, g in self.participants.items()},
            "groups": [
                {
                    "id": g.id,
                    "size": g.size,
                    "centre": [round(g.centre[0], 4), round(g.centre[1], 4)],
                    "representative": [_representative(r) for r in g.representative],
                }
                for g in self.groups
            ],
            "consensus": [{"statement": s, "consensus": round(v, 4)} for s, v in self.consensus],
            "divisive": [{"statement": s, "divisiveness": round(v, 4)} for s, v in self.divisive],
            "statements": [
                {
                    "id": s.id,
                    "agree": s.agree,
                    "disagree": s.disagree,
                    "pass": s.passes,
                    "groups": [{"agree": a, "disagree": d, "pass": p} for a, d, p in s.groups],
                    "consensus": round(s.consensus, 4),
                    "consensus_against": round(s.consensus_against, 4),
                    "bridging": round(s.bridging, 4),
                    "divisiveness": round(s.divisiveness, 4),
                    "extremity": round(s.extremity, 4),
                    "priority": round(s.priority, 4),
                    "included": s.included,
                }
                for s in self.statements
            ],
            "base_clusters": [
                {"centre": [round(b.centre[0], 4), round(b.centre[1], 4)], "size": b.size, "group": b.group}
                for b in self.base_clusters
            ],
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "positions": {str(p): [round(x, 4), round(y, 4)] for p, (x, y) in self.positions.items()},
        }
