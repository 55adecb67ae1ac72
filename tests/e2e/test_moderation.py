"""Moderators find their work in a real browser: the header's count, the queue, hiding a comment where it
stands without JavaScript; axe in French and English on the queue and on the hide form."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in, switch_language

SLUG = "plan-numerique"
DISCUSSION = f"/c/{SLUG}/discussion"
AUTHOR = "citoyen@example.org"
FLAGGER = "citizen@example.org"
MODERATOR = "moderatrice@example.org"  # moderates the demo consultation only
WORDS = {
    "fr": {
        "link": r"Modération \((\d+) en attente\)",
        "hide": "Masquer ce commentaire",
        "submit": "Masquer avec cette raison",
    },
    "en": {
        "link": r"Moderation \((\d+) waiting\)",
        "hide": "Hide this comment",
        "submit": "Hide with this reason",
    },
}


def _reported_comment(new_context: Any) -> tuple[str, str]:
    """A citizen's comment that another citizen reports; returns its id and its unique word."""
    word = f"Signalable{secrets.token_hex(3)}"
    author = new_context(lang="fr", javascript=False).new_page()
    sign_in(author, AUTHOR)
    author.goto(DISCUSSION)
    author.locator("#comment-body").fill(f"Un avis **{word}** à examiner")
    with author.expect_navigation():
        author.locator("section.discussion form button.primary").click()
    comment_id = author.locator("li.comment", has_text=word).first.get_attribute("data-comment-id")
    assert comment_id
    flagger = new_context(lang="fr", javascript=False).new_page()
    sign_in(flagger, FLAGGER)
    flagger.goto(f"/flag/comment/{comment_id}")
    flagger.locator("input[name=reason][value=offensive]").check()
    with flagger.expect_navigation():
        flagger.locator("main form button[type=submit]").click()
    return comment_id, word


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_moderator_finds_the_report_and_hides_the_comment_without_javascript(
    new_context: Any, axe_source: str, lang: str
) -> None:
    comment_id, word = _reported_comment(new_context)
    # axe runs in the page's JavaScript: one page with it for the checks, one without for the flow.
    checked = new_context(lang=lang).new_page()
    page = new_context(lang=lang, javascript=False).new_page()
    sign_in(page, MODERATOR)
    switch_language(page, lang)
    sign_in(checked, MODERATOR)
    try:
        page.goto("/")
        link = page.get_by_role("link", name=re.compile(WORDS[lang]["link"]))
        assert link.count() == 1
        with page.expect_navigation():
            link.click()
        assert page.url.endswith(f"/c/{SLUG}/moderation")  # one queue: straight to it
        item = page.locator(f"#item-comment-{comment_id}")
        assert item.locator("blockquote strong", has_text=word).count() == 1  # rendered, not raw markdown
        assert "Jean-Pierre Gagnon" in item.inner_text()  # its author
        assert item.locator("a[href$='/discussion']").count() == 1  # where it was posted
        checked.goto(page.url)
        assert checked.locator("html").get_attribute("lang") == lang
        assert_accessible(checked, axe_source)
        checked.goto(f"/c/{SLUG}/moderation/settings")  # the automatic-hiding threshold's form
        assert checked.locator("input[name=flag_threshold]").count() == 1
        assert_accessible(checked, axe_source)

        page.goto(DISCUSSION)
        comment = page.locator(f"#comment-{comment_id}")
        with page.expect_navigation():
            comment.get_by_role("link", name=WORDS[lang]["hide"]).click()
        assert page.locator("textarea[name=reason]").count() == 1
        checked.goto(page.url)
        assert_accessible(checked, axe_source)
        with page.expect_navigation():  # no reason: the form comes back with its error
            page.get_by_role("button", name=WORDS[lang]["submit"]).click()
        assert page.locator("textarea[name=reason][aria-invalid=true]").count() == 1
        with checked.expect_navigation():
            checked.get_by_role("button", name=WORDS[lang]["submit"]).click()
        assert checked.locator("textarea[name=reason][aria-invalid=true]").count() == 1
        assert_accessible(checked, axe_source)
        reason = f"Motif public {secrets.token_hex(2)}"
        page.locator("textarea[name=reason]").fill(reason)
        with page.expect_navigation():
            page.get_by_role("button", name=WORDS[lang]["submit"]).click()
        assert page.url.split("#")[0].endswith(DISCUSSION)
        placeholder = page.locator(f"#comment-{comment_id}")
        assert reason in placeholder.inner_text() and word not in placeholder.inner_text()
        page.goto(f"/c/{SLUG}/moderation/log")
        assert reason in page.locator("main").inner_text()
    finally:
        switch_language(page, "fr")  # the demo moderator's account keeps French for other tests
