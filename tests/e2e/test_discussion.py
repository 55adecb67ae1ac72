"""Discussion in a real browser: accessible in fr and en, usable without JavaScript, live with it; moderation."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.e2e.conftest import Server, assert_accessible, sign_in, switch_language

SLUG = "plan-numerique"
DISCUSSION = f"/c/{SLUG}/discussion"
CITIZEN = "citoyen@example.org"
CITIZEN_EN = "citizen@example.org"


def _post_comment(page: Any, text: str) -> None:
    page.locator("#comment-body").fill(text)
    with page.expect_navigation():
        page.locator("section.discussion form button.primary").click()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_discussion_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    sign_in(page)  # the demo administrator: sees every control, the queue and the lock button
    switch_language(page, lang)
    page.goto(DISCUSSION)
    _post_comment(page, f"Un commentaire **accessible** {secrets.token_hex(2)}")
    page.goto(DISCUSSION)
    assert page.locator("li.comment").count() >= 1
    assert_accessible(page, axe_source)
    comment_id = page.locator("li.comment").first.get_attribute("data-comment-id")
    for path in (
        f"/discussion/comments/{comment_id}",
        f"/discussion/comments/{comment_id}/reply",
        f"/flag/comment/{comment_id}",
        f"/c/{SLUG}/moderation",
        f"/c/{SLUG}/moderation/log",
        f"/c/{SLUG}/moderation/sanctions",
        "/notifications",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(page, axe_source)


def test_comment_and_reply_without_javascript(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page, CITIZEN)
    page.goto(DISCUSSION)
    text = f"Sans JavaScript {secrets.token_hex(3)}"
    page.locator("#comment-body").fill(text)
    page.locator("#stance-favour").check()
    with page.expect_navigation():
        page.locator("section.discussion form button.primary").click()
    assert page.url.split("#")[0].endswith(DISCUSSION)
    comment = page.locator("li.comment", has_text=text).first
    assert "Pour" in comment.inner_text()
    with page.expect_navigation():
        comment.get_by_role("link", name="Répondre à ce commentaire").click()
    reply = f"Réponse sans JavaScript {secrets.token_hex(3)}"
    page.locator("textarea[name=body]").fill(reply)
    with page.expect_navigation():
        page.locator("main form.stack button[type=submit]").click()
    assert page.url.split("#")[0].endswith(DISCUSSION)
    nested = page.locator("li.comment", has_text=text).first.locator("ol.replies li.comment", has_text=reply)
    assert nested.count() == 1


def test_a_new_comment_appears_live_on_another_page(new_context: Any) -> None:
    reader = new_context(lang="en").new_page()
    sign_in(reader, CITIZEN_EN)
    reader.goto(DISCUSSION)
    reader.wait_for_load_state("networkidle")
    writer = new_context(lang="fr").new_page()
    sign_in(writer, CITIZEN)
    writer.goto(DISCUSSION)
    text = f"En direct {secrets.token_hex(3)}"
    reader_focus = reader.evaluate("document.activeElement && document.activeElement.tagName")
    _post_comment(writer, text)
    button = reader.locator("[data-show-new]")
    button.wait_for(state="visible", timeout=10_000)
    assert "1 new comment" in button.inner_text()
    assert "1 new comment" in reader.locator("[data-live]").inner_text()
    # Nothing moved under the reader's eyes: the comment is not there until asked for, focus unchanged.
    assert reader.locator("li.comment", has_text=text).count() == 0
    assert reader.evaluate("document.activeElement && document.activeElement.tagName") == reader_focus
    button.click()
    inserted = reader.locator("li.comment", has_text=text)
    inserted.wait_for(timeout=10_000)
    # Rendered for the reader, in English.
    assert "Reply" in inserted.inner_text()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_administrator_lifts_a_ban_from_the_list(
    new_context: Any, axe_source: str, lang: str, server: Server
) -> None:
    newcomer = new_context(lang=lang, javascript=False).new_page()
    name = f"Nouvelle {secrets.token_hex(2)}"
    address = f"e2e-{secrets.token_hex(4)}@example.com"
    newcomer.goto("/register")
    newcomer.locator("input[name=display_name]").fill(name)
    newcomer.locator("input[name=email]").fill(address)
    newcomer.locator("input[name=password]").fill("une phrase assez longue")
    with newcomer.expect_navigation():
        newcomer.locator("main button[type=submit]").click()
    newcomer.goto(server.link_mailed_to(address, "/register/confirm/"))
    person_id = newcomer.locator("a[data-notifications]").get_attribute("data-user-id")

    admin = new_context(lang=lang).new_page()
    sign_in(admin)
    switch_language(admin, lang)
    person_page = f"/c/{SLUG}/moderation/users/{person_id}/sanction"
    admin.goto(person_page)
    admin.locator("input[name=kind][value=ban]").check()
    admin.locator("textarea[name=reason]").fill("Essai de bout en bout")
    with admin.expect_navigation():
        admin.locator("main form.stack button[type=submit]").click()
    admin.goto(person_page)
    assert admin.locator("table.data", has_text=name).count() == 1
    assert_accessible(admin, axe_source)
    admin.goto(f"/c/{SLUG}/moderation/sanctions")
    row = admin.locator("table.data tr", has_text=name)
    assert row.count() == 1
    assert_accessible(admin, axe_source)
    with admin.expect_navigation():
        row.locator("button").click()
    assert admin.locator("table.data tr", has_text=name).count() == 0
    assert name in admin.locator(".messages").inner_text()
    assert_accessible(admin, axe_source)
