"""Every main page passes axe-core (WCAG 2.x A and AA) in French and English, fits a 320 px screen, stays light."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import (
    DEMO_ADMIN,
    DEMO_PASSWORD,
    Server,
    assert_accessible,
    describe_violations,
    run_axe,
    sign_in,
    switch_language,
)

LANGUAGES = ["fr", "en"]

PUBLIC_PAGES = {
    "home": ("/", 200),
    "consultation": ("/c/plan-numerique", 200),
    "organisations": ("/organisations", 200),
    "organisation": ("/organisations/reseau-communautaire", 200),
    "sign-in": ("/sign-in", 200),
    "register": ("/register", 200),
    "forgot-password": ("/password/forgot", 200),
    "registered": ("/register/sent", 200),
    "confirm-invalid": ("/register/confirm/not-a-token", 422),
    "not-found": ("/does-not-exist", 404),
    "documents": ("/c/plan-numerique/documents", 200),
    "coalition": ("/c/plan-numerique/coalition", 200),
    "position": ("/c/plan-numerique/positions/1", 200),
    "opinion-maps": ("/c/plan-numerique/opinions", 200),
    # The demo's live sessions: last week's (ended, minutes published) and tonight's town hall.
    "live-sessions": ("/c/plan-numerique/live", 200),
    "live-minutes": ("/c/plan-numerique/live/1/minutes", 200),
    "live-session": ("/c/plan-numerique/live/2", 200),
    "live-projector": ("/c/plan-numerique/live/2/projector", 200),
}

SIGNED_IN_PAGES = {
    "account": "/account",
    "new-consultation": "/consultations/new",
    "phases": "/c/plan-numerique/phases",
    "moderators": "/c/plan-numerique/moderators",
    "new-organisation": "/organisations/new",
    "new-document": "/c/plan-numerique/documents/new",
    "new-position": "/c/plan-numerique/positions/new",
    "endorse": "/c/plan-numerique/positions/1/endorse",
    "new-opinion-map": "/c/plan-numerique/opinions/new",
    "new-live-session": "/c/plan-numerique/live/new",
    "live-console": "/c/plan-numerique/live/2/console",
    "live-settings": "/c/plan-numerique/live/2/settings",
    # Public pages again, now with the controls only an administrator sees.
    "consultation-as-admin": "/c/plan-numerique",
    "organisation-as-admin": "/organisations/reseau-communautaire",
}

NARROW_PAGES = [
    "/",
    "/c/plan-numerique",
    "/sign-in",
    "/register",
    "/c/plan-numerique/coalition",
    "/c/plan-numerique/positions/1",
    "/c/plan-numerique/live/2",
    "/c/plan-numerique/live/1/minutes",
]
HOME_BUDGET_BYTES = 60 * 1024


@pytest.fixture(scope="session")
def admin_state(booting_server: Server, browser: Any, server: Server) -> dict[str, Any]:
    """The cookies of a signed-in demo admin, made once: tests reuse them instead of signing in again."""
    context = browser.new_context(base_url=server.url)
    try:
        page = context.new_page()
        sign_in(page, DEMO_ADMIN, DEMO_PASSWORD)
        return dict(context.storage_state())
    finally:
        context.close()


@pytest.fixture
def admin_page(new_context: Any, admin_state: dict[str, Any]) -> Iterator[Any]:
    yield new_context(storage_state=admin_state).new_page()


def open_page(page: Any, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"


def test_axe_harness_reports_violations(new_context: Any, axe_source: str) -> None:
    """Guard the guard: a page with known faults must fail, or a broken axe injection would pass everything."""
    page = new_context().new_page()
    page.set_content("<html><head><title>t</title></head><body><main><input type=text></main></body></html>")
    violations = run_axe(page, axe_source)
    assert {"html-has-lang", "label"} <= {violation["id"] for violation in violations}
    assert "at input" in describe_violations(page.url, violations)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_is_accessible(new_context: Any, axe_source: str, name: str, lang: str) -> None:
    path, status = PUBLIC_PAGES[name]
    page = new_context(lang=lang).new_page()
    open_page(page, path, status)
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, axe_source)


# Pages vary fastest, so the account's language changes only twice in the whole run.
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_in_page_is_accessible(admin_page: Any, axe_source: str, name: str, lang: str) -> None:
    path = SIGNED_IN_PAGES[name]
    open_page(admin_page, path)
    # A signed-in person's language is stored on the account: switch it the way they would.
    switch_language(admin_page, lang)
    assert admin_page.url.endswith(path), f"the language switch left {path} for {admin_page.url}"
    assert admin_page.locator("html").get_attribute("lang") == lang
    assert admin_page.locator("header form[action$='/sign-out']").count() == 1, "no longer signed in"
    assert_accessible(admin_page, axe_source)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_in_errors_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    """Both error states of the sign-in form: fields missing (422), then a wrong password (401)."""
    page = new_context(lang=lang).new_page()
    open_page(page, "/sign-in")
    with page.expect_navigation() as navigation:
        page.locator("main button[type=submit]").click()
    assert navigation.value.status == 422
    assert page.locator("main .field-errors").count() >= 1
    assert_accessible(page, axe_source)

    page.locator("input[name=email]").fill(DEMO_ADMIN)
    page.locator("input[name=password]").fill("not-the-password")
    with page.expect_navigation() as navigation:
        page.locator("main button[type=submit]").click()
    assert navigation.value.status == 401
    assert page.locator("main [role=alert]").count() >= 1
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_registration_with_errors_is_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    open_page(page, "/register")
    page.locator("input[name=email]").fill("not-an-address")
    page.locator("input[name=password]").fill("short")
    with page.expect_navigation() as navigation:
        page.locator("main button[type=submit]").click()
    assert navigation.value.status == 422
    # Each field in error is marked invalid and points at its message.
    invalid = page.locator("main [aria-invalid=true]")
    assert invalid.count() >= 2
    for index in range(invalid.count()):
        described = invalid.nth(index).get_attribute("aria-describedby") or ""
        assert any(part.endswith("-error") for part in described.split()), described
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_fit_a_320_px_screen(new_context: Any, lang: str) -> None:
    page = new_context(lang=lang, viewport={"width": 320, "height": 640}).new_page()
    too_wide = {}
    for path in NARROW_PAGES:
        open_page(page, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[path] = width
    assert not too_wide, f"these pages scroll sideways at 320 px ({lang}), content width in px: {too_wide}"


def test_home_page_weighs_less_than_60_kb(new_context: Any) -> None:
    page = new_context(lang="fr").new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    open_page(page, "/")
    page.wait_for_load_state("load")
    sizes = {response.url: len(response.body()) for response in responses if response.status < 300}
    total = sum(sizes.values())
    detail = "\n".join(f"  {size:>7} B  {url}" for url, size in sizes.items())
    assert any(url.split("?")[0].endswith("/site.css") for url in sizes), (
        f"the stylesheet was not loaded:\n{detail}"
    )
    assert total < HOME_BUDGET_BYTES, (
        f"the home page weighs {total} B (budget {HOME_BUDGET_BYTES} B):\n{detail}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_document_page_is_accessible(admin_page: Any, axe_source: str, lang: str) -> None:
    """A co-drafted document as its moderator sees it: the reading page (formatted text, settings,
    discussion), then the editing view (live editor, formatting buttons, preview, presence)."""
    open_page(admin_page, "/c/plan-numerique/documents/new")
    switch_language(admin_page, lang)
    admin_page.fill("#title_fr", f"Document d'essai {lang}")
    admin_page.fill("#text", "# Titre\n\nUn **texte** à écrire ensemble.")
    admin_page.locator("form.stack button[type=submit]").click()
    admin_page.wait_for_url("**/documents/*")
    assert admin_page.locator("#drafting-rendered h2").inner_text() == "Titre"
    assert_accessible(admin_page, axe_source)
    with admin_page.expect_navigation():
        admin_page.get_by_role("link", name="Modifier le texte" if lang == "fr" else "Edit the text").click()
    admin_page.locator("#drafting-editor:not([hidden]) .cm-content").wait_for()
    assert admin_page.locator("#drafting-preview h2").inner_text() == "Titre"
    assert_accessible(admin_page, axe_source)
