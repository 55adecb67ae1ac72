"""Database connection settings: SQLite in WAL mode with foreign keys enforced, files for their owner only.

Also the one place that asks the database to drop old row versions (`erase_old_row_versions`): what a
closing poll needs so that its database files no longer tell in what order people voted.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from civic.extensions import db
from config import INSTANCE, private_folder

log = logging.getLogger(__name__)
# SQLite creates its -wal and -shm files with the database file's mode: these cover all three.
SQLITE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
CHECKPOINT_TRIES = 20
CHECKPOINT_PAUSE = 0.05
BUSY_TIMEOUT_MS = 10000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; NORMAL sync is durable across application
    # crashes in WAL mode; foreign keys are off by default in SQLite and our cascades rely on them.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Deleted rows are overwritten with zeros, in their page and in freed pages, instead of lingering
    # in the file (a closed poll's participations in the order people voted, for one).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def sqlite_path(uri: str) -> Path | None:
    """Return the file of a SQLite database URI, or None (another database, or one in memory)."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


def protect_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only before SQLite opens it; tighten old ones."""
    folder = path.parent
    if folder.resolve() == INSTANCE.resolve():
        private_folder(folder)
    else:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, SQLITE_FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        if candidate.exists():
            candidate.chmod(SQLITE_FILE_MODE)


def erase_old_row_versions(*tables: str) -> bool:
    """Have the database drop the old versions of rows deleted or changed by the last commit.

    PostgreSQL keeps them as dead tuples until VACUUM (run here from an autocommit connection: VACUUM
    cannot run in a transaction). SQLite, with secure_delete on, has zeroed them in the pages it wrote
    to its write-ahead log; a TRUNCATE checkpoint copies those pages into the database file and empties
    the log, whose older frames still held the rows. Return False (and log) if it could not complete:
    e.g. a reader kept the log busy, or a long transaction kept PostgreSQL from removing the tuples.
    """
    engine: Engine = db.engine
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"VACUUM {', '.join(tables)}")
            return True
        if engine.dialect.name == "sqlite":
            return _checkpoint_sqlite(engine)
    except SQLAlchemyError:
        log.exception("could not erase old row versions of %s", ", ".join(tables))
        return False
    return True


def _checkpoint_sqlite(engine: Engine) -> bool:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Wait briefly for readers rather than the usual 10 s: a request must not hang on a checkpoint.
        connection.exec_driver_sql("PRAGMA busy_timeout=100")
        try:
            for _attempt in range(CHECKPOINT_TRIES):
                busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if busy == 0:
                    return True
                time.sleep(CHECKPOINT_PAUSE)
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    log.warning(
        "SQLite write-ahead log still in use after %d checkpoint attempts: old row versions stay in it "
        "until the next checkpoint",
        CHECKPOINT_TRIES,
    )
    return False


def init_app(app: Flask) -> None:
    path = sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])
    if path is not None:
        protect_sqlite_file(path)
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            engine: Engine = db.engine
            event.listen(engine, "connect", _sqlite_pragmas)
