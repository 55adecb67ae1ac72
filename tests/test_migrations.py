"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, and go back down."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import normalise_database_url
from tests.conftest import TEST_DATABASE_URL, PostgresDatabase, service_missing

ROOT = Path(__file__).resolve().parent.parent


def _flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CIVIC_ENV": "development",
        "SECRET_KEY": "migrations-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        service_missing("PostgreSQL migrations need TEST_DATABASE_URL")
    database = PostgresDatabase(TEST_DATABASE_URL)  # type: ignore[arg-type]
    url = database.__enter__()
    yield url
    database.__exit__()


def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    upgrade = _flask(database_url, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    check = _flask(database_url, "check")
    assert check.returncode == 0, check.stderr[-3000:]
    down = _flask(database_url, "downgrade", "base")
    assert down.returncode == 0, down.stderr[-3000:]
    again = _flask(database_url, "upgrade")
    assert again.returncode == 0, again.stderr[-3000:]


def _insert(connection: sa.Connection, table: sa.Table, **values: object) -> None:
    """Insert a row, filling every other required column with a value of its type."""
    fillers = {sa.Integer: 1, sa.String: "x", sa.Text: "x", sa.Boolean: False, sa.LargeBinary: b"x"}
    for column in table.columns:
        if (
            column.name in values
            or column.nullable
            or column.primary_key
            or column.server_default is not None
        ):
            continue
        if isinstance(column.type, sa.DateTime | sa.TypeDecorator):
            values[column.name] = datetime(2026, 1, 1)
            continue
        values[column.name] = next(v for t, v in fillers.items() if isinstance(column.type, t))
    connection.execute(table.insert().values(**values))


def test_comment_counts_are_backfilled_with_visible_comments_only(database_url: str) -> None:
    assert _flask(database_url, "upgrade", "ffac448328c7").returncode == 0
    engine = sa.create_engine(normalise_database_url(database_url))
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as connection:
        _insert(connection, t["users"], id=1, email="a@example.org")
        _insert(connection, t["consultations"], id=1, slug="c")
        _insert(connection, t["proposals"], id=1, consultation_id=1, author_id=1)
        # The old counter counted every comment, deleted and hidden ones included.
        _insert(connection, t["threads"], id=1, kind="proposal", target_id=1, comment_count=3)
        for comment_id, deleted, hidden in ((1, False, False), (2, True, False), (3, False, True)):
            _insert(
                connection,
                t["comments"],
                id=comment_id,
                thread_id=1,
                author_id=1,
                deleted=deleted,
                hidden=hidden,
            )
    upgrade = _flask(database_url, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT comment_count FROM threads WHERE id = 1")) == 1
        assert connection.scalar(sa.text("SELECT comment_count FROM proposals WHERE id = 1")) == 1
    engine.dispose()
