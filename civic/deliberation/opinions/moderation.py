"""Statements in the moderation package: flagged, hidden and restored there, listed in its public log."""

from __future__ import annotations

from typing import Any

from civic.accounts.models import User
from civic.deliberation.opinions import permissions, runner
from civic.deliberation.opinions.models import OpinionMap, Statement
from civic.extensions import db
from civic.timestamps import utcnow


def load_statement(statement_id: int) -> Statement | None:
    return db.session.get(Statement, statement_id)


def readable(statement: Any, user: User | None) -> bool:
    """Whoever sees the map sees its statements where they stand (a hidden one as its placeholder)."""
    return isinstance(statement, Statement) and permissions.can_view_map(user, statement.map)


def on_visibility(statement: Statement, _visible: bool) -> None:
    """A hidden statement leaves the analysis and the voting order: mark the map changed (before commit)."""
    opinion_map = db.session.get(OpinionMap, statement.map_id)
    if opinion_map is not None:
        opinion_map.changed_at = utcnow()


def on_moderation(statement: Statement, _action: str) -> None:
    """After a hide or restore is committed, analyse the map again without (or with) the statement."""
    runner.schedule(statement.map_id)
