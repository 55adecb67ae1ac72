"""Invite, then guide, in a real browser: what is open comes first, people signed out are asked to sign
in where the action would be and come back there, the ballot comes first and its buttons have words."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Server, assert_accessible, sign_in, switch_language

CONSULTATION = "/c/plan-numerique"
OPEN_POLL = "/c/plan-numerique/polls/1"
SIGNED_IN_PAGES = {"home": "/", "consultation": CONSULTATION, "open-poll": OPEN_POLL}


def _submit(page: Any, selector: str = "main form.stack button[type=submit]") -> Any:
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    return navigation.value


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_pages_with_what_a_citizen_can_do_are_accessible(
    new_context: Any, axe_source: str, name: str, lang: str
) -> None:
    page = new_context().new_page()
    sign_in(page, "citoyen@example.org")
    switch_language(page, lang)
    page.goto(SIGNED_IN_PAGES[name])
    for fold in page.locator("details").all():  # what is folded is checked open too
        fold.evaluate("el => { el.open = true; }")
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_take_part_now_comes_first_on_the_consultation_page(new_context: Any, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    page.goto(CONSULTATION)
    headings = [h.strip() for h in page.locator("main h2").all_inner_texts()]
    assert headings[0] == {"fr": "Participer maintenant", "en": "Take part now"}[lang]
    first = page.locator(".take-part a.button.primary")
    expected = {"fr": "Connectez-vous pour proposer", "en": "Sign in to propose"}[lang]
    assert first.inner_text().strip() == expected


def test_signed_out_to_a_new_account_and_back_to_the_page_without_javascript(
    new_context: Any, server: Server
) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    page.goto(CONSULTATION)
    with page.expect_navigation():
        page.get_by_role("link", name="Connectez-vous pour proposer").click()
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Créer un compte").click()
    email = f"retour-{secrets.token_hex(4)}@example.com"
    page.locator("input[name=display_name]").fill("Nouvelle Citoyenne")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill("une phrase assez longue")
    page.locator("input[name=locale][value=fr]").check()
    assert _submit(page).status == 200
    page.goto(server.link_mailed_to(email, "/register/confirm/"))
    assert page.url.endswith(CONSULTATION), page.url
    assert page.locator("header form[action$='/sign-out'] button").count() == 1
    assert page.locator(".take-part a.button.primary").inner_text().strip() == "Rédiger une proposition"


def test_signed_out_to_signed_in_and_back_to_the_poll_without_javascript(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    page.goto(OPEN_POLL)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Sign in to vote").click()
    page.locator("input[name=email]").fill("citizen@example.org")
    page.locator("input[name=password]").fill("civic-demo-2026")
    _submit(page)
    assert page.url.endswith(OPEN_POLL), page.url
    assert page.locator("form.ballot").count() == 1


def test_a_hostile_next_leads_home(new_context: Any, server: Server) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    page.goto("/sign-in?next=https://evil.example/")
    page.locator("input[name=email]").fill("citizen@example.org")
    page.locator("input[name=password]").fill("civic-demo-2026")
    _submit(page)
    landed, site = urlsplit(page.url), urlsplit(server.url)
    assert (landed.netloc, landed.path) == (site.netloc, "/"), page.url  # the site's own home


def test_the_ballot_comes_first_and_its_buttons_have_words(new_context: Any) -> None:
    page = new_context().new_page()
    sign_in(page, "citoyen@example.org")
    switch_language(page, "fr")
    page.goto(OPEN_POLL)
    ranker = page.locator(".ranker")
    ranker.wait_for()
    ballot_top = page.locator("form.ballot").bounding_box()["y"]
    for fold in page.locator("details.fold").all():
        assert fold.bounding_box()["y"] > ballot_top
        assert not fold.evaluate("el => el.open")
    add = ranker.locator(".unranked [data-action=add]").first
    assert _shown(add) == "+ Ajouter"
    add.click()
    row = ranker.locator(".ranked li").first
    assert [_shown(button) for button in row.locator("button").all()] == [
        "↑ Monter",
        "↓ Descendre",
        "✕ Retirer",
    ]
    # The accessible name starts with the visible word (WCAG 2.5.3) and names the option.
    name = row.locator(".rank-name").inner_text().strip()
    assert row.get_by_role("button", name=f"Monter : {name}").count() == 1


def _shown(button: Any) -> str:
    """The text a sighted person reads on a button (what is only for screen readers left out)."""
    return str(
        button.evaluate(
            "el => [...el.childNodes].filter(n => !(n.classList && n.classList.contains('visually-hidden')))"
            ".map(n => n.textContent).join('').trim()"
        )
    )
