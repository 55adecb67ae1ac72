"""Shared fixtures: the app on SQLite and (when configured) PostgreSQL, clients, users, CSRF tokens."""

from __future__ import annotations

import contextvars
import html
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from civic import create_app
from civic.deliberation.proposals import search
from civic.extensions import db
from config import normalise_database_url

REQUIRE_SERVICES = os.environ.get("CIVIC_REQUIRE_SERVICES") == "1"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (CIVIC_REQUIRE_SERVICES=1) a skipped test fails the run: everything must have run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not REQUIRE_SERVICES or hasattr(session.config, "workerinput") or reporter is None:
        return  # (with pytest-xdist, the controller counts every worker's)
    skipped = reporter.stats.get("skipped", [])
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(
            f"{len(skipped)} test(s) skipped with CIVIC_REQUIRE_SERVICES=1: a failure", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test marked xdist_group that pytest-xdist did not group: shared servers would boot twice.

    loadgroup carries the group in the node id; it silently stopped doing so with pytest 9.2 (hence
    the pin in pyproject.toml), so this says so instead of letting the suite run slowly.
    """
    grouping = getattr(item.config.option, "loadgroup", False)  # set on pytest-xdist's workers
    if grouping and item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid:
        pytest.fail("pytest-xdist did not group this test (see the pytest pin in pyproject.toml)")


def service_missing(reason: str) -> None:
    """Skip a test that needs an absent service; in CI (CIVIC_REQUIRE_SERVICES=1) fail instead."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def base_config(uri: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": uri,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "ARGON2_PARALLELISM": 1,
        "SERVER_NAME": "civic.test",
    }


class PostgresDatabase:
    """A throwaway database created on the test server and dropped at the end of the session."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(normalise_database_url(admin_url))
        self.name = f"civic_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.url = self.admin_url.set(database=self.name)

    def __enter__(self) -> str:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        return self.url.render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    if not TEST_DATABASE_URL:
        service_missing(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    database = PostgresDatabase(TEST_DATABASE_URL)
    try:
        url = database.__enter__()
    except OperationalError as error:
        service_missing(f"PostgreSQL at TEST_DATABASE_URL is not answering: {error}")
    yield url
    database.__exit__()


@pytest.fixture(scope="session")
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'civic.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context open so tests can use the database; without this, requests
    would share its `g` (cached locale, signed-in user) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


_apps: dict[str, Flask] = {}


# The databases an app test runs on: SQLite, and PostgreSQL too where the database matters (queries and
# their counts, locking, full-text search, the group commit, ballots' secrecy, input limits), which a
# test or module says with `pytest.mark.databases("sqlite", "postgresql")` (or one of them alone).
DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("databases")
        names = marker.args if marker is not None else ("sqlite",)
        unknown = set(names) - set(DATABASES)
        if unknown or not names:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: databases{names!r}: not in {DATABASES}")
        metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database of this run of the test (see DATABASES)."""
    return str(request.param)


@pytest.fixture
def app(backend: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on one database backend, with an empty schema for each test."""
    if backend not in _apps:
        url = request.getfixturevalue(f"{backend}_url")
        application = create_app({"CIVIC_ENV": "testing", **base_config(url)})
        application.test_client_class = IsolatedClient
        with application.app_context():
            db.create_all()
            search.create_index_structures()
        _apps[backend] = application
    application = _apps[backend]
    application.extensions["civic_outbox"] = []
    with application.app_context():
        yield application
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            if connection.dialect.name == "sqlite":
                connection.execute(text(f"DELETE FROM {search.SQLITE_TABLE}"))  # noqa: S608 - a constant


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """Fetch a page and return the CSRF token of its form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], token_from: str | None = None, **kwargs: Any
) -> Any:
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from or path), **data}, **kwargs)


def sign_in(
    client: FlaskClient, email: str, password: str = "correct horse battery", remember: bool = False
) -> Any:
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/sign-in", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def html_text(response: Any) -> str:
    """The response body with HTML entities decoded, for comparing with translated strings."""
    return html.unescape(response.get_data(as_text=True))
