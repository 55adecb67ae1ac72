"""Voting in a real browser: poll pages pass axe in fr and en; a ranked ballot cast without and with JS."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in, switch_language

OPEN_POLL = "/c/plan-numerique/polls/1"
CLOSED_POLL = "/c/plan-numerique/polls/2"
PAGES = {
    "list": "/c/plan-numerique/polls",
    "open-poll": OPEN_POLL,
    "closed-poll": CLOSED_POLL,
    "results": f"{CLOSED_POLL}/results",
    "audit": f"{CLOSED_POLL}/audit",
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_voting_page_is_accessible(new_context: Any, axe_source: str, name: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    response = page.goto(PAGES[name])
    assert response is not None and response.status == 200
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_poll_form_and_ballot_with_errors_are_accessible(
    new_context: Any, axe_source: str, lang: str
) -> None:
    # axe itself needs JavaScript, so instead of turning it off, the site's own scripts are blocked: the
    # page behaves as without JavaScript (plain rank selects) and axe can still run.
    context = new_context()
    context.route("**/static/dist/*.js*", lambda route: route.abort())
    page = context.new_page()
    sign_in(page, "moderatrice@example.org")
    switch_language(page, lang)
    page.goto("/c/plan-numerique/polls/new")
    assert_accessible(page, axe_source)
    page.goto(OPEN_POLL)
    page.locator("#rank-0").select_option("1")
    page.locator("#rank-1").select_option("1")
    with page.expect_navigation() as navigation:
        page.locator("form.ballot button[type=submit]").click()
    assert navigation.value.status == 422
    assert page.locator("#rank-0").input_value() == "1"  # what was chosen is kept
    assert_accessible(page, axe_source)


def _receipt(page: Any) -> str:
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code), code
    return code


def test_ranked_ballot_without_javascript(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page, "citoyen@example.org")
    page.goto(OPEN_POLL)
    page.locator("#rank-2").select_option("1")
    page.locator("#rank-0").select_option("2")
    with page.expect_navigation() as navigation:
        page.locator("form.ballot button[type=submit]").click()
    assert navigation.value.status == 200 and page.url.endswith("/receipt")
    _receipt(page)
    assert page.locator("h1").inner_text() == "Votre bulletin a été enregistré"


def test_ranked_ballot_with_javascript_and_keyboard(new_context: Any, axe_source: str) -> None:
    page = new_context(lang="en").new_page()
    sign_in(page, "citizen@example.org")
    page.goto(OPEN_POLL)
    ranker = page.locator(".ranker")
    ranker.wait_for()
    assert page.locator(".rank-list").is_hidden()
    assert_accessible(page, axe_source)
    # Add the third then the first option with the keyboard, then move the first one up.
    unranked = ranker.locator(".unranked [data-action=add]")
    unranked.nth(2).focus()
    page.keyboard.press("Enter")
    ranker.locator(".unranked [data-action=add]").first.focus()
    page.keyboard.press("Enter")
    ranker.locator(".ranked li").nth(1).locator("[data-action=up]").focus()
    page.keyboard.press("Enter")
    live = ranker.locator("[aria-live]")
    page.wait_for_function("el => el.textContent.includes('rank 1 of 2')", arg=live.element_handle())
    assert page.locator("#rank-0").input_value() == "1"
    assert page.locator("#rank-2").input_value() == "2"
    with page.expect_navigation():
        page.locator("form.ballot button[type=submit]").click()
    assert page.url.endswith("/receipt")
    _receipt(page)
    assert page.locator(".receipt-tools button").count() >= 1
