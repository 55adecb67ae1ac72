"""What the site accepts from a request before any view sees it: ids the database can hold, text without
control characters, page numbers within reach.

- An id in a path is an `int` that fits a 64-bit column (1 to 2^63 - 1): anything else is not found,
  as an id that matches nothing is, instead of an error from a database that cannot hold the number.
- Form and query values lose the control characters no one can type or see (NUL, the C0 and C1 codes,
  DEL; tabs and line ends stay): PostgreSQL refuses NUL in text, and the others only hide text from
  readers. What the person typed is otherwise kept.
- `page(args)` reads a page number: a number from 1 to MAX_PAGE, 1 for anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a positive integer a 64-bit id column can hold, in ASCII digits (Python
    reads "٣" as 3: an address has one spelling)."""

    regex = r"[0-9]+"

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:  # noqa: A002 - werkzeug's names
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)


def clean(text: str) -> str:
    """Remove the control characters (tab, line feed and carriage return stay)."""
    return _CONTROL.sub("", text)


def _cleaned(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(clean(key), clean(value)) for key, value in values.items(multi=True)])


def _clean_request() -> None:
    if request.args:
        request.args = _cleaned(request.args)
    if request.method in ("POST", "PUT", "PATCH") and request.form:
        request.form = _cleaned(request.form)


def as_id(value: object) -> int | None:
    """The id a form or query value names (ASCII digits, 1 to MAX_ID), or None."""
    text = str(value).strip() if value is not None else ""
    return int(text) if re.fullmatch(r"[0-9]{1,19}", text) and 1 <= int(text) <= MAX_ID else None


def optional_id(value: object) -> int | None:
    """A select field's coerce for an optional id: None when left empty, ValueError (the field's error)
    for anything that is not an id."""
    if value in (None, "", "None"):
        return None
    ident = as_id(value)
    if ident is None:
        raise ValueError(f"not an id: {value!r}")
    return ident


def page(args: Mapping[str, str], name: str = "page") -> int:
    """The page number asked for: 1 to MAX_PAGE, and 1 for anything that is not such a number."""
    value = str(args.get(name, "1"))
    return int(value) if re.fullmatch(r"[0-9]{1,6}", value) and 1 <= int(value) <= MAX_PAGE else 1


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(_clean_request)
