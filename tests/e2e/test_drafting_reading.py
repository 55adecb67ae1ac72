"""Reading a document, then writing it: the reading page shows everyone the formatted text without the
editor's code (under 60 KB transferred); an editor chooses to edit and gets the live editor (under 150 KB)
with formatting buttons and a live preview of the formatted text; both pages are accessible."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, create_document, sign_in, switch_language

SLUG = "plan-numerique"
READING_BUDGET_BYTES = 60_000
EDITING_BUDGET_BYTES = 150_000
EDITOR = "#drafting-editor:not([hidden]) .cm-content"
# The editor's text, line by line, as the person sees it.
EDITOR_TEXT = """() => [...document.querySelector('#drafting-editor .drafting-surface').shadowRoot
    .querySelectorAll('.cm-line')].map((line) => line.textContent).join('\\n')"""


def _manifesto(page: Any) -> str:
    """The demo manifesto's path, found from the documents list as a visitor finds it."""
    page.goto(f"/c/{SLUG}/documents")
    link = page.get_by_role("link", name="manifeste", exact=False).or_(
        page.get_by_role("link", name="manifesto", exact=False)
    )
    href = link.first.get_attribute("href")
    assert href and f"/c/{SLUG}/documents/" in href
    return str(href)


def _weigh(page: Any, path: str, ready: str, name: str) -> tuple[int, dict[str, int]]:
    """Open `path` in a browser with nothing cached, wait for `ready`; return the bytes transferred.

    Transferred: each response's headers and body as they came over the network (compressed when the
    server compressed), from Playwright's sizes. The page's own files only: the real-time traffic that
    follows (Socket.IO polling, the preview's requests) is not its weight.
    """
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path)
    page.wait_for_load_state("load")
    page.locator(ready).first.wait_for()
    sizes: dict[str, int] = {}
    for response in responses:
        if "socket.io" in response.url or response.url.endswith("/preview"):
            continue
        measured = response.request.sizes()
        sizes[response.url] = measured["responseBodySize"] + measured["responseHeadersSize"]
    total = sum(sizes.values())
    detail = "\n".join(f"  {size:>7} B  {url}" for url, size in sizes.items())
    print(f"\n{name}: {total} B transferred\n{detail}")
    return total, sizes


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_the_reading_page_weighs_less_than_60_kb_and_loads_no_editor(new_context: Any, who: str) -> None:
    page = new_context(lang="fr").new_page()
    path = _manifesto(page)
    if who == "editor":
        sign_in(page)
        page = new_context(lang="fr", storage_state=page.context.storage_state()).new_page()
    total, sizes = _weigh(page, path, "#drafting-rendered h2", f"document reading page ({who})")
    assert not [url for url in sizes if "drafting" in url and url.split("?")[0].endswith(".js")], sizes
    assert page.locator(".cm-content, textarea#drafting-text").count() == 0
    edit = page.get_by_role("link", name="Modifier le texte")
    assert edit.count() == (1 if who == "editor" else 0)
    assert total < READING_BUDGET_BYTES, (
        f"the reading page weighs {total} B (budget {READING_BUDGET_BYTES} B)"
    )


def test_the_editing_page_weighs_less_than_150_kb(new_context: Any) -> None:
    signing_in = new_context(lang="fr").new_page()
    sign_in(signing_in)
    path = _manifesto(signing_in)
    page = new_context(lang="fr", storage_state=signing_in.context.storage_state()).new_page()
    total, sizes = _weigh(page, path + "/edit", EDITOR, "document editing page")
    assert any(url.split("?")[0].endswith("/drafting.js") for url in sizes), sizes
    assert total < EDITING_BUDGET_BYTES, (
        f"the editing page weighs {total} B (budget {EDITING_BUDGET_BYTES} B)"
    )


def _editor_text(page: Any) -> str:
    return str(page.evaluate(EDITOR_TEXT))


def _press(page: Any, name: str) -> None:
    """Press a formatting button with the keyboard, as someone without a mouse does."""
    page.get_by_role("group", name="Formatting").get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")


def test_formatting_buttons_insert_markdown_and_the_preview_follows(new_context: Any) -> None:
    admin = new_context(lang="en").new_page()
    sign_in(admin)
    switch_language(admin, "en")
    path = create_document(admin, "Intro.", "open", "Formatting")
    problems: list[str] = []
    admin.on("pageerror", lambda error: problems.append(str(error)))
    admin.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    admin.goto(path)
    with admin.expect_navigation():
        admin.get_by_role("link", name="Edit the text").click()
    content = admin.locator(EDITOR)
    content.wait_for()
    preview = admin.locator("#drafting-preview")
    # The buttons come before the text in the tab order, each reachable with Tab.
    group = admin.get_by_role("group", name="Formatting")
    assert [group.get_by_role("button").nth(i).inner_text() for i in range(4)] == [
        "Heading",
        "Bold",
        "List",
        "Link",
    ]
    group.get_by_role("button", name="Heading").focus()
    admin.keyboard.press("Tab")
    assert admin.evaluate("document.activeElement.textContent") == "Bold"

    content.click()
    admin.keyboard.press("Control+End")
    admin.keyboard.press("Enter")
    admin.keyboard.press("Enter")
    admin.keyboard.type("Goals")
    _press(admin, "Heading")  # "## " at the start of the line; the focus goes back to the text
    admin.keyboard.press("End")
    admin.keyboard.press("Enter")
    admin.keyboard.press("Enter")
    _press(admin, "Bold")  # a sample in bold, selected: typing replaces it
    admin.keyboard.type("Access")
    admin.keyboard.press("End")
    admin.keyboard.press("Enter")
    admin.keyboard.press("Enter")
    admin.keyboard.type("libraries")
    _press(admin, "List")
    admin.keyboard.press("End")
    admin.keyboard.type(" and ")
    admin.keyboard.type("site")
    for _ in range(4):
        admin.keyboard.press("Shift+ArrowLeft")
    _press(admin, "Link")  # the address is selected to be typed
    admin.keyboard.type("https://example.org/")
    assert (
        _editor_text(admin)
        == "Intro.\n\n## Goals\n\n**Access**\n\n- libraries and [site](https://example.org/)"
    )
    # The preview shows the formatted text as readers will see it.
    preview.locator("h3", has_text="Goals").wait_for()
    preview.locator("strong", has_text="Access").wait_for()
    preview.locator("li a[href='https://example.org/']", has_text="site").wait_for()
    # Markup typed in the text never runs in the preview: it is the server's sanitised rendering.
    admin.keyboard.press("Control+End")
    admin.keyboard.type(' <img src=x onerror="alert(1)"><script>alert(2)</script> end')
    preview.get_by_text("end", exact=False).last.wait_for()
    admin.wait_for_timeout(300)
    assert preview.locator("img, script").count() == 0
    assert not problems, problems
    # Beside the text on a wide screen.
    editor_box = admin.locator("#drafting-editor").bounding_box()
    preview_box = admin.locator(".drafting-preview").bounding_box()
    assert editor_box and preview_box and preview_box["x"] > editor_box["x"] + editor_box["width"] / 2


def test_on_a_phone_the_preview_is_under_the_text(new_context: Any) -> None:
    signing_in = new_context(lang="fr").new_page()
    sign_in(signing_in)
    path = create_document(signing_in, "Texte *court*.", "open", "Téléphone")
    page = new_context(
        lang="fr", viewport={"width": 375, "height": 700}, storage_state=signing_in.context.storage_state()
    ).new_page()
    page.goto(path + "/edit")
    page.locator(EDITOR).wait_for()
    editor_box = page.locator("#drafting-editor").bounding_box()
    preview_box = page.locator(".drafting-preview").bounding_box()
    assert editor_box and preview_box and preview_box["y"] >= editor_box["y"] + editor_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#drafting-preview em").inner_text() == "court"


def test_without_javascript_the_form_previews_then_saves(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    sign_in(page)
    switch_language(page, "fr")
    path = create_document(page, "Début.", "open", "Sans script")
    page.goto(path)
    with page.expect_navigation():
        page.get_by_role("link", name="Modifier le texte").click()
    page.locator("#drafting-text").fill("Début.\n\n## Suite\n\nUn mot **fort**.")
    with page.expect_navigation():
        page.get_by_role("button", name="Voir l’aperçu sans enregistrer").click()
    assert page.locator("#drafting-preview h3").inner_text() == "Suite"
    assert page.locator("#drafting-text").input_value().endswith("Un mot **fort**.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer mes changements").click()
    assert page.url.endswith(path)
    assert page.locator("#drafting-rendered strong").inner_text() == "fort"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_reading_and_editing_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    reader = new_context(lang=lang).new_page()  # signed out
    path = _manifesto(reader)
    reader.goto(path)
    switch_language(reader, lang)
    assert_accessible(reader, axe_source)
    writer = new_context(lang=lang).new_page()
    sign_in(writer)
    switch_language(writer, lang)
    own = create_document(writer, "# Titre\n\nUn **texte** à écrire.", "open", f"Accessible {lang}")
    writer.goto(own + "/edit")
    writer.locator(EDITOR).wait_for()
    writer.locator(EDITOR).click()
    writer.keyboard.press("Control+End")
    writer.keyboard.type("\n\n- un\n- deux")
    writer.locator("#drafting-preview li").nth(1).wait_for()
    assert_accessible(writer, axe_source)
