"""The live editor's texts come from the catalogues: the document page gives every text its scripts use."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient

from civic.deliberation.drafting import views
from civic.deliberation.drafting.editor_texts import plural_samples
from civic.deliberation.drafting.models import Document
from tests.conftest import post_form, sign_in
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user

SCRIPTS = Path(__file__).resolve().parents[3] / "static" / "src" / "js"
# t("key"), t('key', {...}), t.key and t["key"], where t is the texts function (not x.t(), not set()).
USES = re.compile(r"""(?<![\w$.])t(?:\(\s*["'](\w+)["']|\.(\w+)|\[\s*["'](\w+)["']\s*\])""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def keys_used_by_the_scripts() -> set[str]:
    keys: set[str] = set()
    for script in [SCRIPTS / "drafting.js", *sorted((SCRIPTS / "drafting").glob("*.js"))]:
        for match in USES.finditer(script.read_text()):
            keys.add(next(group for group in match.groups() if group))
    return keys


class _Section(HTMLParser):
    """The attributes of section#drafting, decoded as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("id") == "drafting":
            self.attrs = found


def section_attributes(page: str) -> dict[str, str | None]:
    parser = _Section()
    parser.feed(page)
    assert parser.attrs is not None, "no section#drafting on the page"
    return parser.attrs


def _edit_url(document: Document) -> str:
    """The editing view, where the editor's script and its texts are (the reading page has neither)."""
    return f"/c/{document.consultation.slug}/documents/{document.id}/edit"


def page_texts(client: FlaskClient, document: Document, lang: str) -> dict[str, Any]:
    """The texts the editing view gives its script, the person signed in choosing `lang`."""
    post_form(client, "/language", {"lang": lang}, token_from="/")  # the account's language and the cookie
    response = client.get(_edit_url(document))
    assert response.status_code == 200
    strings = section_attributes(response.get_data(as_text=True)).get("data-strings")
    assert strings, "no data-strings on section#drafting"
    texts = json.loads(strings)
    assert isinstance(texts, dict)
    return texts


def _document(mode: str = "suggest") -> Document:
    moderator = make_user(name="Modératrice")
    return make_document(drafting_consultation(moderators=[moderator]), moderator, "Un texte.", mode=mode)


def _forms(value: Any) -> list[str]:
    """A text, or each form of a plural text."""
    return list(value.values()) if isinstance(value, dict) else [value]


def test_the_scripts_use_texts_through_t() -> None:
    """The parser of this module finds the texts (it would otherwise pass with nothing checked)."""
    keys = keys_used_by_the_scripts()
    assert {"connected", "people", "you", "authorsButton", "amendButton", "amendNoSelection"} <= keys
    assert len(keys) >= 20


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_gives_every_text_the_scripts_use(app: Flask, client: FlaskClient, lang: str) -> None:
    document = _document()
    sign_in(client, make_user().email)
    texts = page_texts(client, document, lang)
    missing = keys_used_by_the_scripts() - set(texts)
    assert not missing, f"texts used by the scripts but not given by the page ({lang}): {sorted(missing)}"
    for key, value in texts.items():
        forms = _forms(value)
        assert forms and all(isinstance(form, str) and form.strip() for form in forms), key


def test_french_and_english_texts_differ_and_keep_their_placeholders(app: Flask, client: FlaskClient) -> None:
    document = _document()
    sign_in(client, make_user().email)
    french, english = page_texts(client, document, "fr"), page_texts(client, document, "en")
    assert set(french) == set(english)
    for key in english:
        assert french[key] != english[key], f"{key} is not translated: {english[key]!r}"
        for form in _forms(french[key]):
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(_forms(english[key])[0])), key
    assert english["unavailable"].startswith("The live editor is not available ({reason})")
    assert french["unavailable"].startswith("L’éditeur en direct n’est pas disponible ({reason})")
    assert french["authorsButton"] == "Qui a écrit quoi"


def test_the_count_of_people_has_each_plural_form_of_the_language(app: Flask, client: FlaskClient) -> None:
    """French says "0 personne" and "1 personne" (both singular), English "1 person" only."""
    document = _document()
    sign_in(client, make_user().email)
    french, english = (
        page_texts(client, document, "fr")["people"],
        page_texts(client, document, "en")["people"],
    )
    assert english == {"one": "{n} person here", "other": "{n} people here"}
    assert french == {"one": "{n} personne ici", "many": "{n} personnes ici", "other": "{n} personnes ici"}
    assert plural_samples(Locale("fr")) == {"one": 0, "other": 2, "many": 1_000_000}


def test_the_texts_survive_quotes_and_markup_in_the_attribute(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tricky = {"connected": """l'éditeur "en direct" <b>&amp;</b> {reason}"""}
    monkeypatch.setattr(views, "editor_texts", lambda: tricky)
    document = _document()
    sign_in(client, make_user().email)
    page = client.get(_edit_url(document)).get_data(as_text=True)
    assert "<b>&amp;</b>" not in page
    assert json.loads(section_attributes(page)["data-strings"] or "") == tricky


def test_the_page_tells_the_script_where_to_propose_amendments(app: Flask, client: FlaskClient) -> None:
    document = _document()
    sign_in(client, make_user().email)
    attributes = section_attributes(client.get(_edit_url(document)).get_data(as_text=True))
    assert attributes["data-mode"] == "suggest" and attributes["data-role"] == "suggester"
    assert (
        attributes["data-amend-url"] == f"/c/{document.consultation.slug}/documents/{document.id}/amendments"
    )
