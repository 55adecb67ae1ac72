"""Coalitions in a real browser: every page passes axe in fr and en; endorsing, reconfirming and revoking
work without JavaScript; with it, a new endorsement appears live and is announced; the sheet prints bare."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in, switch_language

COALITION = "/c/plan-numerique/coalition"
REPRESENTATIVE = "representant@example.org"
MODERATOR = "moderatrice@example.org"


def position_path(page: Any) -> str:
    """The demo position's address, read from the coalition page (its id is the database's)."""
    page.goto(COALITION)
    href = page.locator("main .period a[href*='/positions/']").first.get_attribute("href")
    assert href and re.fullmatch(r"/c/plan-numerique/positions/\d+", href), href
    return href


def submit(page: Any, selector: str = "main form.stack button[type=submit]") -> Any:
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    return navigation.value


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_coalition_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    position = position_path(page)
    for path in (
        COALITION,
        f"{COALITION}?kind=citizens",
        f"{COALITION}?verified=no&stance=reservations",
        position,
        f"{position}/versions/1",
        f"{position}/endorsements/1",
        f"{position}/sheet",
        f"{position}/badge.html?lang={lang}",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_representatives_pages_and_a_refused_form_are_accessible(
    new_context: Any, axe_source: str, lang: str
) -> None:
    # The site's scripts are blocked: the pages behave as without JavaScript, and axe still runs.
    context = new_context()
    context.route("**/static/dist/*.js*", lambda route: route.abort())
    page = context.new_page()
    sign_in(page, REPRESENTATIVE)
    switch_language(page, lang)
    position = position_path(page)
    for path in (
        position,
        f"{position}/endorse",
        f"{position}/organisations/reseau-communautaire/endorse",
        f"{position}/organisations/reseau-communautaire/revoke",
        "/organisations/reseau-communautaire",
    ):
        page.goto(path)
        assert_accessible(page, axe_source)
    page.goto(f"{position}/organisations/aines-branches/endorse")
    page.locator("#signatory_name").fill("")
    page.locator("#mandate_date").fill("2099-01-01")
    response = submit(page)
    assert response.status == 422
    assert page.locator("#mandate_date").get_attribute("aria-invalid") == "true"
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_moderators_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context().new_page()
    sign_in(page, MODERATOR)
    switch_language(page, lang)
    position = position_path(page)
    for path in ("/c/plan-numerique/positions/new", f"{position}/edit", f"{position}/republish"):
        page.goto(path)
        assert_accessible(page, axe_source)


def test_a_representative_reconfirms_on_the_new_version_without_javascript(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page, REPRESENTATIVE)
    switch_language(page, "fr")  # the account keeps the language another test chose
    position = position_path(page)
    page.goto(position)
    aines = page.locator("ul.mine > li", has_text="Association des aînés branchés")
    assert "adhésion à la v1 — pas encore à la v2" in aines.inner_text()
    with page.expect_navigation():
        aines.locator("a", has_text="confirmer l’avis").click()
    assert page.locator("h1").inner_text().strip() == "Confirmer l’avis sur la version 2"
    assert (
        page.locator("#signatory_name").input_value() == "Sophie Lavoie"
    )  # the form starts from the endorsement
    # A mistake first: the form comes back with what was typed and the message by its field.
    page.locator("#mandate_date").fill("2099-05-01")
    page.locator("#statement").fill("Nous adhérons à la version 2, avec la même réserve sur les formations.")
    response = submit(page)
    assert response.status == 422
    assert "dans le futur" in page.locator("#mandate_date-error").inner_text()
    assert "avec la même réserve" in page.locator("#statement").input_value()
    page.locator("#mandate_date").fill("2026-11-01")
    response = submit(page)
    assert response.status == 200 and page.url.endswith(position)
    assert "L’adhésion est enregistrée." in page.locator(".messages").inner_text()
    aines = page.locator("ul.mine > li", has_text="Association des aînés branchés")
    assert "sur la v2" in aines.inner_text()


def test_a_citizen_endorses_then_revokes_without_javascript(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    sign_in(page, "electeur-05@example.org")
    position = position_path(page)
    page.goto(f"{position}/endorse")
    page.locator("input[name=stance][value=stand_aside]").check()
    page.locator("#statement").fill("Neither for nor against.")
    page.locator("#show_name").check()
    response = submit(page)
    assert response.status == 200 and page.url.endswith(position)
    page.goto(f"{COALITION}?kind=citizens")
    assert "Neither for nor against." in page.locator("main").inner_text()
    page.goto(f"{position}/revoke")
    response = submit(page)
    assert response.status == 422  # a reason is needed
    page.locator("#reason").fill("I changed my mind.")
    response = submit(page)
    assert response.status == 200
    page.goto(f"{COALITION}?kind=citizens")
    assert (
        "Neither for nor against."
        not in page.locator("main section[aria-labelledby=citizens-title]").inner_text()
    )
    assert "I changed my mind." in page.locator("#timeline-title + p + ol").inner_text()


def test_a_new_endorsement_appears_live_and_is_announced(new_context: Any) -> None:
    watcher = new_context(lang="en").new_page()
    # The page's one Socket.IO connection (a WebSocket): wait until it has asked to join the position's room.
    sent: list[str] = []
    watcher.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(str(payload))))
    watcher.goto(COALITION)
    for _ in range(100):
        if any(frame.startswith('42/coalitions,["join"') for frame in sent):
            break
        watcher.wait_for_timeout(100)
    assert any(frame.startswith('42/coalitions,["join"') for frame in sent), sent
    cell = watcher.locator("[data-count='citizens-oppose']")
    before = int(cell.inner_text())
    endorser = new_context(lang="en", javascript=False).new_page()
    sign_in(endorser, "electeur-06@example.org")
    endorser.goto(f"{position_path(endorser)}/endorse")
    endorser.locator("input[name=stance][value=oppose]").check()
    endorser.locator("#show_name").check()
    submit(endorser)
    watcher.locator("[data-just-now-list] li", has_text="Électeur·rice 06").wait_for()
    assert watcher.locator("[data-just-now]").is_visible()
    watcher.wait_for_function(
        "() => document.querySelector('[data-live]').textContent.includes('Électeur·rice 06')"
    )
    assert "New endorsement: Électeur·rice 06" in watcher.locator("[data-live]").inner_text()
    assert int(cell.inner_text()) == before + 1


def test_the_signatory_sheet_prints_without_the_sites_chrome(new_context: Any) -> None:
    page = new_context(lang="fr").new_page()
    page.goto(f"{position_path(page)}/sheet")
    assert page.locator(".site-header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    rows = page.locator("table.sheet tbody tr")
    assert (
        rows.count() >= 2
        and "Réseau communautaire numérique de Montréal" in page.locator("table.sheet").inner_text()
    )


def test_the_consultations_endorsement_step_leads_to_the_coalition(new_context: Any) -> None:
    page = new_context(lang="fr").new_page()
    page.goto("/c/plan-numerique")
    with page.expect_navigation():
        page.locator("main ul.components a", has_text="Adhésions").click()
    assert page.url.endswith(COALITION)
    assert page.locator("h1").inner_text().strip() == "Coalition"
