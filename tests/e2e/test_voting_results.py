"""Results pages in a real browser: the chart's words stay readable on a 320 px screen, axe in fr and en,
and an open poll's results address explains when the results come."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible

OPEN_RESULTS = "/c/plan-numerique/polls/1/results"
CLOSED_RESULTS = "/c/plan-numerique/polls/2/results"

# The smallest computed font size of any element that shows text of its own in the results' main part.
SMALLEST_TEXT = """() => {
  let smallest = Infinity, where = "";
  for (const element of document.querySelectorAll("main *")) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = element.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < smallest) { smallest = size; where = element.outerHTML.slice(0, 80); }
  }
  return [smallest, where];
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_text_stays_readable_on_a_320_px_screen(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang, viewport={"width": 320, "height": 640}).new_page()
    response = page.goto(CLOSED_RESULTS)
    assert response is not None and response.status == 200
    chart = page.locator("#rounds-chart")
    assert chart.locator(".bars li").count() >= 6 and chart.locator("svg.bar").count() >= 6
    # The chart's labels and numbers are text, not drawn: a screen reader and a zoom both find them.
    assert chart.locator(".bar-label").first.inner_text().strip()
    assert chart.locator(".bar-value").first.inner_text().strip()[0].isdigit()
    smallest, where = page.evaluate(SMALLEST_TEXT)
    assert smallest >= 12, f"text of {smallest}px: {where}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # nothing wider than the phone
    headline = page.locator(".results-headline").inner_text()
    assert ("obtiennent un siège" if lang == "fr" else "are elected") in headline
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_open_polls_results_address_explains_when_results_come(
    new_context: Any, axe_source: str, lang: str
) -> None:
    page = new_context(lang=lang).new_page()
    response = page.goto(OPEN_RESULTS)
    assert response is not None and response.status == 200
    text = page.locator("main").inner_text()
    assert ("Le vote est encore ouvert" if lang == "fr" else "Voting is still open") in text
    link = page.locator("main a.button")
    assert link.get_attribute("href") == "/c/plan-numerique/polls/1"
    assert_accessible(page, axe_source)
