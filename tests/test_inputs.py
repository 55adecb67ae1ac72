"""No 500s from what a request carries: out-of-range, negative and non-numeric values in every id of every
route and in every query parameter, and NUL or control characters in every text field of every form, on
both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select

from civic.extensions import db
from civic.inputs import clean, page
from tests.conftest import csrf_token, sign_in
from tests.factories import make_user
from tests.test_sanctions import WRITES, World, build_world

pytestmark = pytest.mark.databases("sqlite", "postgresql")

BAD_IDS = [str(2**63), str(2**64), "9" * 30, "-1", "0", "abc", "1e3", "٣", "1.5", "0x10"]
BAD_VALUES = [*BAD_IDS, "", " ", "\x00", "%", "9" * 400]
QUERY_KEYS = ["page", "from", "to", "receipt", "sort", "theme", "state", "q", "passage", "next", "kind"]
QUERY_KEYS += ["stance", "verified", "before", "upage", "position", "lang"]
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"


def _fill(rule: str, world: World, ident: str) -> str:
    """A concrete path for a rule: real values for the other parts, `ident` for every integer."""
    path = re.sub(r"<int:[a-z_]+>", ident, rule)
    path = path.replace("<slug>", world.consultation.slug).replace("<token>", "x").replace("<fmt>", "json")
    path = path.replace("<kind>", "comment").replace("<decision>", "accept")
    path = path.replace("<organisation>", world.own["clean"].organisation.slug)
    return re.sub(r"<any\(([a-z]+)[^>]*>", r"\1", path)


def _rules(app: Flask) -> list[tuple[str, set[str]]]:
    return [
        (rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/static")
    ]


def _admin(app: Flask) -> tuple[FlaskClient, str]:
    admin = make_user(admin=True)
    client = app.test_client()
    sign_in(client, admin.email)
    return client, csrf_token(client, "/")


def _call(client: FlaskClient, method: str, path: str, token: str, **data: str) -> Any:
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token, **data})


def test_ids_out_of_range_negative_or_not_numbers_match_no_route(app: Flask) -> None:
    world = build_world()
    client, token = _admin(app)
    failures = []
    for rule, methods in _rules(app):
        if "<int:" not in rule:
            continue
        for ident in BAD_IDS:
            for method in methods:
                response = _call(client, method, _fill(rule, world, ident), token)
                # Not found; or, where a rule for another method matches the path, 405.
                if response.status_code not in (404, 405) or (
                    method == "GET" and response.status_code != 404
                ):
                    failures.append(f"{method} {_fill(rule, world, ident)}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_bad_query_parameters_never_break_a_page(app: Flask) -> None:
    world = build_world()
    client, token = _admin(app)
    failures = []
    for rule, methods in _rules(app):
        if "GET" not in methods:
            continue
        path = _fill(rule, world, str(world.own["clean"].proposal.id))
        for value in BAD_VALUES:
            query = "&".join(f"{key}={value}" for key in QUERY_KEYS)
            response = client.get(f"{path}?{query}")
            if response.status_code >= 500:
                failures.append(f"GET {path}?{query[:60]}…: {response.status_code}")
    assert not failures, "\n".join(failures)


def _stored_control_characters() -> list[str]:
    """Every text value in the database that holds a control character."""
    db.session.rollback()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        for column in columns:
            for value in db.session.scalars(select(column).where(column.is_not(None))):
                if isinstance(value, str) and clean(value) != value:
                    found.append(f"{table.name}.{column.name}: {value[:40]!r}")
    return found


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_control_characters_in_every_text_field_are_removed_never_a_500(app: Flask, endpoint: str) -> None:
    world = build_world()
    own = world.own["clean"]
    client = app.test_client()
    sign_in(client, own.person.email)
    token = csrf_token(client, "/")
    url, form = WRITES[endpoint](world, own)
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    # Each field alone made of control characters, then all of them carrying some.
    attempts = [{**form, name: CONTROL} for name in fields] + [
        {name: f"{CONTROL}{value}{CONTROL}" for name, value in fields.items()}
    ]
    for data in attempts:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code < 500, (data, response.get_data(as_text=True)[:300])
    assert _stored_control_characters() == []


def test_the_page_helper_reads_only_reasonable_numbers() -> None:
    assert [page({"page": v}) for v in ["2", "100000", "100001", "0", "-1", "x", "²", "٣", str(2**63)]] == [
        2,
        100000,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
    ]
    assert page({}) == 1


def test_cleaning_keeps_tabs_and_line_ends() -> None:
    assert clean("a\tb\r\nc\x00d\x1be\x7ff\x85g") == "a\tb\r\ncdefg"


# Form fields that name an id or a number somewhere in the app's forms.
NUMERIC_FIELDS = [
    "theme",
    "organisation",
    "merged_into",
    "phase",
    "max_editors",
    "seats",
    "max_score",
    "block_threshold",
    "base",
    "number",
    "rank-0",
    "rank-1",
    "score-0",
    "value",
    "kind",
    "state",
    "statement",
    "document",
    "vote",
    "status",
    "condition",
    "version",
    "document_version",
    "proposal",
    "speaker",
    "item",
    "poll",
    "question",
    "minutes",
    "speaking_seconds",
    "choice",
    "counts",
]


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_bad_numbers_in_every_form_field_never_give_a_500(app: Flask, endpoint: str) -> None:
    world = build_world()
    own = world.own["clean"]
    client = app.test_client()
    sign_in(client, own.person.email)
    token = csrf_token(client, "/")
    url, form = WRITES[endpoint](world, own)
    failures = []
    for name in sorted({*form, *NUMERIC_FIELDS}):
        for value in (str(2**63), "9" * 30, "-1", "abc", "٣"):
            response = client.post(url, data={"csrf_token": token, **form, name: value})
            if response.status_code >= 500:
                failures.append(f"{name}={value}: {response.status_code}")
    assert not failures, failures
