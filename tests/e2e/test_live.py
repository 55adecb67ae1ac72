"""A live session in a real browser: the demo's town hall run end to end by three people at once (the
facilitator with the keyboard alone, a participant, the projector), axe on every screen in French and
English, the participant's page weighed, and the page without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, sign_in, switch_language

LIVE = "/c/plan-numerique/live"
BUDGET_BYTES = 60 * 1024
# What brings the pages live (Socket.IO): measured apart from the page's own weight.
REAL_TIME = ("live.js", "live-console.js", "notifications.js")


def _session_path(page: Any, title: str) -> str:
    page.goto(LIVE)
    href = page.locator("main h2 a", has_text=title).first.get_attribute("href")
    assert href and re.fullmatch(rf"{LIVE}/\d+", href), href
    return href


def tab_to(page: Any, locator: Any, limit: int = 500) -> None:
    """Move the focus with the Tab key alone until it is on `locator` (as a keyboard user does)."""
    locator.wait_for()
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} cannot be reached with the Tab key")


def press(page: Any, locator: Any) -> None:
    """Reach a button with Tab and press it with Enter."""
    tab_to(page, locator)
    page.keyboard.press("Enter")


def wait_text(locator: Any, text: str, timeout: float = 15_000) -> None:
    locator.page.wait_for_function(
        "([element, text]) => element && element.textContent.includes(text)",
        arg=[locator.element_handle(timeout=timeout), text],
        timeout=timeout,
    )


def _live(page: Any) -> None:
    """Wait until the page follows the session live (its socket has joined)."""
    wait_text(
        page.locator("[data-refresh]"),
        {"fr": "Mis à jour en direct", "en": "Updated live"}[page.locator("html").get_attribute("lang")],
    )


def test_a_town_hall_from_start_to_minutes(new_context: Any, axe_source: str) -> None:
    facilitator = new_context(lang="fr", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(facilitator, "moderatrice@example.org")
    participant = new_context(viewport={"width": 375, "height": 800}).new_page()
    sign_in(participant, "citizen@example.org")  # an English speaker
    neighbour = new_context(viewport={"width": 375, "height": 800}).new_page()
    sign_in(neighbour, "citoyen@example.org")
    projector = new_context(lang="fr", viewport={"width": 1920, "height": 1080}).new_page()
    path = _session_path(facilitator, "Assemblée publique")

    # The facilitator starts the session, with the keyboard alone.
    facilitator.goto(f"{path}/console")
    assert_accessible(facilitator, axe_source)
    with facilitator.expect_navigation():  # the console is drawn again for a running session
        press(facilitator, facilitator.get_by_role("button", name="Commencer la séance"))
    facilitator.locator("#now").wait_for()

    participant.goto(path)
    neighbour.goto(path)
    projector.goto(f"{path}/projector")
    for page in (participant, neighbour, projector):
        _live(page)
    assert "Welcome and ground rules" in participant.locator("[data-item]").inner_text()
    assert_accessible(participant, axe_source)
    assert_accessible(projector, axe_source)

    # Two hands raised online; the facilitator gives the floor to the first.
    participant.get_by_role("button", name="Ask to speak").click()
    wait_text(participant.locator("[data-my-place]"), "You are next to speak.")
    neighbour.get_by_role("button", name="Demander la parole").click()
    wait_text(neighbour.locator("[data-my-place]"), "Vous êtes au rang 2")
    give = facilitator.get_by_role("button", name="Donner la parole à Amira Haddad")
    press(facilitator, give)
    wait_text(participant.locator("[data-alert]"), "You have the floor.")
    wait_text(neighbour.locator("[data-my-place]"), "Vous êtes la prochaine personne à parler.")
    wait_text(projector.locator("[data-speaker]"), "Amira Haddad")
    first = projector.locator("[data-clock=turn]").inner_text()
    projector.wait_for_function(
        "text => document.querySelector('[data-clock=turn]').textContent !== text", arg=first
    )

    # Someone in the room, added by name.
    tab_to(facilitator, facilitator.locator("#name"))
    facilitator.keyboard.type("Louise Bergeron")
    press(facilitator, facilitator.get_by_role("button", name="Ajouter à la liste"))
    wait_text(participant.locator("[data-queue]"), "Louise Bergeron (in the room)")

    # The prepared yes-no poll: opened, answered online, hands counted in the room, closed.
    press(facilitator, facilitator.locator("form[data-action=open-poll] button").first)
    participant.get_by_label("Yes").check()
    participant.get_by_role("button", name="Send my answer").click()
    wait_text(participant.locator("[data-poll-area]"), "Your answer is recorded")
    neighbour.get_by_label("Non").check()
    neighbour.get_by_role("button", name="Envoyer ma réponse").click()
    wait_text(projector.locator("[data-count]"), "2 réponses")
    wait_text(facilitator.locator("[data-answers]"), "2 réponses")
    counts = facilitator.locator("form[data-action=tally] input[name=counts]")
    tab_to(facilitator, counts.nth(0))
    facilitator.keyboard.press("Control+a")
    facilitator.keyboard.type("12")
    tab_to(facilitator, counts.nth(1))
    facilitator.keyboard.press("Control+a")
    facilitator.keyboard.type("3")
    press(facilitator, facilitator.get_by_role("button", name="Enregistrer le décompte"))
    facilitator.wait_for_timeout(300)
    press(facilitator, facilitator.get_by_role("button", name="Fermer et afficher les résultats"))
    wait_text(participant.locator("[data-poll-area]"), "Show of hands in the room")
    wait_text(participant.locator("[data-poll-area]"), "More yes than no.")
    wait_text(projector.locator("[data-poll-area]"), "Plus de oui que de non.")
    assert_accessible(participant, axe_source)
    assert_accessible(projector, axe_source)

    # A question: approved by the facilitator, supported by the neighbour.
    participant.get_by_label("Your question").fill("Who pays for Wi-Fi in small libraries?")
    participant.get_by_role("button", name="Send my question").click()
    wait_text(participant.locator("[data-pending]"), "Who pays for Wi-Fi")
    press(facilitator, facilitator.get_by_role("button", name="Montrer à tout le monde"))
    wait_text(neighbour.locator("[data-questions]"), "Who pays for Wi-Fi")
    neighbour.locator("[data-questions] button").click()
    neighbour.wait_for_selector("[data-questions] button[aria-pressed=true]")
    wait_text(participant.locator("[data-questions]"), "1 support")

    # An announcement pinned on every screen, then the next item.
    tab_to(facilitator, facilitator.locator("#text"))
    facilitator.keyboard.type("Pause café à 20 h 15.")
    press(facilitator, facilitator.get_by_role("button", name="Épingler sur tous les écrans"))
    wait_text(projector.locator("[data-announcement]"), "Pause café")
    wait_text(participant.locator("[data-announcement]"), "Pause café")
    louise = facilitator.locator("ol.console-queue li", has_text="Louise Bergeron")
    press(facilitator, louise.get_by_role("button", name="Donner la parole"))  # out of the list's order
    wait_text(projector.locator("[data-speaker]"), "Louise Bergeron")
    press(facilitator, facilitator.get_by_role("button", name="Point suivant"))
    wait_text(participant.locator("[data-item]"), "Free Wi-Fi in libraries")
    wait_text(projector.locator("[data-item]"), "Du Wi-Fi gratuit")
    assert_accessible(facilitator, axe_source)

    # Every screen in the other language too.
    switch_language(participant, "fr")
    _live(participant)
    assert_accessible(participant, axe_source)
    projector.context.add_cookies([{"name": "lang", "value": "en", "url": projector.url}])
    projector.reload()
    assert "Free Wi-Fi in libraries" in projector.locator("[data-item]").inner_text()
    assert_accessible(projector, axe_source)
    switch_language(facilitator, "en")
    assert_accessible(facilitator, axe_source)

    # The end: minutes drafted, edited with the keyboard, published, read by the participant.
    with facilitator.expect_navigation():
        press(facilitator, facilitator.get_by_role("button", name="End the session"))
    with facilitator.expect_navigation():
        press(facilitator, facilitator.get_by_role("link", name="Edit and publish the minutes"))
    text = facilitator.locator("#text").input_value()
    for expected in ("Amira Haddad", "Louise Bergeron", "Should free Wi-Fi", "Show of hands"):
        assert expected in text, expected
    assert_accessible(facilitator, axe_source)
    with facilitator.expect_navigation():
        press(facilitator, facilitator.get_by_role("button", name="Save and publish"))
    participant.goto(f"{path}/minutes")
    minutes = participant.locator("main").inner_text()
    assert "Amira Haddad" in minutes and "Louise Bergeron" in minutes
    assert_accessible(participant, axe_source)
    switch_language(participant, "en")
    assert_accessible(participant, axe_source)


def test_the_participant_page_weighs_less_than_60_kb(new_context: Any) -> None:
    signing_in = new_context(lang="fr").new_page()
    sign_in(signing_in, "representant@example.org")
    path = _session_path(signing_in, "Assemblée publique")
    # A signed-in participant (the page's forms) in a browser that has nothing in its cache yet.
    page = new_context(lang="fr", storage_state=signing_in.context.storage_state()).new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path)
    page.wait_for_load_state("load")
    _live(page)  # the real-time script has run (its traffic is not the page's weight)
    sizes = {r.url: len(r.body()) for r in responses if r.status < 300 and "socket.io" not in r.url}
    scripts = [r for r in responses if r.url.split("?")[0].endswith(REAL_TIME)]
    # The chunks the real-time scripts import (the Socket.IO client, shared by every page's scripts) are theirs.
    chunks = {name for script in scripts for name in re.findall(r"chunks/[\w-]+\.js", script.text())}
    real_time = {
        url: size
        for url, size in sizes.items()
        if url.split("?")[0].endswith(REAL_TIME) or url.split("?")[0].endswith(tuple(chunks))
    }
    own = sum(sizes.values()) - sum(real_time.values())
    detail = "\n".join(f"  {size:>7} B  {url}" for url, size in sizes.items())
    print(
        f"\nparticipant page: {own} B without the real-time scripts ({sum(sizes.values())} B with them)\n{detail}"
    )
    assert any(url.split("?")[0].endswith("live.css") for url in sizes), detail
    assert own < BUDGET_BYTES, f"the participant page weighs {own} B (budget {BUDGET_BYTES} B):\n{detail}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_session_without_javascript(new_context: Any, axe_source: str, lang: str) -> None:
    """Planned, started and run with forms; a participant raises a hand and asks; errors come back."""

    # axe needs JavaScript: the site's own scripts are blocked instead, so the pages are as without it.
    def without_scripts(email: str) -> Any:
        context = new_context(lang=lang)
        context.route("**/static/dist/*.js*", lambda route: route.abort())
        page = context.new_page()
        sign_in(page, email)
        switch_language(page, lang)
        return page

    facilitator, participant = (
        without_scripts("moderatrice@example.org"),
        without_scripts("representant@example.org"),
    )
    facilitator.goto(f"{LIVE}/new")
    assert_accessible(facilitator, axe_source)
    facilitator.locator("#title_fr").fill(f"Atelier sans script {lang}")
    facilitator.locator("#starts_at").fill("2026-12-08T18:30")
    with facilitator.expect_navigation():
        facilitator.locator("main form button[type=submit]").click()
    console = facilitator.url.split("#")[0]
    assert console.endswith("/console"), console
    facilitator.locator("#title_fr").fill("Tour de table")
    with facilitator.expect_navigation():
        facilitator.locator("form[action$='/agenda'] button[type=submit]").click()
    with facilitator.expect_navigation():
        facilitator.locator("form[data-action=start] button").click()
    assert "Tour de table" in facilitator.locator("#now").inner_text()
    assert_accessible(facilitator, axe_source)

    path = console.removesuffix("/console")
    participant.goto(path)
    assert participant.locator("a", has_text={"fr": "Actualiser", "en": "Refresh"}[lang]).count() == 1
    with participant.expect_navigation():
        participant.locator("form[data-lane=normal] button").click()
    assert participant.locator("[data-my-place]").inner_text().strip() != ""
    with participant.expect_navigation() as navigation:
        participant.locator("form[data-lane=normal] button").click()  # now "lower my hand"
    assert navigation.value.status < 400
    too_long = "x" * 501
    participant.locator("#text").fill(too_long)
    with participant.expect_navigation() as navigation:
        participant.locator("form[data-action=ask] button").click()
    assert navigation.value.status == 422
    assert participant.locator("#text").input_value() == too_long  # what was typed comes back
    assert participant.locator("#text").get_attribute("aria-invalid") == "true"
    assert_accessible(participant, axe_source)
    with facilitator.expect_navigation():
        facilitator.locator("form[data-action=end] button").click()
