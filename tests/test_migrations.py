"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, and go back down.

Alembic runs in this process, through Flask-Migrate's functions (what `flask db` calls): the app's
import is paid once, not once per command.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from civic import create_app
from civic.extensions import db
from config import normalise_database_url
from tests.conftest import TEST_DATABASE_URL, PostgresDatabase, base_config, service_missing


def _migrate(app: Flask, command: str, *args: str) -> str | None:
    """Run one `flask db` command on the app's database; return the revision it is at after it."""
    with app.app_context():
        getattr(flask_migrate, command)(*args)
        with db.engine.connect() as connection:
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        db.engine.dispose()
    return str(revision) if revision is not None else None


def _head(app: Flask) -> str:
    """The revision the migrations end at."""
    from alembic.script import ScriptDirectory

    with app.app_context():
        head = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()
    assert head is not None
    return head


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


@pytest.fixture
def migrating(database_url: str) -> Flask:
    """The app on an empty database, to migrate (nothing is created but by the migrations)."""
    return create_app({"CIVIC_ENV": "testing", **base_config(database_url)})


def test_migrations_match_the_models_and_downgrade(migrating: Flask) -> None:
    head = _head(migrating)
    assert _migrate(migrating, "upgrade") == head
    assert _migrate(migrating, "check") == head  # raises (exits) when the models differ from the schema
    assert _migrate(migrating, "downgrade", None, "base") is None
    assert _migrate(migrating, "upgrade") == head


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


def test_comment_counts_are_backfilled_with_visible_comments_only(
    migrating: Flask, database_url: str
) -> None:
    assert _migrate(migrating, "upgrade", None, "ffac448328c7") == "ffac448328c7"
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
    assert _migrate(migrating, "upgrade") == _head(migrating)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT comment_count FROM threads WHERE id = 1")) == 1
        assert connection.scalar(sa.text("SELECT comment_count FROM proposals WHERE id = 1")) == 1
    engine.dispose()
