"""Document pages: list, create, read, the no-JavaScript three-way merge, settings; errors keep the text."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.log import updates
from civic.deliberation.drafting.models import Document
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit, stored_rows
from tests.factories import make_document, make_user


def _setup(mode: str = "open", text: str = "A B C") -> tuple[User, Consultation, Document]:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, consultation, make_document(consultation, moderator, text, mode=mode)


def _url(document: Document, suffix: str = "") -> str:
    return f"/c/{document.consultation.slug}/documents/{document.id}{suffix}"


def _base(page: str) -> str:
    match = re.search(r'<input type="hidden" name="base" value="(\d+)">', page)
    assert match, "no base on the page"
    return match.group(1)


def test_the_documents_list_shows_documents_and_the_create_link_to_moderators(
    app: Flask, client: FlaskClient
) -> None:
    moderator, consultation, _document = _setup()
    page = html_text(client.get(f"/c/{consultation.slug}/documents"))
    assert "Manifeste numérique" in page and "/documents/new" not in page
    sign_in(client, moderator.email)
    assert "/documents/new" in client.get(f"/c/{consultation.slug}/documents").get_data(as_text=True)
    assert f"/c/{consultation.slug}/documents" in client.get(f"/c/{consultation.slug}").get_data(as_text=True)


def test_a_moderator_creates_a_document(app: Flask, client: FlaskClient) -> None:
    moderator, consultation, _document = _setup()
    sign_in(client, moderator.email)
    response = post_form(
        client,
        f"/c/{consultation.slug}/documents/new",
        {"title_fr": "Position commune", "title_en": "", "text": "Premier **jet**", "mode": "editors"},
    )
    assert response.status_code == 302
    document = db.session.scalar(select(Document).where(Document.title_fr == "Position commune"))
    assert document is not None and document.mode == "editors"
    assert log_rows.text_at(document.id)[0] == "Premier **jet**"


def test_participants_cannot_create_documents(app: Flask, client: FlaskClient) -> None:
    _moderator, consultation, _document = _setup()
    sign_in(client, make_user().email)
    assert client.get(f"/c/{consultation.slug}/documents/new").status_code == 403


def test_creating_without_a_title_keeps_the_text(app: Flask, client: FlaskClient) -> None:
    moderator, consultation, _document = _setup()
    sign_in(client, moderator.email)
    response = post_form(
        client,
        f"/c/{consultation.slug}/documents/new",
        {"title_fr": "", "title_en": "", "text": "Mon brouillon", "mode": "open"},
    )
    assert response.status_code == 422
    assert "Mon brouillon" in html_text(response)


def test_the_reading_page_shows_the_formatted_text_and_loads_no_editor(
    app: Flask, client: FlaskClient
) -> None:
    _moderator, _consultation, document = _setup(text="# Titre\n\n**gras** <script>alert(1)</script>")
    sign_in(client, make_user(name="Rédacteur").email)
    page = client.get(_url(document)).get_data(as_text=True)
    for needle in (
        '<div class="prose" id="drafting-rendered"><h2>Titre</h2>',
        "<strong>gras</strong>",
        f'href="{_url(document, "/edit")}">Modifier le texte</a>',
        f'href="{_url(document, "/history")}"',
        f'href="{_url(document, "/amendments")}"',
        '<link rel="stylesheet" href="/static/dist/drafting.css',
        'id="discussion"',
    ):
        assert needle in page, needle
    for absent in (
        "drafting.js",
        "drafting-text",
        'id="drafting"',
        "data-strings",
        "# Titre",
        "<script>alert",
    ):
        assert absent not in page, absent


def test_the_editing_view_follows_the_dom_contract(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup(text="# Titre\n\n**gras** <script>alert(1)</script>")
    sign_in(client, make_user(name="Rédacteur").email)
    page = client.get(_url(document, "/edit")).get_data(as_text=True)
    assert (
        f'<section id="drafting" aria-labelledby="drafting-title" data-document="{document.id}" data-role="editor"'
        in page
    )
    for needle in (
        f'data-sync="/c/{document.consultation.slug}/documents/{document.id}/sync"',
        f'data-preview-url="{_url(document, "/preview")}"',
        'data-user-name="Rédacteur"',
        'data-max-bytes="',
        '<form id="drafting-form" method="post"',
        f'action="{_url(document)}"',
        '<textarea id="drafting-text" name="text"',
        '<input type="hidden" name="base" value="',
        '<button type="submit" name="preview" value="1">',
        '<div id="drafting-editor" hidden></div>',
        '<div class="prose" id="drafting-preview"><h2>Titre</h2>',
        '<ul id="drafting-presence"',
        '<p id="drafting-status" role="status"></p>',
        '<script type="module" src="/static/dist/drafting.js',
        '<link rel="stylesheet" href="/static/dist/drafting.css',
    ):
        assert needle in page, needle
    assert "<script>alert(1)</script>" not in page.split("<textarea", 1)[0]
    assert "<script>alert(1)</script>" not in page.split("</textarea>", 1)[1]
    assert re.search(r'data-user-color="#[0-9a-f]{6}"', page)


def test_readers_get_no_form_and_no_editor(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    page = client.get(_url(document)).get_data(as_text=True)
    assert "drafting-form" not in page and "A B C" in page and "drafting.js" not in page
    assert "/edit" not in page and "/sign-in" in page  # how to take part, no dead button
    # Signed out, the editing view asks to sign in first.
    response = client.get(_url(document, "/edit"))
    assert response.status_code == 302 and "sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("mode", "control"), [("suggest", "Sélectionner un passage à amender"), ("final", None)]
)
def test_who_is_not_an_editor_sees_who_may_edit_and_no_edit_button(
    app: Flask, client: FlaskClient, mode: str, control: str | None
) -> None:
    _moderator, _consultation, document = _setup(mode=mode)
    sign_in(client, make_user().email)
    page = html_text(client.get(_url(document)))
    assert "Modifier le texte" not in page
    if control:  # suggest mode: the live text, read-only, to select a passage and amend it
        assert "Le texte est figé" in page and control in page
        assert client.get(_url(document, "/edit")).status_code == 200
    else:
        assert "Ce texte est définitif" in page and "/edit" not in page
        assert client.get(_url(document, "/edit")).status_code == 403


def test_the_preview_is_the_sanitised_rendering(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    response = post_form(
        client,
        _url(document, "/preview"),
        {"text": "## Sous-titre\r\n\r\n**gras** <script>alert(1)</script> [lien](javascript:alert(1))"},
        token_from=_url(document, "/edit"),
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h3>Sous-titre</h3>" in html and "<strong>gras</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert stored_rows(document) == 1  # nothing saved


def test_the_preview_is_for_editors_and_needs_its_token(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup(mode="suggest")
    sign_in(client, make_user().email)
    refused = post_form(client, _url(document, "/preview"), {"text": "x"}, token_from=_url(document, "/edit"))
    assert refused.status_code == 403
    _moderator, _consultation, open_document = _setup()
    assert client.post(_url(open_document, "/preview"), data={"text": "x"}).status_code == 400


def test_an_oversized_preview_is_refused(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_MAX_TEXT_BYTES", 200)
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    response = post_form(
        client, _url(document, "/preview"), {"text": "x" * 300}, token_from=_url(document, "/edit")
    )
    assert response.status_code == 413


def test_the_form_previews_without_saving(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    base = _base(client.get(_url(document, "/edit")).get_data(as_text=True))
    response = post_form(client, _url(document), {"text": "Nouveau **texte**", "base": base, "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nouveau <strong>texte</strong>" in page  # the preview
    assert ">Nouveau **texte**</textarea>" in page  # the text kept in the form, with its base
    assert _base(page) == base
    assert stored_rows(document) == 1 and log_rows.text_at(document.id)[0] == "A B C"


def test_the_form_merges_with_edits_made_meanwhile(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup(text="A B C")
    sign_in(client, make_user().email)
    base = _base(client.get(_url(document, "/edit")).get_data(as_text=True))
    updates.receive_update(document, make_user().id, edit(client_doc(document.id), "A B D"), "editor")
    response = post_form(client, _url(document), {"text": "X B C", "base": base})
    assert response.status_code == 302
    assert log_rows.text_at(document.id)[0] == "X B D"
    assert "X B D" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("base", ["", "abc", "999999", "-3"])
def test_a_missing_or_forged_base_is_refused_and_the_text_kept(
    app: Flask, client: FlaskClient, base: str
) -> None:
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    response = post_form(client, _url(document), {"text": "Mon texte à garder", "base": base})
    assert response.status_code == 422
    assert "Mon texte à garder" in html_text(response)
    assert stored_rows(document) == 1


def test_an_oversized_text_is_refused_and_kept(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_MAX_TEXT_BYTES", 200)
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    base = _base(client.get(_url(document, "/edit")).get_data(as_text=True))
    long_text = "Très long " * 40
    response = post_form(client, _url(document), {"text": long_text, "base": base})
    assert response.status_code == 413
    assert long_text.strip() in html_text(response)
    assert stored_rows(document) == 1


def test_the_form_needs_its_csrf_token(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    response = client.post(_url(document), data={"text": "X", "base": "1"})
    assert response.status_code == 400
    assert stored_rows(document) == 1


@pytest.mark.parametrize("mode", ["suggest", "final"])
def test_non_editors_cannot_post_text(app: Flask, client: FlaskClient, mode: str) -> None:
    _moderator, _consultation, document = _setup(mode=mode)
    sign_in(client, make_user().email)
    response = post_form(client, _url(document), {"text": "X", "base": "1"})
    assert response.status_code == 403
    assert stored_rows(document) == 1


def test_a_moderator_changes_the_mode_and_names_co_authors(app: Flask, client: FlaskClient) -> None:
    moderator, _consultation, document = _setup()
    co_author = make_user(name="Coautrice")
    sign_in(client, moderator.email)
    response = post_form(
        client,
        _url(document, "/settings"),
        {"title_fr": "Nouveau", "title_en": "New", "mode": "editors", "max_editors": "20"},
        token_from=_url(document),
    )
    assert response.status_code == 302
    response = post_form(
        client, _url(document, "/editors"), {"email": co_author.email}, token_from=_url(document)
    )
    assert response.status_code == 302
    db.session.refresh(document)
    assert (document.title_fr, document.mode, document.max_editors) == ("Nouveau", "editors", 20)
    assert [e.user_id for e in document.editors] == [co_author.id]
    assert "Coautrice" in html_text(client.get(_url(document)))


def test_participants_cannot_change_settings(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    sign_in(client, make_user().email)
    response = post_form(
        client,
        _url(document, "/settings"),
        {"title_fr": "X", "mode": "final", "max_editors": "5"},
        token_from=_url(document),
    )
    assert response.status_code == 403
    db.session.refresh(document)
    assert document.mode == "open"


def test_an_unknown_co_author_is_refused_with_the_address_kept(app: Flask, client: FlaskClient) -> None:
    moderator, _consultation, document = _setup()
    sign_in(client, moderator.email)
    response = post_form(
        client, _url(document, "/editors"), {"email": "personne@example.org"}, token_from=_url(document)
    )
    assert response.status_code == 422
    assert "personne@example.org" in html_text(response)


def test_the_pages_are_in_english_too(app: Flask, client: FlaskClient) -> None:
    _moderator, _consultation, document = _setup()
    client.set_cookie("lang", "en", domain="civic.test")
    page = html_text(client.get(_url(document)))
    assert "Digital manifesto" in page and "Sign in to take part" in page
    sign_in(client, make_user().email)
    post_form(client, "/language", {"lang": "en"}, token_from="/")
    assert "Edit the text" in html_text(client.get(_url(document)))
    page = html_text(client.get(_url(document, "/edit")))
    assert "Digital manifesto" in page and "Who is here" in page and "Preview" in page


def test_outside_co_drafting_the_page_says_only_moderators_edit(app: Flask, client: FlaskClient) -> None:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator], open_now=False)
    document = make_document(consultation, moderator, "Texte", mode="open")
    sign_in(client, make_user().email)
    page = html_text(client.get(_url(document)))
    assert "La corédaction n’est pas ouverte en ce moment" in page and "Modifier le texte" not in page
    assert client.get(_url(document, "/edit")).status_code == 403
    sign_in(client, moderator.email)
    assert "Modifier le texte" in html_text(client.get(_url(document)))
