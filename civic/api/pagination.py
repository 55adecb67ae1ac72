"""Cursor pagination: a page of rows after an opaque cursor, in a stable order, without OFFSET.

A cursor is the sort key of the last row shown (base64 of JSON): the next page starts strictly after it,
so rows added meanwhile neither shift nor repeat, and the millionth page costs what the first does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, literal, tuple_

from civic.errors import Invalid
from civic.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadCursor(Invalid):
    code = "bad_cursor"


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    next: str | None


def _plain(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _back(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    return value


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, size: int) -> list[Any]:
    """The key values a cursor carries; BadCursor for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(_("This page cursor is not valid: start again from the first page.")) from None
    if not isinstance(values, list) or len(values) != size:
        raise BadCursor(_("This page cursor is not valid: start again from the first page."))
    back = [_back(v) for v in values]
    if not all(isinstance(v, int | float | str | datetime) and not isinstance(v, bool) for v in back):
        raise BadCursor(_("This page cursor is not valid: start again from the first page."))
    return back


def limit_of(value: int | None) -> int:
    return min(max(value or DEFAULT_LIMIT, 1), MAX_LIMIT)


def page(
    query: Select[Any],
    keys: Sequence[Any],
    key_of: Callable[[Any], Sequence[Any]],
    cursor: str | None,
    limit: int | None,
    descending: bool = True,
) -> Page:
    """One page of `query` ordered by `keys` (the last one unique, e.g. the id), after `cursor`."""
    size = limit_of(limit)
    if cursor:
        after = decode(cursor, len(keys))
        # Each value bound with its column's type (SQLite keeps times as text in its own format).
        row, mark = (
            tuple_(*keys),
            tuple_(*(literal(v, type_=k.type) for v, k in zip(after, keys, strict=True))),
        )
        query = query.where(row < mark if descending else row > mark)
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = list(db.session.scalars(query.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode(key_of(rows[-1])) if more and rows else None)
