"""Light and correct pages: `hidden` hides, assets arrive compressed, one Socket.IO connection a page,
a favicon, and the plain pages' weight under budget."""

from __future__ import annotations

import gzip
import time
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, Server, sign_in

LANGUAGES = ["fr", "en"]

# The main pages a citizen visits, in the demo consultation.
MAIN_PAGES = {
    "home": "/",
    "consultation": "/c/plan-numerique",
    "proposals": "/c/plan-numerique/proposals",
    "proposal-with-discussion": "/c/plan-numerique/proposals/1",
    "poll": "/c/plan-numerique/polls/1",
    "results": "/c/plan-numerique/polls/2/results",
    "document": "/c/plan-numerique/documents/1",
    "live-session": "/c/plan-numerique/live/2",
    "coalition": "/c/plan-numerique/coalition",
}

# Every element carrying `hidden` whose computed style still shows it.
SHOWN_DESPITE_HIDDEN = """() => Array.from(document.querySelectorAll('[hidden]'))
    .filter((element) => getComputedStyle(element).display !== 'none')
    .map((element) => element.outerHTML.slice(0, 160))"""

# A hidden button added to the page: the site's own rule for buttons must not show it.
HIDDEN_BUTTON_SHOWN = """() => {
    const button = document.createElement('button');
    button.className = 'secondary';
    button.hidden = true;
    document.querySelector('main').append(button);
    const shown = getComputedStyle(button).display !== 'none';
    button.remove();
    return shown;
}"""


def visit(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_element_with_hidden_is_displayed(new_context: Any, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    shown: dict[str, list[str]] = {}
    for name, path in MAIN_PAGES.items():
        visit(page, path)
        assert not page.evaluate(HIDDEN_BUTTON_SHOWN), f"a hidden button is displayed on {name} ({path})"
        page.wait_for_timeout(300)  # the page's scripts have joined their rooms and set what they hide
        found = page.evaluate(SHOWN_DESPITE_HIDDEN)
        if found:
            shown[f"{name} ({path})"] = found
    assert not shown, f"elements with `hidden` are displayed ({lang}): {shown}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_element_with_hidden_is_displayed_to_a_moderator(new_context: Any, lang: str) -> None:
    """The same pages with a moderator's controls and notifications, the live console and the account."""
    page = new_context(lang=lang).new_page()
    sign_in(page)
    pages = {**MAIN_PAGES, "live-console": "/c/plan-numerique/live/2/console", "account": "/account"}
    shown: dict[str, list[str]] = {}
    for name, path in pages.items():
        visit(page, path)
        page.wait_for_timeout(300)
        found = page.evaluate(SHOWN_DESPITE_HIDDEN)
        if found:
            shown[f"{name} ({path})"] = found
    assert not shown, f"elements with `hidden` are displayed ({lang}): {shown}"


def test_built_css_and_js_are_served_gzipped(server: Server) -> None:
    """What `make run` starts (app.py under eventlet) sends the build's gzipped copies to who accepts gzip."""
    dist = ROOT / "static" / "dist"
    built = [dist / "site.css", dist / "discussion.js", *sorted((dist / "chunks").glob("*.js"))]
    assert len(built) > 2, "the build made no shared chunk"
    for file in built:
        path = "/" + file.relative_to(ROOT).as_posix()
        request = urllib.request.Request(server.url + path, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            assert response.headers["Content-Encoding"] == "gzip", path
            assert "Accept-Encoding" in response.headers["Vary"], path
            body = response.read()
        assert len(body) < file.stat().st_size, (
            f"{path}: {len(body)} B gzipped, {file.stat().st_size} B plain"
        )
        assert gzip.decompress(body) == file.read_bytes(), path
        with urllib.request.urlopen(server.url + path, timeout=10) as plain:  # noqa: S310
            assert plain.headers["Content-Encoding"] is None, path
            assert plain.read() == file.read_bytes(), path


def test_favicon_ico_is_not_a_404(new_context: Any) -> None:
    page = new_context().new_page()
    response = page.request.get("/favicon.ico")
    assert response.ok and response.url.endswith("/static/favicon.svg"), (response.status, response.url)
    assert response.headers["content-type"].startswith("image/svg+xml")
    visit(page, "/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon == "/static/favicon.svg"


# Signed-in pages holding several real-time features (notifications in the header, and the page's own)
# and the Socket.IO namespaces their scripts open.
REALTIME_PAGES = {
    "/c/plan-numerique/proposals/1": ["/notifications", "/discussion"],
    "/c/plan-numerique/polls/1": ["/notifications", "/voting"],
    "/c/plan-numerique/live/2": ["/notifications", "/live"],
    "/c/plan-numerique/coalition": ["/notifications", "/coalitions"],
}


def test_a_page_opens_one_socketio_connection_for_all_its_features(new_context: Any) -> None:
    page = new_context().new_page()
    sign_in(page)
    for path, namespaces in REALTIME_PAGES.items():
        sockets: list[Any] = []
        connected: list[str] = []  # the namespaces the server accepted, on any of the page's sockets

        def opened(socket: Any, sockets: list[Any] = sockets, connected: list[str] = connected) -> None:
            sockets.append(socket)
            socket.on("framereceived", lambda payload: connected.append(str(payload)))

        page.on("websocket", opened)
        visit(page, path)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            any(frame.startswith(f"40{namespace},") for frame in connected) for namespace in namespaces
        ):
            page.wait_for_timeout(100)
        page.wait_for_timeout(500)  # a second connection, if a script made one, would be open by now
        page.remove_listener("websocket", opened)
        to_socketio = [socket.url for socket in sockets if "/socket.io/" in socket.url]
        assert len(to_socketio) == 1, f"{path} opened {len(to_socketio)} Socket.IO connections: {to_socketio}"
        for namespace in namespaces:
            assert any(frame.startswith(f"40{namespace},") for frame in connected), (
                f"{path}: {namespace} was not connected on the page's socket; frames: {connected[:10]}"
            )


# Plain pages a visitor reads (no editor, no live console): each under this many bytes transferred, with
# everything it loads (HTML, CSS, scripts and their chunks, images), headers included, on a first visit.
PLAIN_PAGES = {
    "home": "/",
    "consultation": "/c/plan-numerique",
    "proposals": "/c/plan-numerique/proposals",
    "proposal": "/c/plan-numerique/proposals/1",
    "poll": "/c/plan-numerique/polls/1",
    "results": "/c/plan-numerique/polls/2/results",
}
PLAIN_PAGE_BUDGET = 60 * 1024


def transferred(page: Any, path: str) -> dict[str, int]:
    """Bytes each response of a first visit to `path` took on the wire (body as sent, and headers)."""
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    visit(page, path)
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in responses:
        size = response.request.sizes()
        sizes[response.url] = size["responseBodySize"] + size["responseHeadersSize"]
    return sizes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plain_pages_weigh_less_than_60_kb(new_context: Any, lang: str) -> None:
    report, over = [], {}
    for name, path in PLAIN_PAGES.items():
        sizes = transferred(new_context(lang=lang).new_page(), path)  # a fresh context: nothing cached
        assert any("/static/dist/site.css" in url for url in sizes), f"{path}: the stylesheet was not loaded"
        total = sum(sizes.values())
        report.append(f"{name:<10} {total / 1024:6.1f} KB in {len(sizes)} responses  {path}")
        if total >= PLAIN_PAGE_BUDGET:
            over[name] = "\n".join(f"  {size:>7} B  {url}" for url, size in sizes.items())
    print(f"\nPlain pages transferred ({lang}, budget {PLAIN_PAGE_BUDGET // 1024} KB):\n" + "\n".join(report))
    assert not over, f"over the {PLAIN_PAGE_BUDGET} B budget ({lang}):\n" + "\n".join(
        f"{name}:\n{detail}" for name, detail in over.items()
    )
