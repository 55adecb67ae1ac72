"""The demo opinion map in a real browser: axe in French and English, voting and adding a statement with
JavaScript off, results read without JavaScript, and a new analysis announced live with it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, assert_accessible, sign_in

LANGUAGES = ["fr", "en"]
CITIZEN = "citizen@example.org"


def _map_path(page: Any) -> str:
    page.goto("/c/plan-numerique/opinions")
    href = page.locator("main .card h2 a").first.get_attribute("href")
    assert href and "/opinions/" in href
    return str(href)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_opinion_pages_are_accessible_to_visitors(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    path = _map_path(page)
    assert_accessible(page, axe_source)
    for tail in ("", "/results", "/statements"):
        response = page.goto(path + tail)
        assert response is not None and response.status == 200, tail
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, axe_source)
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    assert "/statements/" in page.url
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_opinion_pages_are_accessible_to_a_moderator(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    sign_in(page, "moderatrice@example.org", DEMO_PASSWORD)
    page.goto("/account")
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.locator(f"header form.language button[value={lang}]").click()
    path = _map_path(page)
    for url in (
        path,
        path + "/results",
        "/c/plan-numerique/opinions/new",
        "/c/plan-numerique/opinions/import",
    ):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, axe_source)
    page.goto(path + "/results")
    page.locator("main a[href$='/proposal']").first.click()
    page.wait_for_load_state()
    assert page.locator("main input[name=title]").input_value()
    assert_accessible(page, axe_source)
    # A refused form, with its errors, is accessible too.
    page.goto("/c/plan-numerique/opinions/new")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("main .field-errors").count() >= 1
    assert_accessible(page, axe_source)


def test_voting_and_adding_a_statement_without_javascript(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    sign_in(page, CITIZEN, DEMO_PASSWORD)
    path = _map_path(page)
    page.goto(path)
    progress = page.locator("main progress")
    before = int(progress.get_attribute("value") or "0")
    first = page.locator("main blockquote.statement").inner_text()
    page.locator("main input[name=important]").check()
    with page.expect_navigation():
        page.locator("main button[name=vote][value=agree]").click()
    assert page.url.endswith("#statement")
    assert int(page.locator("main progress").get_attribute("value") or "0") == before + 1
    assert page.locator("main blockquote.statement").inner_text() != first
    with page.expect_navigation():
        page.locator("main button[name=vote][value=pass]").click()
    assert int(page.locator("main progress").get_attribute("value") or "0") == before + 2
    # The browser keeps a statement within the limit; one the server refuses comes back with its text.
    assert page.locator("main textarea[name=body]").get_attribute("maxlength") == "280"
    invisible = "\u200b\u200b\u200b"
    page.locator("main textarea[name=body]").fill(invisible)
    with page.expect_navigation() as navigation:
        page.locator("main form[action$='/statements'] button[type=submit]").click()
    assert navigation.value.status == 422
    assert page.locator("main textarea[name=body]").input_value() == invisible
    assert page.locator("main .field-errors").count() == 1
    page.locator("main textarea[name=body]").fill("Public terminals in every community centre")
    with page.expect_navigation():
        page.locator("main form[action$='/statements'] button[type=submit]").click()
    page.goto(path + "/statements")
    assert "Public terminals in every community centre" in page.locator("main").inner_text()


def test_results_without_javascript_say_everything_in_words(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    path = _map_path(page)
    page.goto(path + "/results")
    main = page.locator("main")
    assert main.locator("svg[role=img]").count() == 1
    assert main.locator("table.data tbody tr").count() >= 2
    assert main.locator("ol.consensus > li").count() >= 1
    assert "Mis à jour" in main.inner_text()
    assert main.locator("ul.distinctions").count() == main.locator("table.data tbody tr").count()


def test_a_new_analysis_is_announced_live(new_context: Any) -> None:
    """With JavaScript, the results page hears of a new analysis and offers to show it (never a reload)."""
    voter = new_context(lang="fr").new_page()
    sign_in(voter, "citoyen@example.org", DEMO_PASSWORD)
    path = _map_path(voter)
    reader = new_context(lang="fr").new_page()
    reader.goto(path + "/results")
    reader.wait_for_function("() => window.io !== undefined || document.querySelector('.opinion-status')")
    voter.goto(path)
    with voter.expect_navigation():
        voter.locator("main button[name=vote][value=disagree]").click()
    live = reader.locator(".opinion-status [data-live]")
    live.locator("a").wait_for(timeout=20_000)
    assert "nouveaux résultats" in live.inner_text().lower()
