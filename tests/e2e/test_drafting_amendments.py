"""Amendments in a real browser with JavaScript off: propose one in suggest mode, then a moderator
accepts it and the text changes; the list and the amendment page are accessible in French and English."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import assert_accessible, create_document, sign_in, switch_language

MODERATOR = "moderatrice@example.org"  # moderates the demo consultation
TEXT = "Préambule.\n\nPremier principe : des bibliothèques ouvertes le dimanche dans chaque quartier."


def test_propose_and_accept_an_amendment_without_javascript(new_context: Any, axe_source: str) -> None:
    admin = new_context(lang="fr", javascript=False).new_page()
    sign_in(admin)
    switch_language(admin, "fr")  # an earlier test may have left the account in English
    document = create_document(admin, TEXT, "suggest", "Texte à amender")

    author = new_context(lang="fr", javascript=False).new_page()
    sign_in(author, MODERATOR)
    switch_language(author, "fr")
    author.goto(document)
    with author.expect_navigation():
        author.locator("#amendments a").click()
    assert author.url.endswith(f"{document}/amendments")
    assert author.locator("#current-text").input_value() == TEXT
    # A passage that is not in the text comes back with what was typed and the error.
    author.get_by_label("Passage à remplacer").fill("le samedi")
    author.get_by_label("Le remplacer par").fill("tous les jours")
    author.get_by_label("Justification de la modification").fill("Les **familles** travaillent le samedi.")
    with author.expect_navigation():
        author.get_by_role("button", name="Proposer cet amendement").click()
    assert author.locator("#passage-error").inner_text().startswith("Ce passage ne figure pas")
    assert (
        author.get_by_label("Justification de la modification").input_value().startswith("Les **familles**")
    )
    author.get_by_label("Passage à remplacer").fill("le dimanche")
    with author.expect_navigation():
        author.get_by_role("button", name="Proposer cet amendement").click()
    assert author.url.endswith(f"{document}/amendments/1")
    assert author.locator("h1").inner_text() == "Amendement n° 1"
    assert "le dimanche" in author.locator(".amendment-context del").inner_text()
    assert "tous les jours" in author.locator(".amendment-context ins").inner_text()
    assert author.locator("#reason-title + .prose strong").inner_text() == "familles"

    # The list and the amendment page, in both languages, as the moderator who decides sees them
    # (axe runs in the page, so these visits have JavaScript on).
    checker = new_context(lang="fr").new_page()
    sign_in(checker)
    for lang in ("fr", "en"):
        switch_language(checker, lang)
        checker.goto(f"{document}/amendments")
        assert checker.locator("#amendment-1").count() == 1
        assert_accessible(checker, axe_source)
        checker.goto(f"{document}/amendments/1")
        assert checker.locator("#decide").count() == 1
        assert_accessible(checker, axe_source)

    # A refused proposal (its errors tied to the fields) is accessible too.
    checker.goto(f"{document}/amendments")
    checker.get_by_label("Passage to replace").fill("absent passage")
    checker.get_by_label("Replace it with").fill("anything")
    checker.get_by_label("Reason for the change").fill("A reason")
    with checker.expect_navigation():
        checker.get_by_role("button", name="Propose this amendment").click()
    assert checker.locator("#passage[aria-invalid=true]").count() == 1
    assert_accessible(checker, axe_source)

    switch_language(admin, "en")
    admin.goto(f"{document}/amendments/1")
    admin.locator("input[name=decision][value=accept]").check()
    admin.get_by_label("Answer to the author").fill("Thank you: *adopted*.")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Record the decision").click()
    assert "Accepted" in admin.locator("#decision-title").inner_text()
    assert admin.locator(".answer .prose em").inner_text() == "adopted"
    admin.goto(document)
    assert "ouvertes tous les jours dans chaque quartier" in admin.locator("#drafting-rendered").inner_text()
    checker.goto(f"{document}/amendments")  # an accepted amendment in the list
    assert checker.locator("#amendment-1 .state-accepted").count() == 1
    assert_accessible(checker, axe_source)

    # The author hears of it.
    author.goto("/notifications")
    assert author.get_by_text("Administratrice Civic a accepté votre amendement").count() >= 1
