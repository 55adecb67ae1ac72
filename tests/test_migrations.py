"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, and go back down."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
