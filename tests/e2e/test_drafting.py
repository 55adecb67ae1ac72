"""Co-drafting in real browsers: two people write in the live editor (the document's editing view) at once
and converge; the view is accessible with the editor mounted; without JavaScript the form still merges a
change; readers get the formatted text and no editor."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import (
    DEMO_ADMIN,
    STATUS_RECORDER,
    assert_accessible,
    create_document,
    sign_in,
    switch_language,
    wait_until_said,
)

# Two moderators of the demo consultation: they edit an open document whatever the current phase.
ADMIN_NAME = "Administratrice Civic"
MODERATOR = "moderatrice@example.org"
MODERATOR_NAME = "Nadia Tremblay"
CONVERGE_MS = 15_000

# The text of the editor as the people see it, without the other people's cursor labels.
EDITOR_TEXT = """() => {
    const host = document.querySelector('#drafting-editor .drafting-surface');
    if (!host || !host.shadowRoot) return null;
    const content = host.shadowRoot.querySelector('.cm-content').cloneNode(true);
    content.querySelectorAll('.cm-remote-caret').forEach((caret) => caret.remove());
    return [...content.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\\n');
}"""


def _watch_problems(page: Any) -> list[str]:
    """Collect script errors and Content-Security-Policy refusals (the editor must need neither)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return problems


def _open_editor(page: Any, path: str) -> None:
    """Open the document's editing view (the reading page has no editor) and wait for the live editor."""
    page.goto(path + "/edit")
    page.locator("#drafting-editor:not([hidden]) .cm-content").wait_for()
    assert page.locator("#drafting-form").is_hidden()


def _editor_text(page: Any) -> str:
    return str(page.evaluate(EDITOR_TEXT))


def _type_at(page: Any, where: str, text: str) -> None:
    page.locator("#drafting-editor .cm-content").click()
    page.keyboard.press(where)
    page.keyboard.type(text, delay=15)


def _wait_for_text(page: Any, predicate: str, arg: Any) -> None:
    page.wait_for_function(
        f"([arg]) => {{ const text = ({EDITOR_TEXT})(); return text !== null && ({predicate}); }}",
        arg=[arg],
        timeout=CONVERGE_MS,
    )


def _saved_text(new_context: Any, path: str) -> str:
    """The text the server holds, as the no-JavaScript form shows it."""
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page)
    page.goto(path + "/edit")
    return str(page.locator("#drafting-text").input_value())


@pytest.fixture
def document_path(new_context: Any) -> str:
    page = new_context(lang="fr").new_page()
    sign_in(page)
    return create_document(
        page, "Préambule.\n\nPremier principe : l'accès pour toutes et tous.", "open", "Manifeste"
    )


def test_two_people_write_together_and_converge(new_context: Any, document_path: str) -> None:
    alice = new_context(lang="fr").new_page()
    problems = _watch_problems(alice)
    sign_in(alice)
    switch_language(alice, "fr")  # the account keeps the language another test chose
    _open_editor(alice, document_path)
    # The second person uses a 320 px wide phone screen.
    nadia = new_context(lang="en", viewport={"width": 320, "height": 640}).new_page()
    problems += _watch_problems(nadia)
    sign_in(nadia, MODERATOR)
    switch_language(nadia, "en")
    _open_editor(nadia, document_path)

    # Each sees the other in the plain list of who is here.
    alice.locator("#drafting-presence li", has_text=MODERATOR_NAME).wait_for()
    nadia.locator("#drafting-presence li", has_text=ADMIN_NAME).wait_for()
    assert alice.locator("#drafting-presence li", has_text="(vous)").count() == 1
    assert nadia.locator("#drafting-presence li", has_text="(you)").count() == 1

    _type_at(alice, "Control+End", " Alpha écrit ici.")
    _type_at(nadia, "Control+Home", "Bravo: ")
    _type_at(alice, "Control+End", " Charlie.")
    for page in (alice, nadia):
        _wait_for_text(
            page,
            "text.startsWith(arg[0]) && text.endsWith(arg[1])",
            ["Bravo: Préambule.", "tous. Alpha écrit ici. Charlie."],
        )
    _wait_for_text(nadia, "text === arg", _editor_text(alice))
    final = _editor_text(alice)
    assert final == _editor_text(nadia)
    assert (
        final
        == "Bravo: Préambule.\n\nPremier principe : l'accès pour toutes et tous. Alpha écrit ici. Charlie."
    )
    # Acknowledged edits are committed: the server's text is the same.
    assert _saved_text(new_context, document_path) == final
    # Nothing wider than the small screen.
    assert nadia.evaluate("document.documentElement.scrollWidth") <= 320
    # The editor's styles and the cursors' colours got through the strict CSP without inline styles.
    assert not problems, problems
    assert (
        alice.evaluate(
            "() => document.querySelector('#drafting-editor .drafting-surface').shadowRoot.adoptedStyleSheets.length"
        )
        >= 1
    )
    caret = alice.locator("#drafting-editor .cm-remote-caret").first
    caret.wait_for()
    assert caret.evaluate("(el) => getComputedStyle(el).borderLeftColor") != "rgb(0, 0, 0)"
    assert caret.evaluate("(el) => getComputedStyle(el).position") == "relative"  # the theme applies


def test_a_reader_gets_the_formatted_text_and_no_editor(new_context: Any, document_path: str) -> None:
    """Readers used to follow a read-only live editor showing the raw markdown: they now read the
    formatted text, and the editor's code is not loaded for them."""
    writer = new_context(lang="fr").new_page()
    sign_in(writer)
    _open_editor(writer, document_path)
    _type_at(writer, "Control+End", "\n\n## Lu **plus tard**")
    guest = new_context(lang="en").new_page()  # signed out: a reader
    scripts: list[str] = []
    guest.on(
        "request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None
    )
    guest.goto(document_path)
    # The writer's change is committed as it is typed: the reading page has it, formatted.
    for _ in range(20):
        if guest.locator("#drafting-rendered h3", has_text="Lu plus tard").count():
            break
        guest.wait_for_timeout(250)
        guest.reload()
    assert guest.locator("#drafting-rendered h3 strong").inner_text() == "plus tard"
    assert "## Lu" not in guest.locator("main").inner_text()
    assert guest.locator(".cm-content, #drafting-editor, #drafting-form").count() == 0
    assert not [url for url in scripts if "drafting" in url], scripts
    # No edit button for a reader: who may edit, and how to sign in.
    assert guest.get_by_role("link", name="Edit the text").count() == 0
    assert guest.get_by_role("link", name="Sign in to take part.").count() == 1


def test_who_wrote_what_toggle(new_context: Any, document_path: str) -> None:
    page = new_context(lang="en").new_page()
    sign_in(page)
    switch_language(page, "en")
    _open_editor(page, document_path)
    _type_at(page, "Control+End", " Mine.")
    toggle = page.get_by_role("button", name="Who wrote what")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    legend = page.locator("#drafting-authors")
    legend.get_by_text(ADMIN_NAME).wait_for()
    marked = page.locator("#drafting-editor .cm-author")
    assert marked.count() >= 1
    assert any(marked.nth(i).get_attribute("title") == ADMIN_NAME for i in range(marked.count()))
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("#drafting-editor .cm-author").count() == 0


def test_the_editor_works_with_the_keyboard_alone(new_context: Any, document_path: str) -> None:
    page = new_context(lang="en").new_page()
    sign_in(page)
    switch_language(page, "en")
    _open_editor(page, document_path)
    in_editor = """() => {
        const host = document.querySelector('#drafting-editor .drafting-surface');
        const inner = host.shadowRoot.activeElement;
        return document.activeElement === host && !!inner && inner.classList.contains('cm-content');
    }"""
    page.get_by_role("button", name="Who wrote what").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(in_editor)
    # A visible focus indicator on the editor.
    outline = page.locator("#drafting-editor .cm-editor").evaluate(
        "(el) => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert outline == ["solid", "3px"]
    page.keyboard.press("Control+End")
    page.keyboard.type(" Typed.")
    page.keyboard.press("Enter")
    page.keyboard.type("New line")
    _wait_for_text(page, "text.endsWith(arg)", "tous. Typed.\nNew line")
    page.wait_for_timeout(700)  # Yjs's undo groups changes made within 500 ms into one step
    # The line and its line break go in one change: two Backspaces more than 500 ms apart (a busy
    # machine) would be two undo steps, and one Control+z would bring back only the line break.
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Backspace")
    _wait_for_text(page, "text.endsWith(arg)", "tous. Typed.")
    page.keyboard.press("Control+z")  # shared undo brings the line back
    _wait_for_text(page, "text.endsWith(arg)", "tous. Typed.\nNew line")
    # Tab is not caught: it leaves the editor.
    page.keyboard.press("Tab")
    assert not page.evaluate(in_editor)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_document_page_with_the_editor_is_accessible(
    new_context: Any, axe_source: str, document_path: str, lang: str
) -> None:
    page = new_context(lang=lang).new_page()
    sign_in(page)
    switch_language(page, lang)
    other = new_context(lang="fr").new_page()
    sign_in(other, MODERATOR)
    _open_editor(other, document_path)
    _open_editor(page, document_path)
    page.locator("#drafting-presence li", has_text=MODERATOR_NAME).wait_for()
    _type_at(other, "Control+End", " Curseur visible.")  # the other's cursor is drawn in the editor
    page.locator("#drafting-editor .cm-remote-caret").wait_for()
    label = page.locator("#drafting-editor .cm-content").get_attribute("aria-label")
    assert label
    page.get_by_role("button", name="Qui a écrit quoi" if lang == "fr" else "Who wrote what").click()
    assert_accessible(page, axe_source)


def test_without_javascript_the_form_merges_a_change(new_context: Any, document_path: str) -> None:
    nojs = new_context(lang="fr", javascript=False).new_page()
    sign_in(nojs, DEMO_ADMIN)
    switch_language(nojs, "fr")  # the account keeps the language another test chose
    nojs.goto(document_path)
    with nojs.expect_navigation():
        nojs.get_by_role("link", name="Modifier le texte").click()  # the editing view, without JavaScript
    assert nojs.url.endswith(document_path + "/edit")
    assert nojs.locator("#drafting-form").is_visible()
    # Meanwhile someone writes live at the end...
    live = new_context(lang="fr").new_page()
    sign_in(live, MODERATOR)
    _open_editor(live, document_path)
    reader = new_context(lang="fr").new_page()  # another editor's live view: sees what is committed
    sign_in(reader)
    _open_editor(reader, document_path)
    _type_at(live, "Control+End", " Ajout en direct.")
    # The server relays an edit once committed: when the other editor has it, the form's base is older.
    _wait_for_text(reader, "text.endsWith(arg)", "Ajout en direct.")
    # ...and the form, based on the older text, changes the beginning: both changes are kept.
    textarea = nojs.locator("#drafting-text")
    textarea.fill(textarea.input_value().replace("Préambule.", "Préambule révisé."))
    with nojs.expect_navigation():
        nojs.locator("#drafting-form button.primary").click()
    merged = _saved_text(new_context, document_path)
    assert merged == "Préambule révisé.\n\nPremier principe : l'accès pour toutes et tous. Ajout en direct."
    # The live editor receives the form's change too.
    _wait_for_text(live, "text === arg", merged)


def test_edits_made_offline_merge_on_reconnect(new_context: Any, document_path: str) -> None:
    online = new_context(lang="fr").new_page()
    sign_in(online, MODERATOR)
    _open_editor(online, document_path)
    context = new_context(lang="fr")
    context.add_init_script(STATUS_RECORDER)
    # The offline person's connections go through this switch: cut, they are closed and refused.
    line: dict[str, Any] = {"cut": False, "open": []}

    def through(route: Any) -> None:
        server_side = route.connect_to_server()
        if line["cut"]:
            # Refused as by a lost network: the attempt fails (an error, then the close) and the
            # provider tries again after its back-off. A bare route.close() would only close the page's
            # side, which would then wait on a connection that never opens.
            server_side.close()
            return
        line["open"].append((route, server_side))

    context.route_web_socket(re.compile(r"/documents/[0-9]+/sync"), through)
    offline = context.new_page()
    sign_in(offline)
    switch_language(offline, "fr")  # the account keeps the language another test chose
    _open_editor(offline, document_path)
    line["cut"] = True
    context.set_offline(True)
    for page_side, server_side in line["open"]:
        server_side.close()
        page_side.close()
    lost = wait_until_said(offline, "Connexion perdue")
    _type_at(offline, "Control+Home", "Hors ligne. ")
    _type_at(online, "Control+End", " En ligne.")
    line["cut"] = False
    context.set_offline(False)
    expected = "Hors ligne. Préambule.\n\nPremier principe : l'accès pour toutes et tous. En ligne."
    for page in (offline, online):
        _wait_for_text(page, "text === arg", expected)
    # Said once the offline edits are acknowledged (the count of people here may follow it at once).
    wait_until_said(offline, "Reconnecté", after=lost)
    # Each sees the other again in the list of who is here.
    online.locator("#drafting-presence li", has_text=ADMIN_NAME).wait_for()
    offline.locator("#drafting-presence li", has_text=MODERATOR_NAME).wait_for()
    assert _saved_text(new_context, document_path) == expected
