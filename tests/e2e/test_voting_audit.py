"""The audit page in a real browser: the receipt look-up works without JavaScript, passes axe in fr and en."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible

AUDIT = "/c/plan-numerique/polls/2/audit"
FOUND = {"fr": "Trouvé : votre bulletin", "en": "Found: your ballot"}
MISSING = {"fr": "Aucun bulletin de ce scrutin", "en": "No ballot of this poll"}


def _a_receipt(page: Any) -> str:
    return str(page.locator("table.audit tbody th code").first.inner_text()).strip()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_demo_audit_passes_its_checks_and_finds_a_receipt(
    new_context: Any, axe_source: str, lang: str
) -> None:
    page = new_context(lang=lang).new_page()
    response = page.goto(AUDIT)
    assert response is not None and response.status == 200
    assert page.locator(".check-failed").count() == 0 and page.locator(".check-passed").count() >= 6
    receipt = _a_receipt(page)
    page.locator("#receipt").fill(receipt.lower().replace("-", " "))
    with page.expect_navigation():
        page.locator(".receipt-check button[type=submit]").click()
    assert page.url.endswith("#receipt-check") and "receipt=" in page.url
    result = page.locator(".lookup")
    assert FOUND[lang] in result.inner_text() and receipt in result.inner_text()
    assert result.locator("ul.marks li").count() >= 1
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_unknown_receipt_is_said_missing_without_javascript(
    new_context: Any, axe_source: str, lang: str
) -> None:
    context = new_context(lang=lang)
    context.route(
        "**/static/dist/*.js*", lambda route: route.abort()
    )  # as without JavaScript; axe still runs
    page = context.new_page()
    page.goto(AUDIT)
    page.locator("#receipt").fill("AAAA-AAAA-AAAA-AAAA")
    with page.expect_navigation() as navigation:
        page.locator(".receipt-check button[type=submit]").click()
    assert navigation.value.status == 200
    assert MISSING[lang] in page.locator(".lookup").inner_text()
    assert page.locator("#receipt").input_value() == "AAAA-AAAA-AAAA-AAAA"  # what was typed stays
    assert_accessible(page, axe_source)


def test_the_look_up_works_with_javascript_off(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    page.goto(AUDIT)
    receipt = _a_receipt(page)
    page.locator("#receipt").fill(receipt)
    with page.expect_navigation():
        page.locator(".receipt-check button[type=submit]").click()
    assert FOUND["en"] in page.locator(".lookup").inner_text()


def test_the_open_poll_shows_its_head_and_length(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    page.goto("/c/plan-numerique/polls/1")
    page.locator("summary", has_text="fingerprint").click()  # folded below the ballot (issue 18)
    assert page.locator(".chain-head [data-records]").inner_text().strip().isdigit()
    assert len(page.locator(".chain-head [data-head]").inner_text().strip()) == 64
