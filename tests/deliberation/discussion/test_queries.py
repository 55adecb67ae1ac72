"""The discussion page costs the same number of SQL queries for 10 comments as for 200."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from civic.extensions import db
from tests.conftest import sign_in
from tests.deliberation.factories import bulk_comments, discussion_consultation, make_thread
from tests.factories import make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _queries_for(client: FlaskClient, comments: int) -> int:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    authors = [make_user() for _ in range(5)]
    bulk_comments(thread, authors, comments)
    path = f"/c/{consultation.slug}/discussion"
    client.get(path)  # warm-up: the thread exists, caches are filled
    with counted() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_query_count_does_not_grow_with_comments(client: FlaskClient) -> None:
    assert _queries_for(client, 10) == _queries_for(client, 200)


def test_query_count_is_constant_for_a_signed_in_reader(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    small, large = _queries_for(client, 10), _queries_for(client, 200)
    assert small == large <= 12
