"""Amendments in a real browser with JavaScript off: propose one in suggest mode, then a moderator
accepts it and the text changes; the list and the amendment page are accessible in French and English."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import (
    STATUS_RECORDER,
    assert_accessible,
    create_document,
    sign_in,
    switch_language,
    wait_until_said,
)

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


def test_propose_an_amendment_for_a_passage_selected_in_the_editor(new_context: Any, axe_source: str) -> None:
    """In suggest mode the text is read-only: select a passage (keyboard alone), press the button, and the
    amendments form starts with that passage."""
    admin = new_context(lang="fr").new_page()
    sign_in(admin)
    switch_language(admin, "fr")
    document = create_document(admin, TEXT, "suggest", "Texte à sélectionner")

    author_context = new_context(lang="fr")
    author_context.add_init_script(STATUS_RECORDER)
    author = author_context.new_page()
    problems: list[str] = []
    author.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(author, MODERATOR)
    switch_language(author, "fr")
    author.goto(document)  # the reading page: the live text opens on demand
    with author.expect_navigation():
        author.get_by_role("link", name="Sélectionner un passage à amender").click()
    content = author.locator("#drafting-editor:not([hidden]) .cm-content")
    content.wait_for()
    assert content.get_attribute("aria-readonly") == "true"
    button = author.get_by_role("button", name="Proposer un amendement pour le passage sélectionné")
    hint = author.locator("#drafting-amend-hint")
    # Nothing selected: the button says why it does nothing, and pressing it goes nowhere.
    assert button.get_attribute("aria-disabled") == "true"
    assert button.get_attribute("aria-describedby") == "drafting-amend-hint"
    assert hint.inner_text() == "Sélectionnez un passage du texte pour proposer un amendement à son sujet."
    assert_accessible(author, axe_source)
    button.focus()  # aria-disabled, not disabled: it can be reached and pressed
    author.keyboard.press("Enter")
    wait_until_said(author, "Sélectionnez un passage")
    assert author.url.endswith(document + "/edit")

    # "le dimanche", selected with the keyboard in the third line.
    line = "Premier principe : des bibliothèques ouvertes le dimanche dans chaque quartier."
    content.focus()
    for key in ("Control+Home", "ArrowDown", "ArrowDown"):
        author.keyboard.press(key)
    for _ in range(line.index("le dimanche")):
        author.keyboard.press("ArrowRight")
    for _ in range(len("le dimanche")):
        author.keyboard.press("Shift+ArrowRight")
    assert button.get_attribute("aria-disabled") == "false"
    assert hint.inner_text() == "La page des amendements s’ouvre avec ce passage déjà rempli."
    assert_accessible(author, axe_source)
    author.keyboard.press("Shift+Tab")  # the button comes just before the text
    assert author.evaluate("document.activeElement.classList.contains('drafting-amend')")
    with author.expect_navigation():
        author.keyboard.press("Enter")
    assert f"{document}/amendments?passage=" in author.url
    assert author.get_by_label("Passage à remplacer").input_value() == "le dimanche"

    author.get_by_label("Le remplacer par").fill("tous les jours")
    author.get_by_label("Justification de la modification").fill("Ouvertes plus souvent.")
    with author.expect_navigation():
        author.get_by_role("button", name="Proposer cet amendement").click()
    assert author.url.endswith(f"{document}/amendments/1")
    author.goto(f"{document}/amendments")
    assert author.locator("#amendment-1 del").inner_text() == "le dimanche"
    assert author.locator("#amendment-1 ins").inner_text() == "tous les jours"

    # The page with the button is accessible in English too; a selection made with the mouse counts.
    switch_language(author, "en")
    author.goto(document + "/edit")
    content.wait_for()
    button = author.get_by_role("button", name="Propose an amendment for the selected passage")
    assert button.get_attribute("aria-disabled") == "true"
    assert hint.inner_text() == "Select a passage of the text to propose an amendment for it."
    assert_accessible(author, axe_source)
    content.locator(".cm-line", has_text="Premier principe").dblclick()  # a word
    assert button.get_attribute("aria-disabled") == "false"
    assert_accessible(author, axe_source)
    assert not problems

    # Readers have no such button, nor the editor: the formatted text.
    reader = new_context(lang="fr").new_page()
    reader.goto(document)
    assert "le dimanche" in reader.locator("#drafting-rendered").inner_text()
    assert reader.locator(".drafting-amend, .cm-content").count() == 0
    # Once the document is no longer in suggest mode, the button goes, live.
    admin.goto(document)
    admin.locator("input[name=mode][value=open]").check()
    with admin.expect_navigation():
        admin.locator("#settings form").first.locator("button[type=submit]").click()
    author.locator(".drafting-amend").wait_for(state="hidden")
    assert author.locator("#drafting-amend-hint").is_hidden()
