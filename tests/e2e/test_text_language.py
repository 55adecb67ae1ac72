"""User text in the other language than the page is marked with lang in a real browser (axe fr and en)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in, switch_language

LIST = "/c/plan-numerique/proposals"
ENGLISH_TITLE = "Plain-language government websites"  # the demo's English speaker wrote it
SHOTS = os.environ.get("CIVIC_SHOTS")


@pytest.mark.parametrize(("lang", "marked"), [("fr", "en"), ("en", None)])
def test_an_english_proposal_is_marked_english_on_french_pages_only(
    new_context: Any, axe_source: str, lang: str, marked: str | None
) -> None:
    page = new_context(lang=lang).new_page()
    page.goto(LIST)
    title = page.locator("ol.proposals h2 a span", has_text=ENGLISH_TITLE)
    assert title.get_attribute("lang") == marked
    page.locator("ol.proposals h2 a", has_text=ENGLISH_TITLE).click()
    assert page.locator("h1").get_attribute("lang") == marked
    assert page.locator("main .prose").first.get_attribute("lang") == marked
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_proposal_form_asks_the_language_of_the_text(
    new_context: Any, axe_source: str, lang: str
) -> None:
    page = new_context(viewport={"width": 375, "height": 900}).new_page()
    sign_in(page, "citoyen@example.org")
    switch_language(page, lang)
    page.goto(f"{LIST}/new")
    select = page.get_by_label("Langue de votre texte" if lang == "fr" else "Language of your text")
    assert select.input_value() == lang  # the page's language by default
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{lang}-phone-proposal-form.png"), full_page=True)
    assert_accessible(page, axe_source)
