"""The manifesto's history in real browsers: history, compare, version and authors pages are accessible
in French and English, and comparing and restoring work without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, create_document, sign_in, switch_language

SLUG = "plan-numerique"
MODERATOR = "moderatrice@example.org"


def _manifesto(page: Any) -> str:
    """The demo manifesto's path, found the way a visitor finds it: from the documents list."""
    page.goto(f"/c/{SLUG}/documents")
    link = page.get_by_role("link", name="manifeste", exact=False).or_(
        page.get_by_role("link", name="manifesto", exact=False)
    )
    href = link.first.get_attribute("href")
    assert href and f"/c/{SLUG}/documents/" in href
    return str(href)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("suffix", ["/history", "/compare", "/versions/1", "/authors"])
def test_history_pages_are_accessible(new_context: Any, axe_source: str, lang: str, suffix: str) -> None:
    page = new_context(lang=lang).new_page()
    path = _manifesto(page)
    page.goto(path + suffix)
    switch_language(page, lang)
    assert page.locator("h1").count() == 1
    assert_accessible(page, axe_source)


def test_the_document_page_links_to_its_history(new_context: Any) -> None:
    page = new_context(lang="en").new_page()
    page.goto(_manifesto(page))
    with page.expect_navigation():
        page.get_by_role("link", name="History", exact=True).click()
    assert page.locator("h1").inner_text() == "History of the document"
    assert page.get_by_text("Automatic version").count() >= 2


def test_compare_works_without_javascript(new_context: Any) -> None:
    """(axe cannot run with scripts off: the page is checked with them on above.)"""
    page = new_context(lang="en", javascript=False).new_page()
    page.goto(_manifesto(page) + "/history")
    page.locator("#compare-from").select_option("1")
    page.locator("#compare-to").select_option("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare", exact=True).click()
    assert "from=1" in page.url and "to=3" in page.url
    assert page.locator("h2#diff-title").inner_text() == "From version 1 to version 3"
    summary = page.locator("#diff-summary").inner_text()
    assert "words added" in summary and "removed" in summary
    inserted = page.locator(".drafting-diff ins").first
    assert inserted.inner_text().startswith("Inserted:") or "Inserted:" in inserted.text_content()
    assert page.locator(".drafting-diff del").count() >= 1


def test_a_moderator_restores_a_version_without_javascript(new_context: Any) -> None:
    """On a document of its own: restoring changes the text, which the other tests read on the demo's."""
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page, MODERATOR)
    switch_language(page, "fr")  # an earlier test may have left the account in English
    path = create_document(page, "Première rédaction : des centres communautaires ouverts.", "open")

    def name_version(name: str) -> None:
        page.goto(path + "/history")
        page.locator("input[name=name]").fill(name)
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer la version").click()

    name_version("Départ")
    page.goto(path)
    with page.expect_navigation():
        page.get_by_role("link", name="Modifier le texte").click()
    page.locator("#drafting-text").fill("Deuxième rédaction : personne n'est laissé de côté.")
    with page.expect_navigation():
        page.locator("#drafting-form button.primary").click()
    name_version("Après révision")
    page.goto(path + "/versions/1")
    with page.expect_navigation():
        page.get_by_role("button", name="Restaurer la version 1").click()
    assert page.url.endswith(path + "/history")
    assert page.get_by_text("Restaurée depuis la version 1").count() == 1
    page.goto(path)
    text = page.locator("#drafting-rendered").inner_text()
    assert "centres communautaires ouverts" in text and "laissé de côté" not in text
