"""Real-browser fixtures: the real server (app.py under eventlet) and one headless Chromium per session.

These tests never use the `app` fixture of tests/conftest.py: they talk HTTP to a subprocess, exactly as a
visitor's browser does, so the Content-Security-Policy, the built assets and the server are all real.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SITE_CSS = ROOT / "static" / "dist" / "site.css"
SOURCES = ROOT / "static" / "src"
START_TIMEOUT = 30.0

DEMO_ADMIN = "admin@example.org"
DEMO_PASSWORD = "civic-demo-2026"  # the documented demo password (civic/demo.py)

# The WCAG levels the site promises (A and AA, 2.0 to 2.2). No rule is ever disabled.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder e2e (before `-m` selects), so `-m "not e2e"` leaves them out; and
    keep them on one test worker (pytest-xdist's loadgroup), which boots the one server they share."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _python() -> str:
    venv_python = VENV_BIN / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def _flask() -> list[str]:
    venv_flask = VENV_BIN / "flask"
    return [str(venv_flask)] if venv_flask.exists() else [sys.executable, "-m", "flask"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        service_missing(f"the browser tests need Chromium at {CHROMIUM} (set CIVIC_CHROMIUM to another path)")


class Server:
    """The real server, booted in a thread so that Chromium can start meanwhile."""

    def __init__(self, folder: Path) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / "server.log"
        self.mail = folder / "mail"
        self.database = folder / "e2e.sqlite3"
        self.env = {
            **os.environ,
            "CIVIC_PORT": str(port),
            "CIVIC_HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SECRET_KEY": secrets.token_hex(32),
            "CIVIC_RATELIMIT": "0",
            "CIVIC_ENV": "development",
            "CIVIC_MAIL_OUTBOX": str(folder / "mail"),
            "SOCKETIO_ASYNC_MODE": "eventlet",
            "FLASK_APP": "app",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("REDIS_URL", None)  # one process: no message queue
        self.process: subprocess.Popen[bytes] | None = None
        self.error: str | None = None
        self._boot = threading.Thread(target=self._start, name="civic-e2e-server", daemon=True)

    def link_mailed_to(self, address: str, path: str, timeout: float = 10.0) -> str:
        """The newest link starting with `path` in the e-mails the server wrote for `address`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = []
            for file in sorted(self.mail.glob("*.eml"), key=lambda f: f.stat().st_mtime):
                message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
                if message["To"] == address:
                    body = message.get_body(("plain",))
                    text = body.get_content() if body is not None else ""
                    found += re.findall(rf"https?://[^/\s]+({re.escape(path)}\S+)", text)
            if found:
                return str(found[-1])
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {address} with a link to {path}")

    def languages(self) -> dict[str, str]:
        """Each account's language (a test that switches a demo account's language stores it)."""
        with closing(sqlite3.connect(self.database, timeout=30)) as connection:
            return dict(connection.execute("SELECT email, locale FROM users"))

    def restore_languages(self, saved: dict[str, str]) -> None:
        """Give the accounts back the languages they had, so that no test depends on the ones before."""
        changed = [
            (locale, email)
            for email, locale in self.languages().items()
            if saved.get(email, locale) != locale
        ]
        if changed:
            with closing(sqlite3.connect(self.database, timeout=30)) as connection, connection:
                connection.executemany(
                    "UPDATE users SET locale = ? WHERE email = ?",
                    [(saved[email], email) for _locale, email in changed],
                )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def start(self) -> None:
        self._boot.start()

    def wait_ready(self) -> None:
        """Wait for the boot to end; fail with the server's log if it did not come up."""
        self._boot.join()
        if self.error:
            pytest.fail(f"{self.error}\n--- server log ---\n{self.log_text()}", pytrace=False)

    def stop(self) -> None:
        self._boot.join()
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def _start(self) -> None:
        try:
            for command in (
                [*_flask(), "--app", "app", "db", "upgrade"],
                [*_flask(), "--app", "app", "civic", "demo"],
            ):
                result = subprocess.run(  # noqa: S603 - fixed commands
                    command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
                )
                with self.log.open("a") as handle:
                    handle.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
                if result.returncode != 0:
                    self.error = f"`{' '.join(command)}` failed with exit code {result.returncode}"
                    return
            with self.log.open("a") as output:
                self.process = subprocess.Popen(  # noqa: S603 - fixed command
                    [_python(), "app.py"], cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
                )
            self._wait_until_answering(self.process)
        except Exception as error:  # reported by wait_ready(), not lost in the thread
            self.error = f"the server could not start: {error!r}"

    def _wait_until_answering(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.error = f"the server exited with code {process.returncode} before answering"
                return
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):  # noqa: S310 - our own local server
                    return
            except urllib.error.HTTPError:
                return  # it answers HTTP, even if with an error status
            except OSError:
                time.sleep(0.2)
        self.error = f"the server did not answer at {self.url} within {START_TIMEOUT:.0f} s"


@pytest.fixture(scope="session")
def booting_server() -> Iterator[Server]:
    """Start the real server (`python app.py`, eventlet) on a free port: fresh SQLite database, demo loaded.

    It boots in a background thread and `server` waits for it: fixtures that ask for `booting_server`
    before `browser` let Chromium start meanwhile.
    """
    require_chromium()  # no point booting a server for tests that will be skipped
    with tempfile.TemporaryDirectory(prefix="civic-e2e-") as folder:
        server = Server(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.stop()
            if os.environ.get("CIVIC_E2E_SHOW_LOG") == "1":
                print(f"\n--- server log ---\n{server.log_text()}")


@pytest.fixture(scope="session")
def server(booting_server: Server) -> Server:
    """The real server, answering HTTP, with its built assets."""
    if not SITE_CSS.exists():
        pytest.fail("static/dist/site.css is missing: run `make assets` first (npm ci, then the build)")
    built = SITE_CSS.stat().st_mtime
    stale = [
        source.name for source in SOURCES.rglob("*") if source.is_file() and source.stat().st_mtime > built
    ]
    if stale:
        pytest.fail(
            f"static/dist is older than {', '.join(stale)}: run `make assets` to test what visitors get"
        )
    booting_server.wait_ready()
    return booting_server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """On failure, attach the end of the server's log to the report: a 500 shows its traceback there."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "server" in getattr(item, "fixturenames", ()):
        server = item.funcargs.get("server") if hasattr(item, "funcargs") else None
        if isinstance(server, Server):
            report.sections.append(
                ("server log (last 150 lines)", "\n".join(server.log_text().splitlines()[-150:]))
            )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session; each test gets a fresh context."""
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("the browser tests need Playwright for Python (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (or `make assets`) first")
    return AXE.read_text()


@pytest.fixture
def new_context(booting_server: Server, browser: Any, server: Server) -> Iterator[Any]:
    """Make browser contexts for this test (closed at its end): `new_context(lang="en", javascript=False)`."""
    contexts: list[Any] = []
    languages = server.languages()

    def make(lang: str | None = None, javascript: bool = True, **options: Any) -> Any:
        context = browser.new_context(base_url=server.url, java_script_enabled=javascript, **options)
        context.set_default_timeout(10_000)
        if lang:
            context.add_cookies([{"name": "lang", "value": lang, "url": server.url}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    server.restore_languages(languages)


def sign_in(page: Any, email: str = DEMO_ADMIN, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, the way a person does, and wait for the page after it."""
    page.goto("/sign-in")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.locator("header form[action$='/sign-out'] button").count() == 1, (
        f"not signed in as {email}: {page.url}\n{page.locator('main').inner_text()}"
    )


def switch_language(page: Any, lang: str) -> None:
    """Use the header's language button (it also stores the choice on a signed-in account)."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    with page.expect_navigation():
        page.locator(f"header form.language button[value={lang}]").click()
    assert page.locator("html").get_attribute("lang") == lang


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.x A/AA; return its violations.

    The site's CSP forbids inline scripts, so axe is evaluated through the DevTools protocol
    (page.evaluate is not subject to the page's CSP), not injected as a <script> tag.
    """
    page.evaluate(axe_source)
    return list(
        page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return results.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))
                }));
            }""",
            AXE_TAGS,
        )
    )


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            if node.get("summary"):
                lines.extend(f"      {line}" for line in str(node["summary"]).splitlines())
    return "\n".join(lines)


def assert_accessible(page: Any, axe_source: str) -> None:
    violations = run_axe(page, axe_source)
    assert not violations, describe_violations(page.url, violations)


def create_document(page: Any, text: str, mode: str, title: str = "Document") -> str:
    """Create a document in the demo consultation through the moderators' form; return its path."""
    page.goto("/c/plan-numerique/documents/new")
    token = secrets.token_hex(3)
    page.locator("input[name=title_fr]").fill(f"{title} (fr) {token}")
    page.locator("input[name=title_en]").fill(f"{title} (en) {token}")
    page.locator("textarea[name=text]").fill(text)
    page.locator(f"input[name=mode][value={mode}]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    path = page.url.removeprefix(page.url.split("/c/")[0])
    assert "/c/plan-numerique/documents/" in path, page.url
    return path


# Everything the polite status region says, in order. A message may stay only a moment there (the number
# of people here is said 1.5 s after it changes, over whatever was said before), so a test that looked
# at the region only after other waits could miss a message that was said: it looks at this record.
STATUS_RECORDER = """(() => {
    document.addEventListener('DOMContentLoaded', () => {
        const status = document.getElementById('drafting-status');
        if (!status) return;
        const said = (window.__statusSaid = []);
        const note = () => { if (status.textContent) said.push(status.textContent); };
        note();
        new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
    });
})();"""


def wait_until_said(page: Any, text: str, after: int = 0, timeout: float = 15_000) -> int:
    """Wait until the status region has said `text` after its first `after` messages; return how many
    messages it had said up to that one (the page's context must have STATUS_RECORDER)."""
    said = page.wait_for_function(
        """([text, after]) => {
            const index = (window.__statusSaid || []).findIndex((said, n) => n >= after && said.includes(text));
            return index >= 0 && index + 1;
        }""",
        arg=[text, after],
        timeout=timeout,
    )
    return int(said.json_value())
