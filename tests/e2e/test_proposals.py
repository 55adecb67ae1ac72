"""Proposal pages in a real browser: axe in both languages, and the whole flow without JavaScript."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, assert_accessible, sign_in, switch_language

LIST = "/c/plan-numerique/proposals"


def _first_proposal(page: Any) -> str:
    page.goto(LIST)
    return str(page.locator("ol.proposals h2 a").first.get_attribute("href"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_proposal_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    page.goto(LIST)
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, axe_source)
    page.goto(LIST + "?q=wifi&sort=supported")
    assert_accessible(page, axe_source)
    page.goto(_first_proposal(page))
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_writing_and_moderating_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context().new_page()
    sign_in(page, "moderatrice@example.org", DEMO_PASSWORD)
    switch_language(page, lang)
    for path in [f"{LIST}/new", "/c/plan-numerique/themes"]:
        page.goto(path)
        assert_accessible(page, axe_source)
    page.goto(_first_proposal(page))
    page.locator("a[href$='/answer']").click()
    assert_accessible(page, axe_source)
    # The form with errors: nothing typed.
    page.goto(f"{LIST}/new")
    page.locator("main form button[name=publish], main form input[name=publish]").first.click()
    assert_accessible(page, axe_source)


def test_propose_preview_publish_and_support_without_javascript(new_context: Any) -> None:
    author = new_context(javascript=False).new_page()
    sign_in(author, "citizen@example.org", DEMO_PASSWORD)
    title = f"Public computers in every library {secrets.token_hex(3)}"
    author.goto(f"{LIST}/new")
    author.locator("input[name=title]").fill(title)
    author.locator("textarea[name=body]").fill("With *help* from volunteers.")
    author.locator("[name=preview]").click()
    assert author.locator(".preview em").inner_text() == "help"
    assert author.locator("textarea[name=body]").input_value() == "With *help* from volunteers."
    author.locator("[name=publish]").click()
    assert author.locator("h1").inner_text() == title
    url = author.url

    supporter = new_context(javascript=False).new_page()
    sign_in(supporter, "citoyen@example.org", DEMO_PASSWORD)
    supporter.goto(url)
    supporter.locator("form[action$='/support'] button").click()
    assert re.search(r"1 personne appuie", supporter.locator("main").inner_text())
    supporter.goto(LIST + "?q=" + title.split()[-1])
    assert supporter.locator("ol.proposals h2 a").inner_text() == title
