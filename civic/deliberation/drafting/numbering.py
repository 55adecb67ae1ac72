"""Numbered rows of a document (versions, amendments): the next number, taken again if another process won it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from civic.errors import Conflict
from civic.extensions import db

Row = TypeVar("Row")
TRIES = 3


def add_numbered(make: Callable[[int], Row], number: InstrumentedAttribute[int], parent: Any) -> Row:
    """Add and commit `make(n)`, n one past the highest `number` among the rows matching `parent`.

    The unique constraint on (parent, number) refuses a number another process committed meanwhile:
    the next one is taken, up to TRIES times, then Conflict.
    """
    for _attempt in range(TRIES):
        row = make((db.session.scalar(select(func.max(number)).where(parent)) or 0) + 1)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return row
    raise Conflict()
