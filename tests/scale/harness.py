"""Real servers and real clients for co-drafting at scale (tests/scale and benchmarks/bench_drafting.py).

A `Server` is `python app.py` (eventlet) in its own process, on PostgreSQL, with Redis when several run.
`prepare` builds the data through the app in this process (people, a consultation in its co-drafting
phase, an open document). The browser tabs that write the document are in clients.py.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # noqa: S105 - throwaway accounts on a throwaway database
SECRET = "scale-test-secret-not-for-production"  # noqa: S105 - shared by the processes of one run


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped after it; yields its URL."""
    from tests.conftest import PostgresDatabase

    database = PostgresDatabase(admin_url)
    url = database.__enter__()
    try:
        yield url
    finally:
        database.__exit__()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One `python app.py` process (eventlet), or gunicorn's eventlet worker, started and stopped by the
    caller."""

    def __init__(
        self, database_url: str, redis_url: str | None, log_path: Path, gunicorn: bool = False, **env: str
    ) -> None:
        self.database_url, self.redis_url = database_url, redis_url
        self.log_path, self.extra_env = log_path, env
        self.gunicorn = gunicorn  # served by gunicorn's eventlet worker instead of `python app.py`
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30.0) -> Server:
        env = {
            **os.environ,
            "CIVIC_ENV": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.database_url,
            "CIVIC_HOST": "127.0.0.1",
            "CIVIC_PORT": str(self.port),
            # Hundreds of sign-ins from one address would hit the sign-in limits; they are not measured.
            "CIVIC_RATELIMIT": "0",
            "SOCKETIO_ASYNC_MODE": "eventlet",
            **self.extra_env,
        }
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        log = self.log_path.open("ab")
        command = [sys.executable, str(ROOT / "app.py")]
        if self.gunicorn:
            address = f"127.0.0.1:{self.port}"
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "-k",
                "eventlet",
                "-w",
                "1",
                "-b",
                address,
                "app:app",
            ]
        self.process = subprocess.Popen(  # noqa: S603 - our own entry point
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: see {self.log_path}")
            try:
                if requests.get(f"{self.url}/sign-in", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not answer within {timeout} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Setup:
    """What `prepare` made: the document and the people who may sign in (password PASSWORD)."""

    document_id: int
    emails: list[str]
    moderator_email: str
    slug: str = ""  # the consultation's


def cheap_app(database_url: str) -> Any:
    """The app in this process, to build data and read the database (cheap password hashing)."""
    from civic import create_app

    return create_app(
        {
            "CIVIC_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
            "ARGON2_PARALLELISM": 1,
        }
    )


def create_schema(app: Any) -> None:
    from civic.deliberation.proposals import search
    from civic.extensions import db

    with app.app_context():
        db.create_all()
        search.create_index_structures()


def prepare(app: Any, people: int, text: str = "", tag: str = "", max_editors: int = 150) -> Setup:
    """Create `people` accounts (password PASSWORD), a consultation in its co-drafting phase and an open
    document."""
    from civic.deliberation.drafting import documents
    from civic.extensions import db
    from tests.deliberation.drafting.factories import drafting_consultation
    from tests.factories import PASSWORD as ACCOUNTS_PASSWORD
    from tests.factories import make_user

    assert ACCOUNTS_PASSWORD == PASSWORD
    tag = tag or os.urandom(3).hex()
    with app.app_context():
        moderator = make_user(f"mod-{tag}@example.org", "Modératrice")
        consultation = drafting_consultation(moderators=[moderator])
        document = documents.create_document(moderator, consultation, "Manifeste", "Manifesto", text)
        document.max_editors = max_editors
        db.session.commit()
        emails = []
        for number in range(people):
            user = make_user(f"p{number}-{tag}@example.org", f"Personne {number}")
            emails.append(user.email)
        return Setup(document.id, emails, moderator.email, consultation.slug)


def stored_text(app: Any, document_id: int) -> str:
    """The document's text as the database holds it (every committed row)."""
    from civic.deliberation.drafting.log import rows
    from civic.extensions import db

    with app.app_context():
        try:
            return rows.text_at(document_id)[0]
        finally:
            db.session.remove()


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def browser_session(base_url: str, email: str, password: str = PASSWORD) -> requests.Session:
    """Sign in over HTTP like a browser; return the session (its cookies)."""
    http = requests.Session()
    token = _csrf_token(http.get(f"{base_url}/sign-in", timeout=30).text)
    response = http.post(
        f"{base_url}/sign-in",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {email} answered {response.status_code}")
    return http


def sign_in(base_url: str, email: str, password: str = PASSWORD) -> str:
    """Sign in over HTTP like a browser; return the Cookie header for the WebSocket."""
    http = browser_session(base_url, email, password)
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def change_mode(base_url: str, setup: Setup, mode: str) -> None:
    """The moderator changes the document's mode with the settings form, as in a browser."""
    http = browser_session(base_url, setup.moderator_email)
    page = f"{base_url}/c/{setup.slug}/documents/{setup.document_id}"
    token = _csrf_token(http.get(page, timeout=30).text)
    response = http.post(
        f"{page}/settings",
        data={"csrf_token": token, "title_fr": "Manifeste", "title_en": "Manifesto", "mode": mode,
              "max_editors": "150"},
        allow_redirects=False,
        timeout=30,
    )  # fmt: skip
    if response.status_code != 302:
        raise RuntimeError(f"changing the mode answered {response.status_code}")
