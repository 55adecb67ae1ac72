"""After voting on enough statements, a participant finds their own place on the results map, without
JavaScript, in French and English, with 0 axe violations."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import DEMO_PASSWORD, assert_accessible, sign_in, switch_language

VOTER = "representant@example.org"
# OPINIONS_SHOTS=/tmp/shots-opinions keeps screenshots of the page (phone and desktop) to look at.
SHOTS = os.environ.get("OPINIONS_SHOTS", "")


def _results_with_marker(page: Any, path: str) -> None:
    """The analysis runs in the background a few seconds after the votes: reload until it has."""
    deadline = time.monotonic() + 40
    while True:
        page.goto(path + "/results")
        if page.locator("main svg g.you-are-here").count() == 1 or time.monotonic() > deadline:
            return
        time.sleep(1)


def test_a_participant_placed_in_a_group_sees_you_are_here(new_context: Any, axe_source: str) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page, VOTER, DEMO_PASSWORD)
    page.goto("/c/plan-numerique/opinions")
    path = str(page.locator("main .card h2 a").first.get_attribute("href"))
    page.goto(path + "/results")
    assert page.locator("main svg g.you-are-here").count() == 0  # no vote yet: no place on the map
    page.goto(path)
    for turn in range(9):
        with page.expect_navigation():
            page.locator(f"main button[name=vote][value={'agree' if turn % 3 else 'disagree'}]").click()
    _results_with_marker(page, path)
    assert page.locator("main svg g.you-are-here").count() == 1  # without JavaScript
    # axe runs in the page: in a second window with JavaScript, signed in as the same person.
    page = new_context(lang="fr").new_page()
    sign_in(page, VOTER, DEMO_PASSWORD)
    page.goto(path + "/results")
    for lang, here, words in (
        ("fr", "Vous êtes ici", "Vous êtes dans le groupe"),
        ("en", "You are here", "You are in group"),
    ):
        if lang == "en":
            switch_language(page, "en")
            page.goto(path + "/results")
        main = page.locator("main")
        marker = main.locator("svg g.you-are-here")
        assert marker.count() == 1 and marker.locator("text").text_content() == here
        # The same in words: the caption read with the map, the sentence above it and the table's tag.
        assert here in main.locator("figcaption").inner_text()
        assert words in main.inner_text()
        assert main.locator("table.data tbody .tag").count() == 1
        assert_accessible(page, axe_source)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            for width, height in ((375, 800), (1280, 900)):
                page.set_viewport_size({"width": width, "height": height})
                page.locator("main figure.opinion-map").scroll_into_view_if_needed()
                page.screenshot(path=f"{SHOTS}/results-{lang}-{width}.png")
    switch_language(page, "fr")  # the demo account's own language, for the tests that follow
