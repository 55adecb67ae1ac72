"""Read models for the pages: a map's results from its last analysis, and pages of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from civic.accounts.models import User
from civic.deliberation.opinions import runs
from civic.deliberation.opinions.models import OpinionMap, Statement
from civic.deliberation.opinions.services import participant_of
from civic.extensions import db

LETTERS = "ABCDEFGHIJ"
BRIDGING_MAX = 5
STATEMENTS_PAGE = 50


def letter(group: int | None) -> str:
    return LETTERS[group] if group is not None and 0 <= group < len(LETTERS) else ""


@dataclass(slots=True)
class Share:
    """Agree, disagree and pass among some people, as counts and rounded percentages."""

    agree: int
    disagree: int
    passes: int

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passes

    def percent(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0


@dataclass(slots=True)
class StatementRow:
    statement: Statement
    overall: Share
    groups: list[Share]
    consensus: float
    bridging: float
    divisiveness: float


@dataclass(slots=True)
class Distinction:
    """What sets a group apart: a statement most of the group agrees (or disagrees) with, unlike the others."""

    row: StatementRow
    direction: str
    share: int
    others_share: int


@dataclass(slots=True)
class GroupView:
    id: int
    letter: str
    size: int
    percent: int
    centre: tuple[float, float]
    distinctions: list[Distinction] = field(default_factory=list)


@dataclass(slots=True)
class Results:
    computed_at: datetime | None
    failed_at: datetime | None
    error: str
    stale: bool
    participants: int
    grouped: int
    silhouette: float | None
    groups: list[GroupView]
    consensus: list[StatementRow]
    bridging: list[StatementRow]
    divisive: list[StatementRow]
    base_clusters: list[dict[str, Any]]
    my_group: int | None
    # Where the signed-in participant is on the map, when the last analysis placed them in a group.
    my_position: tuple[float, float] | None = None


def _share(data: dict[str, Any]) -> Share:
    return Share(int(data.get("agree", 0)), int(data.get("disagree", 0)), int(data.get("pass", 0)))


def results(opinion_map: OpinionMap, user: User | None) -> Results:
    """The last analysis as the results page shows it (one query for the statements it names)."""
    analysis = opinion_map.analysis
    data: dict[str, Any] = analysis.result if analysis is not None and analysis.result else {}
    scores = {int(s["id"]): s for s in data.get("statements", [])}
    wanted: set[int] = set()
    for group in data.get("groups", []):
        wanted |= {int(r["statement"]) for r in group.get("representative", [])}
    wanted |= {int(c["statement"]) for c in data.get("consensus", [])}
    wanted |= {int(d["statement"]) for d in data.get("divisive", [])}
    bridging_ids = [
        s["id"]
        for s in sorted(
            data.get("statements", []), key=lambda s: (-float(s.get("bridging", 0)), int(s["id"]))
        )
        if s.get("included", True) and float(s.get("bridging", 0)) > 0
    ]
    shown = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.map_id == opinion_map.id,
                Statement.id.in_(wanted | set(bridging_ids[: BRIDGING_MAX * 3])),
                Statement.hidden.is_(False),
            )
        )
    }

    def row(statement_id: int) -> StatementRow | None:
        statement, score = shown.get(statement_id), scores.get(statement_id)
        if statement is None or score is None:
            return None
        return StatementRow(
            statement,
            _share(score),
            [_share(g) for g in score.get("groups", [])],
            float(score.get("consensus", 0)),
            float(score.get("bridging", 0)),
            float(score.get("divisiveness", 0)),
        )

    participants = {int(p): g for p, g in data.get("participants", {}).items()}
    grouped = sum(1 for g in participants.values() if g is not None)
    groups = []
    for group in data.get("groups", []):
        view = GroupView(
            int(group["id"]),
            letter(int(group["id"])),
            int(group["size"]),
            round(100 * int(group["size"]) / grouped) if grouped else 0,
            (float(group["centre"][0]), float(group["centre"][1])),
        )
        for item in group.get("representative", []):
            found = row(int(item["statement"]))
            if found is not None:
                view.distinctions.append(
                    Distinction(
                        found,
                        item["direction"],
                        round(100 * item["share"]),
                        round(100 * item["others_share"]),
                    )
                )
        groups.append(view)
    me = participant_of(opinion_map, user)
    my_group = participants.get(me.id) if me is not None else None
    place = data.get("positions", {}).get(str(me.id)) if me is not None and my_group is not None else None
    return Results(
        computed_at=analysis.computed_at if analysis is not None else None,
        failed_at=analysis.failed_at if analysis is not None else None,
        error=analysis.error if analysis is not None else "",
        stale=runs.needs_run(opinion_map),
        participants=opinion_map.participant_count,
        grouped=grouped,
        silhouette=data.get("silhouette"),
        groups=groups,
        consensus=[r for c in data.get("consensus", []) if (r := row(int(c["statement"]))) is not None],
        bridging=[r for b in bridging_ids if (r := row(int(b))) is not None][:BRIDGING_MAX],
        divisive=[r for d in data.get("divisive", []) if (r := row(int(d["statement"]))) is not None],
        base_clusters=list(data.get("base_clusters", [])),
        my_group=my_group,
        my_position=(float(place[0]), float(place[1])) if place else None,
    )


@dataclass(slots=True)
class StatementPage:
    statements: list[Statement]
    page: int
    pages: int
    total: int


def statement_page(opinion_map: OpinionMap, page: int, with_hidden: bool) -> StatementPage:
    """One page of the map's statements, most voted first (hidden ones only for moderators)."""
    query = select(Statement).where(Statement.map_id == opinion_map.id)
    if not with_hidden:
        query = query.where(Statement.hidden.is_(False))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // STATEMENTS_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.order_by(
            (Statement.agree_count + Statement.disagree_count + Statement.pass_count).desc(), Statement.number
        )
        .offset((page - 1) * STATEMENTS_PAGE)
        .limit(STATEMENTS_PAGE)
    )
    return StatementPage(list(rows), page, pages, total)
