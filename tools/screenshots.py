"""Pictures of the main pages for the README and for review: `make screenshots`.

Starts the real server (`python app.py` under eventlet) on a fresh SQLite database loaded with the demo,
then drives Chromium (CIVIC_CHROMIUM, /usr/bin/chromium by default) through Playwright and writes
docs/screenshots/{fr,en}-{desktop,phone}-PAGE.png. A demo citizen first reports a comment through the
form, so the moderation queue shows an item. Not a test: it takes pictures for people
to look at. Usage: `python tools/screenshots.py [PAGE ...]` (all pages without arguments).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import Server as BrowserTestServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
VENV_BIN = ROOT / ".venv" / "bin"
CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "civic-demo-2026"  # noqa: S105 - the documented demo password (civic/demo.py)
CITIZEN = "citoyen@example.org"
REPORTER = "citizen@example.org"  # reports a comment first, so the moderation queue has something in it
MODERATOR = "moderatrice@example.org"
LANGUAGES = ("fr", "en")
# Device: viewport and the tallest picture taken (the top of the page and enough to understand it).
DEVICES = {"desktop": ((1280, 800), 1400), "phone": ((375, 740), 2000)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # relative to the site, formatted with the demo's ids
    who: str | None = None  # the demo account signed in, or nobody


SHOTS = [
    Shot("home", "/"),
    Shot("consultation", "/c/{slug}"),
    Shot("proposals", "/c/{slug}/proposals"),
    Shot("proposal", "/c/{slug}/proposals/{proposal}"),
    Shot("ballot", "/c/{slug}/polls/{open_poll}", CITIZEN),
    Shot("results", "/c/{slug}/polls/{closed_poll}/results"),
    Shot("audit", "/c/{slug}/polls/{closed_poll}/audit"),
    Shot("document", "/c/{slug}/documents/{document}"),
    Shot("history", "/c/{slug}/documents/{document}/history"),
    Shot("moderation", "/c/{slug}/moderation", MODERATOR),
]


class Server(BrowserTestServer):
    """The browser tests' server (`python app.py` on a free port, a fresh SQLite database with the demo)."""

    def demo_ids(self) -> dict[str, Any]:
        """The ids of the demo's pages, read from its database (they depend on the order things load)."""
        queries = {
            "slug": "SELECT slug FROM consultations ORDER BY id LIMIT 1",
            "open_poll": "SELECT id FROM polls WHERE closed_at IS NULL ORDER BY id LIMIT 1",
            "closed_poll": "SELECT id FROM polls WHERE closed_at IS NOT NULL ORDER BY id LIMIT 1",
            "proposal": "SELECT target_id FROM threads WHERE kind = 'proposal' AND comment_count > 0"
            " ORDER BY comment_count DESC, target_id LIMIT 1",
            "document": "SELECT id FROM documents ORDER BY id LIMIT 1",
            "reported": "SELECT id FROM comments WHERE body LIKE '%budget line%' ORDER BY id LIMIT 1",
        }
        with sqlite3.connect(self.database) as connection:
            found = {key: connection.execute(sql).fetchone() for key, sql in queries.items()}
        missing = [key for key, row in found.items() if row is None]
        if missing:
            sys.exit(f"the demo has no {', '.join(missing)}")
        return {key: row[0] for key, row in found.items()}


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    if page.locator("header form[action$='/sign-out']").count() != 1:
        sys.exit(f"could not sign in as {email}: {page.url}")


def use_language(page: Page, lang: str) -> None:
    """The account's language wins over the cookie: choose it with the header's form, as a person does."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    with page.expect_navigation():
        page.locator(f"header form.language button[value={lang}]").evaluate("button => button.click()")


def report_a_comment(browser: Any, url: str, comment: int) -> None:
    """A citizen reports a comment through the form, so the queue shows what moderators work with."""
    context = browser.new_context(base_url=url)
    page = context.new_page()
    sign_in(page, REPORTER)
    page.goto(f"/flag/comment/{comment}")
    page.locator("input[name=reason][value=off-topic]").check()
    page.locator("textarea[name=text]").fill("This is about the budget, not about the workshops.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    context.close()


def take(page: Page, url: str, file: Path, tallest: int) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # live scripts settle (counts, announcements)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), tallest)
    page.screenshot(
        path=str(file),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        animations="disabled",
        caret="hide",
    )
    with Image.open(file) as image:
        image.load()
    image.save(file, optimize=True)


def main(names: list[str]) -> None:
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium is missing at {CHROMIUM} (set CIVIC_CHROMIUM)")
    shots = [shot for shot in SHOTS if not names or shot.name in names]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civic-screenshots-") as folder:
        server = Server(Path(folder))
        server.start()
        try:
            server.wait_ready()
            ids = server.demo_ids()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                report_a_comment(browser, server.url, ids["reported"])
                for lang in LANGUAGES:
                    for device, (size, tallest) in DEVICES.items():
                        for who in dict.fromkeys(shot.who for shot in shots):
                            context = browser.new_context(
                                base_url=server.url,
                                viewport={"width": size[0], "height": size[1]},
                                device_scale_factor=1,
                                is_mobile=device == "phone",
                                has_touch=device == "phone",
                                locale="fr-CA" if lang == "fr" else "en-CA",
                            )
                            context.set_default_timeout(15_000)
                            context.add_cookies([{"name": "lang", "value": lang, "url": server.url}])
                            page = context.new_page()
                            if who:
                                sign_in(page, who)
                                use_language(page, lang)
                            for shot in (s for s in shots if s.who == who):
                                file = OUT / f"{lang}-{device}-{shot.name}.png"
                                take(page, shot.path.format(**ids), file, tallest)
                                print(f"{file.relative_to(ROOT)}  {file.stat().st_size // 1024} KB")
                            context.close()
                browser.close()
        finally:
            server.stop()
    total = sum(file.stat().st_size for file in OUT.glob("*.png"))
    print(f"{OUT.relative_to(ROOT)}: {total / 1_000_000:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
