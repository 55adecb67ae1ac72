"""Real servers and real clients for co-drafting at scale (tests/scale and benchmarks/bench_drafting.py).

A `Server` is `python app.py` (eventlet) in its own process, on PostgreSQL, with Redis when several run.
`prepare` builds the data through the app in this process (people, a consultation in its co-drafting
phase, an open document). An `Editor` is what a browser tab does, over a real WebSocket to the
document's sync endpoint: it signs in over HTTP, opens the endpoint, syncs, types into a pycrdt
document and sends each change as the protocol says (docs/drafting-protocol.md).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import simple_websocket
from pycrdt import Assoc, Doc, Text

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.sync import protocol

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


def take_message(doc: Doc, lock: Any, data: bytes) -> tuple[str, bytes, bytes | None]:
    """Take a server's `y` message into a client's document, as the browser does.

    Returns its kind, its payload and, for the server's own step 1, the step 2 to send back (what the
    server lacks: offline edits). Updates and step 2 are applied; awareness is left out.
    """
    message = protocol.parse_message(data)
    if message.kind == "awareness":
        return message.kind, message.payload, None
    with lock:
        if message.kind == "step1":
            return message.kind, message.payload, protocol.step2(doc, message.payload)
        doc.apply_update(message.payload)
    return message.kind, message.payload, None


def decode_state_vector(data: bytes) -> dict[int, int]:
    """Read a Yjs state vector: client id -> number of items (its next clock)."""
    return wire.read_state_vector(data)


@dataclass
class Edit:
    """One change sent, and whether the server acknowledged it (committed) or refused it."""

    token: str
    sent_at: float
    answer: dict[str, Any] | None = None


# A step 2 carrying nothing: always answered ("saved" once the messages before it are handled), for
# an editor (an empty update is stored as nothing) as for a reader (ignored).
PROBE = protocol.sync_message(protocol.STEP2, crdt.EMPTY_UPDATE)


@dataclass
class Editor:
    """A browser tab on the document: WebSocket, pycrdt document, sync, typing, answers.

    `on_update(update, received_at)` is called (on the connection's thread) for every update applied
    from the server. All changes to the pycrdt document happen under `lock`.
    """

    document_id: int
    cookie: str
    slug: str
    client_id: int | None = None
    on_update: Callable[[bytes, float], None] | None = None
    doc: Doc = field(init=False)
    text: Text = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ws: Any = None
    role: str | None = None
    welcome: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    modes: list[dict[str, Any]] = field(default_factory=list)  # changes of mode heard
    roles: list[str] = field(default_factory=list)  # changes of role heard
    edits: list[Edit] = field(default_factory=list)
    synced: threading.Event = field(default_factory=threading.Event)
    _waiting: list[Any] = field(default_factory=list)  # answers awaited, in order (Edit or a list)
    _welcomed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.doc = Doc(client_id=self.client_id, allow_multithreading=True)
        self.text = self.doc.get(crdt.BODY, type=Text)

    # ---- connection ----------------------------------------------------------------------------------

    def connect(self, base_url: str, timeout: float = 20.0) -> Editor:
        """Open the sync endpoint (a fresh socket each time: after a drop the tab reconnects, maybe to
        another server)."""
        self.disconnect()
        self.synced.clear()
        self._welcomed.clear()
        self._waiting = []
        url = (
            base_url.replace("http://", "ws://", 1)
            + f"/c/{self.slug}/documents/{self.document_id}/sync?civic=1"
        )
        self.ws = simple_websocket.Client.connect(
            url, headers={"Cookie": self.cookie} if self.cookie else None
        )
        threading.Thread(target=self._read, args=(self.ws,), daemon=True).start()
        if not self._welcomed.wait(timeout):
            raise TimeoutError("no welcome from the server")
        return self

    def join(self, timeout: float = 20.0) -> dict[str, Any]:
        """Send step 1; wait until the server's step 2 has been applied; return the welcome."""
        with self.lock:
            step1 = protocol.step1(self.doc)
        self.send(step1)
        if not self.synced.wait(timeout):
            raise TimeoutError("no step 2 from the server")
        return self.welcome

    def disconnect(self) -> None:
        if self.ws is not None and self.ws.connected:
            self.ws.close()

    @property
    def connected(self) -> bool:
        return self.ws is not None and bool(self.ws.connected)

    # ---- messages ------------------------------------------------------------------------------------

    def send(self, message: bytes, edit: Edit | None = None) -> None:
        """Send a message; a step 2 or an update gets its answer into `edit` (or is counted anyway)."""
        with self.lock:
            if protocol.answered(message):
                self._waiting.append(edit if edit is not None else [])
            self.ws.send(message)

    def call(self, message: bytes, timeout: float = 30.0) -> dict[str, Any]:
        """Send a message and wait until it is handled: {"ok": True}, or the refusal {"ok": False,
        "error", "code"}. A message the server does not answer is followed by PROBE, which it does."""
        answer: list[dict[str, Any]] = []
        done = threading.Event()
        with self.lock:
            probe = not protocol.answered(message)
            self._waiting.append((answer, done, probe, len(self.errors)))
            self.ws.send(message)
            if probe:
                self.ws.send(PROBE)
        if not done.wait(timeout):
            raise TimeoutError("no answer from the server")
        return answer[0]

    def _answered(self, civic: dict[str, Any]) -> None:
        with self.lock:
            waiting = self._waiting.pop(0) if self._waiting else None
        ok = {"ok": True} if civic["type"] == "saved" else {
            "ok": False, "error": civic["message"], "code": civic["code"],
        }  # fmt: skip
        if isinstance(waiting, Edit):
            waiting.answer = ok
        elif isinstance(waiting, tuple):
            answer, done, probe, errors_before = waiting
            refusals = self.errors[errors_before:]
            if probe and refusals:  # the message before the probe was refused
                ok = {"ok": False, "error": refusals[0]["message"], "code": refusals[0]["code"]}
            answer.append(ok)
            done.set()

    def _read(self, ws: Any) -> None:
        while True:
            try:
                data = ws.receive()
            except simple_websocket.ConnectionClosed:
                return
            if data is None:
                continue
            received_at = time.time()
            civic = protocol.read_civic(data) if isinstance(data, bytes) else None
            if civic is not None:
                self._civic(civic)
                continue
            kind, payload, answer = take_message(self.doc, self.lock, data)
            if answer is not None:
                self.send(answer)
            elif kind == "step2":
                self.synced.set()
            elif kind == "update" and self.on_update is not None:
                self.on_update(payload, received_at)

    def _civic(self, civic: dict[str, Any]) -> None:
        kind = civic["type"]
        if kind == "welcome":
            self.welcome, self.role = civic, civic["role"]
            self._welcomed.set()
        elif kind == "saved" or (kind == "error" and civic.get("answers")):
            if kind == "error":
                self.errors.append({"code": civic["code"], "message": civic["message"]})
            self._answered(civic)
        elif kind == "error":
            self.errors.append({"code": civic["code"], "message": civic["message"]})
        elif kind == "mode":
            self.modes.append(civic)
        elif kind == "role":
            self.role = civic["role"]
            self.roles.append(civic["role"])

    # ---- typing --------------------------------------------------------------------------------------

    def change(self, edit: Callable[[Text], None]) -> bytes:
        """Make a local change; return the update it produced (not sent)."""
        with self.lock:
            before = self.doc.get_state()
            edit(self.text)
            return self.doc.get_update(before)

    def insert_at_end_of(self, marker: str, piece: str, send: bool = True) -> Edit:
        """Type `piece` at the end of the line starting with `marker` (each editor has its own line)."""

        def typing(text: Text) -> None:
            body = str(text)
            start = body.index(marker)
            end = body.find("\n", start)
            end = len(body) if end < 0 else end
            text.insert(len(body[:end].encode("utf-8")), piece)

        update = self.change(typing)
        edit = Edit(piece, time.time())
        self.edits.append(edit)
        if send:
            self.send(protocol.update_message(update), edit)
        return edit

    def content(self) -> str:
        with self.lock:
            return str(self.text)


@dataclass
class Typist:
    """Fast typing at a fixed place: a sticky index follows the place while others insert elsewhere."""

    editor: Editor
    marker: str
    _place: Any = None

    def type(self, piece: str) -> bytes:
        def typing(text: Text) -> None:
            if self._place is None:
                body = str(text)
                end = body.find("\n", body.index(self.marker))
                self._place = text.sticky_index(len(body[:end].encode("utf-8")), Assoc.AFTER)
            # The index sticks to the line's newline, which moves along as anyone types before it.
            text.insert(self._place.get_index(), piece)

        return self.editor.change(typing)
