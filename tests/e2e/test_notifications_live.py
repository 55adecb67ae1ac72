"""The header's unread-notification count in a real browser: live with JavaScript, right on load without it."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in

SLUG = "plan-numerique"
READER = "citizen@example.org"  # English
REPLIER = "citoyen@example.org"  # French


def _post_comment(page: Any, text: str) -> str:
    """Post a top-level comment on the consultation's discussion; return its id."""
    page.goto(f"/c/{SLUG}/discussion")
    page.locator("#comment-body").fill(text)
    with page.expect_navigation():
        page.locator("section.discussion form button.primary").click()
    comment = page.locator("li.comment", has_text=text).first
    return str(comment.get_attribute("data-comment-id"))


def _reply(page: Any, comment_id: str, text: str) -> None:
    page.goto(f"/discussion/comments/{comment_id}/reply")
    page.locator("textarea[name=body]").fill(text)
    with page.expect_navigation():
        page.locator("main form.stack button[type=submit]").click()


def _unread(page: Any) -> int:
    return int(page.locator("a[data-notifications]").get_attribute("data-count"))


def test_a_reply_updates_the_header_count_without_a_reload(new_context: Any, axe_source: str) -> None:
    reader = new_context(lang="en").new_page()
    sign_in(reader, READER)
    comment_id = _post_comment(reader, f"Who will answer? {secrets.token_hex(3)}")
    reader.goto(f"/c/{SLUG}")
    before = _unread(reader)
    reader.evaluate("window.__notReloaded = true")
    focused = reader.evaluate("document.activeElement && document.activeElement.tagName")

    replier = new_context(lang="fr").new_page()
    sign_in(replier, REPLIER)
    _reply(replier, comment_id, f"Moi ! {secrets.token_hex(3)}")

    count = reader.locator("a[data-notifications] [data-count-text]")
    expected = f"({before + 1} unread)"
    reader.wait_for_function(
        "(expected) => document.querySelector('a[data-notifications] [data-count-text]')"
        ".textContent.includes(expected)",
        arg=expected,
        timeout=10_000,
    )
    assert count.inner_text().strip() == expected
    live = reader.locator("[data-count-live]")
    live.wait_for(state="attached")
    reader.wait_for_function(
        "() => document.querySelector('[data-count-live]').textContent.length > 0", timeout=5_000
    )
    assert live.inner_text() == f"You have {before + 1} unread notifications."
    assert live.get_attribute("aria-live") == "polite"
    assert reader.evaluate("window.__notReloaded") is True  # the same page, updated in place
    assert reader.evaluate("document.activeElement && document.activeElement.tagName") == focused
    assert_accessible(reader, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_javascript_the_count_is_right_on_each_load(new_context: Any, lang: str) -> None:
    reader = new_context(lang=lang, javascript=False).new_page()
    sign_in(reader, READER)
    comment_id = _post_comment(reader, f"Sans script {secrets.token_hex(3)}")
    before = _unread(reader)
    replier = new_context(lang="fr", javascript=False).new_page()
    sign_in(replier, REPLIER)
    _reply(replier, comment_id, f"Réponse {secrets.token_hex(3)}")
    reader.goto(f"/c/{SLUG}")
    assert _unread(reader) == before + 1
    text = reader.locator("a[data-notifications]").inner_text()
    assert re.search(rf"\({before + 1} (unread|non lues?)\)", text), text
