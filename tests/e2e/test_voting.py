"""Voting in a real browser: poll pages pass axe in fr and en; a ranked ballot cast without and with JS."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import pytest

from tests.e2e.conftest import Server, assert_accessible, sign_in, switch_language

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


def _ranked_names(page: Any) -> list[str]:
    return [name.strip() for name in page.locator(".ranker .ranked li .rank-name").all_inner_texts()]


def _stored_choice(server: Server, receipt: str) -> list[int]:
    """The ballot with this receipt code, as the server stored it (option positions in rank order)."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT choice FROM ballots WHERE receipt = ?", (receipt,)).fetchone()
    assert row is not None, f"no ballot with receipt {receipt}"
    return list(json.loads(row[0]))


def test_ranked_ballot_reordered_by_dragging_with_the_mouse(new_context: Any, server: Server) -> None:
    page = new_context(lang="en").new_page()
    sign_in(page, "representant@example.org")
    page.goto(OPEN_POLL)
    ranker = page.locator(".ranker")
    ranker.wait_for()
    for _ in range(3):  # rank the first three options, in the page's order
        ranker.locator(".unranked [data-action=add]").first.click()
    rows = ranker.locator(".ranked li")
    a, b, c = _ranked_names(page)
    option = {name: int(rows.nth(k).get_attribute("data-option") or "") for k, name in enumerate((a, b, c))}
    # Drag the third option onto the first one (Playwright's drag: real pointer events, then HTML drag).
    rows.nth(2).locator(".rank-name").drag_to(rows.nth(0).locator(".rank-name"))
    assert _ranked_names(page) == [c, a, b]
    # By hand with the mouse: the (now) second option down onto the last one.
    source = rows.nth(1).locator(".rank-name").bounding_box()
    target = rows.nth(2).locator(".rank-name").bounding_box()
    assert source is not None and target is not None
    page.mouse.move(source["x"] + 5, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 15, source["y"] + source["height"] / 2, steps=3)
    page.mouse.move(target["x"] + 15, target["y"] + target["height"] / 2, steps=10)
    page.mouse.up()
    assert _ranked_names(page) == [c, b, a]
    live = ranker.locator("[aria-live]")
    page.wait_for_function(
        "([el, name]) => el.textContent.includes(name) && el.textContent.includes('3')",
        arg=[live.element_handle(), a],
    )
    # An unranked option dragged onto the first row takes first place...
    unranked = ranker.locator(".unranked li").first
    d = unranked.locator(".rank-name").inner_text().strip()
    option[d] = int(unranked.get_attribute("data-option") or "")
    unranked.locator(".rank-name").drag_to(rows.nth(0).locator(".rank-name"))
    assert _ranked_names(page) == [d, c, b, a]
    # ...and a ranked option dragged onto the unranked list leaves the ranking. Both in the window first,
    # as a person scrolls before dragging (the buttons' words make the rows taller: the list starts at
    # the bottom of a 720 px window, and a drag that scrolls as it starts picks up the row below).
    page.mouse.wheel(0, 300)
    page.wait_for_function("() => window.scrollY > 0")
    rows.nth(2).locator(".rank-name").drag_to(ranker.locator(".unranked li").first)
    assert _ranked_names(page) == [d, c, a]
    # Dropped in the gap between two rows, it goes between them.
    ranked_list = ranker.locator(".ranked")
    box, second_row = ranked_list.bounding_box(), rows.nth(1).bounding_box()
    assert box is not None and second_row is not None
    gap = {"x": 20, "y": second_row["y"] + second_row["height"] + 2 - box["y"]}
    rows.nth(0).locator(".rank-name").drag_to(ranked_list, target_position=gap)
    assert _ranked_names(page) == [c, d, a]
    expected = [option[name] for name in (c, d, a)]
    for rank, position in enumerate(expected, start=1):
        assert page.locator(f"#rank-{position}").input_value() == str(rank)
    assert page.locator(f"#rank-{option[b]}").input_value() == ""
    with page.expect_navigation():
        page.locator("form.ballot button[type=submit]").click()
    assert page.url.endswith("/receipt")
    assert _stored_choice(server, _receipt(page)) == expected


def test_poll_on_proposals_created_voted_closed_and_audited(new_context: Any, axe_source: str) -> None:
    """Without the site's scripts: tick proposals as options, vote, close; results and audit link them."""
    context = new_context(lang="en")
    context.route("**/static/dist/*.js*", lambda route: route.abort())
    page = context.new_page()
    sign_in(page, "moderatrice@example.org")
    switch_language(page, "en")
    page.goto("/c/plan-numerique/polls/new")
    page.get_by_label("Question in English").fill("Which proposal first?")
    page.get_by_label("Options in English").fill("None of these")
    proposals = page.get_by_role("group", name="Proposals of this consultation").get_by_role("checkbox")
    titles = [proposals.nth(k).evaluate("el => el.labels[0].textContent.trim()") for k in range(2)]
    for k in range(2):
        proposals.nth(k).check()
    page.locator("#opens_at").fill("2020-01-01T09:00")
    page.locator("#closes_at").fill("2099-01-01T09:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the poll").click()
    assert re.search(r"/polls/\d+$", page.url), page.url
    poll_url = page.url
    links = page.locator("form.ballot a.option-link")
    assert links.count() == 2
    page.locator("#rank-2").select_option("1")
    page.locator("#rank-0").select_option("2")
    with page.expect_navigation():
        page.locator("form.ballot button[type=submit]").click()
    assert page.url.endswith("/receipt")
    page.goto(poll_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Close and count now").click()
    assert page.url.endswith("/results")
    winners = page.locator("ol.winners")
    assert titles[1] in winners.inner_text()
    assert_accessible(page, axe_source)
    # The link's name is its text followed by the option's name (hidden text), e.g. for screen readers.
    page.get_by_role("link", name=re.compile(rf"^Read the proposal\W+{re.escape(titles[1])}$")).first.click()
    assert re.search(r"/proposals/\d+$", page.url) and titles[1] in page.locator("h1").inner_text()
    page.goto(f"{poll_url}/audit")
    assert page.locator("table.data a.option-link").count() == 2
    assert_accessible(page, axe_source)
