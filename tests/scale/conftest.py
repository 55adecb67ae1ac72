"""Two real server processes (app.py under eventlet) with Redis on one fresh PostgreSQL database.

Shared by the whole tests/scale run (starting a server takes a few seconds). Without TEST_DATABASE_URL
and TEST_REDIS_URL the tests are skipped with the reason; in CI (CIVIC_REQUIRE_SERVICES=1) they fail.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select, text

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, service_missing
from tests.scale import clients, harness


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this folder's tests on one test worker (pytest-xdist's loadgroup): they share one cluster."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("scale"))


class Cluster:
    """Servers `a` and `b`, the app in this process (to build data and read the database), clients."""

    def __init__(self, app: Any, servers: list[harness.Server], folder: Path) -> None:
        self.app, self.servers, self.folder = app, servers, folder
        self.editors: list[clients.Editor] = []

    @property
    def a(self) -> harness.Server:
        return self.servers[0]

    @property
    def b(self) -> harness.Server:
        return self.servers[1]

    def document(self, people: int) -> harness.Setup:
        """A fresh open document with one line `[i]` per person, and the people."""
        return harness.prepare(self.app, people, "".join(f"[{i}]\n" for i in range(people)))

    def editor(self, setup: harness.Setup, person: int, server: harness.Server) -> clients.Editor:
        """Person `person` signed in, connected to `server`, joined and synced."""
        editor = clients.Editor(
            setup.document_id, harness.sign_in(server.url, setup.emails[person]), setup.slug
        )
        self.editors.append(editor)
        editor.connect(server.url)
        assert editor.join()["role"] == "editor"
        return editor

    def stored(self, setup: harness.Setup) -> str:
        return harness.stored_text(self.app, setup.document_id)

    def rows(self, setup: harness.Setup) -> int:
        from civic.deliberation.drafting.models import DocumentUpdate
        from civic.extensions import db

        with self.app.app_context():
            try:
                query = select(func.count(DocumentUpdate.id)).where(
                    DocumentUpdate.document_id == setup.document_id
                )
                return int(db.session.scalar(query) or 0)
            finally:
                db.session.remove()

    def restart(self, server: harness.Server) -> None:
        server.stop()
        server.port = harness.free_port()  # the old port may linger in TIME_WAIT
        server.start()


def eventually(check: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    """Wait until `check()` holds (events cross processes and Redis), or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _services() -> tuple[str, str]:
    if not TEST_DATABASE_URL:
        service_missing(
            "scale tests need PostgreSQL: set TEST_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test)"
        )
    if not TEST_REDIS_URL:
        service_missing("scale tests need Redis: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    import redis

    try:
        redis.Redis.from_url(str(TEST_REDIS_URL)).ping()
    except redis.RedisError as error:
        service_missing(f"Redis at TEST_REDIS_URL is not answering: {error}")
    return str(TEST_DATABASE_URL), str(TEST_REDIS_URL)


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    admin_url, redis_url = _services()
    import redis
    from sqlalchemy.exc import OperationalError

    # Editor seats and message budgets of an earlier run on a database with the same ids.
    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter("civic:drafting:*"):
        connection.delete(key)
    folder = Path(tempfile.mkdtemp(prefix="civic-scale-"))
    try:
        database = harness.fresh_database(admin_url)
        url = database.__enter__()
    except OperationalError as error:
        service_missing(f"PostgreSQL at TEST_DATABASE_URL is not answering: {error}")
    app = harness.cheap_app(url)
    servers: list[harness.Server] = []
    try:
        harness.create_schema(app)
        servers = [harness.Server(url, redis_url, folder / f"server-{name}.log") for name in "ab"]
        for server in servers:
            server.start()
        cluster = Cluster(app, servers, folder)
        yield cluster
        for editor in cluster.editors:
            editor.disconnect()
    finally:
        for server in servers:
            server.stop()
        from civic.extensions import db

        with app.app_context():
            db.engine.dispose()
        database.__exit__(None, None, None)
        if request.session.testsfailed or os.environ.get("CIVIC_KEEP_SCALE_LOGS") == "1":
            print(f"server logs kept in {folder}")
        else:
            for log in folder.glob("*.log"):
                log.unlink()
            folder.rmdir()


@dataclass
class Site:
    """Another site sharing the cluster's Redis server: its own database and Redis database number."""

    app: Any
    server: harness.Server

    def document(self, document_id: int, people: int = 1) -> harness.Setup:
        """A document with this id (ids are only unique per database: rooms bear the same name)."""
        from civic.extensions import db

        with self.app.app_context():
            db.session.execute(text(f"ALTER SEQUENCE documents_id_seq RESTART WITH {int(document_id)}"))
            db.session.commit()
            db.session.remove()
        setup = harness.prepare(self.app, people, "Texte d’un autre site\n")
        assert setup.document_id == document_id
        return setup


def other_redis_database(url: str) -> str:
    """The same Redis server, another database number."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{1 if number != 1 else 2}"))


@pytest.fixture(scope="session")
def other_site(cluster: Cluster) -> Iterator[Site]:
    """One server process of a second site on the cluster's Redis server (another PostgreSQL database,
    another Redis database number), as two sites hosted together would be."""
    admin_url, redis_url = _services()
    import redis

    other_redis = other_redis_database(redis_url)
    connection = redis.Redis.from_url(other_redis)
    for key in connection.scan_iter("civic:drafting:*"):
        connection.delete(key)
    with harness.fresh_database(admin_url) as url:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        server = harness.Server(url, other_redis, cluster.folder / "server-other-site.log")
        try:
            server.start()
            yield Site(app, server)
        finally:
            server.stop()
            from civic.extensions import db

            with app.app_context():
                db.engine.dispose()
