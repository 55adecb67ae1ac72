"""Citizens' counts by stance, kept with the endorsements they count (models.CitizenTally).

Every change to a citizen's endorsement goes through `moved(before, after)` in the same transaction:
the key it was counted under (None: not counted, i.e. revoked or absent) loses one, the new key gains
one, both as SQL increments so that simultaneous writers are all counted. `recount` rebuilds a
position's counts from its endorsements (after a bulk load); the tests check the two always agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from civic.coalitions.models import CitizenTally, Endorsement
from civic.extensions import db

Key = tuple[int, int, str, str, bool]


def key_of(endorsement: Endorsement | None) -> Key | None:
    """What a citizen's endorsement is counted under; None for an organisation's or a revoked one."""
    if endorsement is None or not endorsement.active or endorsement.organisation_id is not None:
        return None
    return (
        endorsement.position_id,
        endorsement.version_id,
        endorsement.stance,
        endorsement.condition_state,
        bool(endorsement.show_name),
    )


def _where(key: Key) -> Any:
    position_id, version_id, stance, condition, named = key
    return (
        CitizenTally.position_id == position_id,
        CitizenTally.version_id == version_id,
        CitizenTally.stance == stance,
        CitizenTally.condition_state == condition,
        CitizenTally.named.is_(named),
    )


def _add_one(key: Key) -> None:
    position_id, version_id, stance, condition, named = key
    values = {
        "position_id": position_id,
        "version_id": version_id,
        "stance": stance,
        "condition_state": condition,
        "named": named,
        "count": 1,
    }
    dialect = db.session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(CitizenTally).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["position_id", "version_id", "stance", "condition_state", "named"],
            set_={"count": CitizenTally.count + 1},
        )
    )


def moved(before: Key | None, after: Key | None) -> None:
    """Count an endorsement under `after` instead of `before` (in the caller's transaction)."""
    if before == after:
        return
    if before is not None:
        db.session.execute(update(CitizenTally).where(*_where(before)).values(count=CitizenTally.count - 1))
    if after is not None:
        _add_one(after)


def recount(position_id: int) -> None:
    """Rebuild one position's citizen counts from its endorsements (in the caller's transaction)."""
    db.session.execute(delete(CitizenTally).where(CitizenTally.position_id == position_id))
    groups = (
        select(
            Endorsement.position_id,
            Endorsement.version_id,
            Endorsement.stance,
            Endorsement.condition_state,
            Endorsement.show_name,
            func.count(),
        )
        .where(
            Endorsement.position_id == position_id,
            Endorsement.active.is_(True),
            Endorsement.organisation_id.is_(None),
        )
        .group_by(
            Endorsement.position_id,
            Endorsement.version_id,
            Endorsement.stance,
            Endorsement.condition_state,
            Endorsement.show_name,
        )
    )
    db.session.execute(
        insert(CitizenTally).from_select(
            ["position_id", "version_id", "stance", "condition_state", "named", "count"], groups
        )
    )
