"""History pages: the list of versions, naming, comparing, restoring, who wrote what; errors are 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from civic.accounts.models import User
from civic.deliberation.drafting import editors, permissions, restore
from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.log import updates
from civic.deliberation.drafting.models import Document, DocumentUpdate, DocumentVersion
from civic.extensions import db
from civic.timestamps import utcnow
from tests.conftest import csrf_token, html_text, post_form, sign_in
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit, stored_rows
from tests.factories import make_document, make_user


def _setup(text: str = "Le plan.", visibility: str = "public") -> tuple[User, Document]:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator], visibility=visibility)
    return moderator, make_document(consultation, moderator, text)


def _url(document: Document, suffix: str = "") -> str:
    return f"/c/{document.consultation.slug}/documents/{document.id}{suffix}"


def _write(document: Document, user: User, text: str) -> None:
    updates.receive_update(document, user.id, edit(client_doc(document.id), text), permissions.EDITOR)


def _versions(document: Document) -> list[tuple[int, str, str]]:
    db.session.rollback()
    return [
        (v.number, v.name, v.text)
        for v in db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    ]


def _three_versions(moderator: User, document: Document) -> None:
    citizen = make_user(name="Jean Citoyen")
    versions.name_version(moderator, document, "Premier jet")
    _write(document, citizen, "Le plan numérique.")
    versions.name_version(moderator, document, "Deuxième")
    _write(document, moderator, "Le grand plan numérique.")
    restore.restore_version(moderator, document, 1)


# ---- history ------------------------------------------------------------------------------------------


def test_the_document_page_links_to_history_and_authors(app: Flask, client: FlaskClient) -> None:
    _moderator, document = _setup()
    page = client.get(_url(document)).get_data(as_text=True)
    assert f'href="{_url(document, "/history")}"' in page and f'href="{_url(document, "/authors")}"' in page


def test_the_history_lists_versions_newest_first_with_contributors(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    _three_versions(moderator, document)
    page = html_text(client.get(_url(document, "/history")))
    assert page.index("Version 3") < page.index("Version 2") < page.index("Version 1")
    assert "Restaurée depuis la version 1" in page and "Premier jet" in page
    assert "Jean Citoyen : 10 caractères ajoutés, 0 supprimé" in page
    assert "Taille du changement" in page


def test_the_history_records_a_finished_burst_no_timer_recorded(app: Flask, client: FlaskClient) -> None:
    _moderator, document = _setup()
    for row in db.session.scalars(select(DocumentUpdate)):
        row.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = html_text(client.get(_url(document, "/history")))
    assert "Version automatique" in page
    assert _versions(document) == [(1, "", "Le plan.")]


def test_a_long_history_is_paginated(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    for number in range(1, 23):
        versions.record_version(document, moderator, f"V{number}")
    first = html_text(client.get(_url(document, "/history")))
    second = html_text(client.get(_url(document, "/history?page=2")))
    assert "— V22</h3>" in first and "— V3</h3>" in first and 'rel="next"' in first
    assert "— V2</h3>" not in first and 'rel="prev"' not in first
    assert "— V2</h3>" in second and "— V1</h3>" in second and "— V3</h3>" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_history_costs_the_same_queries_for_3_or_20_versions(app: Flask, client: FlaskClient) -> None:
    def count(document: Document) -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(_url(document, "/history")).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    moderator, small = _setup()
    for number in range(3):
        versions.name_version(moderator, small, f"V{number}")
    _moderator, large = _setup()
    for number in range(20):
        versions.name_version(_moderator, large, f"V{number}")
    client.get(_url(small, "/history"))  # summaries and the like are computed once, before counting
    client.get(_url(large, "/history"))
    assert count(small) == count(large)


@pytest.mark.parametrize("suffix", ["/history", "/compare", "/authors", "/versions/1"])
def test_a_registered_only_history_is_closed_to_guests(app: Flask, client: FlaskClient, suffix: str) -> None:
    moderator, document = _setup(visibility="registered")
    versions.name_version(moderator, document, "Un")
    assert client.get(_url(document, suffix)).status_code == 403
    sign_in(client, make_user().email)
    assert client.get(_url(document, suffix)).status_code == 200


# ---- naming a version ---------------------------------------------------------------------------------


def test_a_moderator_names_the_current_text(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    sign_in(client, moderator.email)
    response = post_form(
        client, _url(document, "/versions"), {"name": "Soumis au vote"}, token_from=_url(document, "/history")
    )
    assert response.status_code == 302
    assert _versions(document) == [(1, "Soumis au vote", "Le plan.")]


def test_a_version_without_a_name_is_refused_and_nothing_recorded(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    sign_in(client, moderator.email)
    response = post_form(
        client, _url(document, "/versions"), {"name": "  "}, token_from=_url(document, "/history")
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    too_long = "n" * 201
    response = post_form(
        client, _url(document, "/versions"), {"name": too_long}, token_from=_url(document, "/history")
    )
    assert response.status_code == 422 and too_long in html_text(response)
    assert _versions(document) == []


@pytest.mark.parametrize(("who", "status"), [("participant", 403), ("guest", 302)])
def test_only_moderators_name_versions(app: Flask, client: FlaskClient, who: str, status: int) -> None:
    _moderator, document = _setup()
    if who == "participant":
        sign_in(client, make_user().email)
    response = post_form(
        client, _url(document, "/versions"), {"name": "X"}, token_from=_url(document, "/history")
    )
    assert response.status_code == status
    assert _versions(document) == []


def test_only_moderators_see_the_naming_form(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    sign_in(client, make_user().email)
    assert 'name="name"' not in client.get(_url(document, "/history")).get_data(as_text=True)
    sign_in(client, moderator.email)
    assert 'name="name"' in client.get(_url(document, "/history")).get_data(as_text=True)


# ---- compare ------------------------------------------------------------------------------------------


def test_compare_marks_insertions_and_deletions_with_text(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup("Un accès gratuit.")
    versions.name_version(moderator, document, "A")
    _write(document, moderator, "Un accès payant pour tous.")
    versions.name_version(moderator, document, "B")
    response = client.get(_url(document, "/compare?from=1&to=2"))
    page = html_text(response)
    assert response.status_code == 200
    assert '<del><span class="visually-hidden">Supprimé : </span>' in page
    assert '<ins><span class="visually-hidden">Inséré : </span>' in page
    assert '<span class="drafting-diff-mark" aria-hidden="true">+</span>' in page
    assert "3 mots ajoutés, 1 supprimé" in page


def test_compare_without_choices_shows_the_last_two_versions(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    _three_versions(moderator, document)
    page = html_text(client.get(_url(document, "/compare")))
    assert "De la version 2 à la version 3" in page
    assert '<option value="2" selected>' in page and '<option value="3" selected>' in page


def test_compare_escapes_the_text(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup("Texte.")
    versions.name_version(moderator, document, "<b>nom</b>")
    _write(document, moderator, "Texte. <script>alert(1)</script> & <img src=x onerror=alert(2)>")
    versions.name_version(moderator, document, "B")
    page = client.get(_url(document, "/compare?from=1&to=2")).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>nom</b>" not in page


@pytest.mark.parametrize(
    "query", ["?from=x&to=1", "?from=1", "?to=1", "?from=-1&to=1", "?from=1&to=", "?from=1.5&to=1"]
)
def test_compare_with_malformed_choices_is_a_400(app: Flask, client: FlaskClient, query: str) -> None:
    moderator, document = _setup()
    versions.name_version(moderator, document, "A")
    response = client.get(_url(document, "/compare" + query))
    assert response.status_code == 400
    assert "Choisissez deux versions" in html_text(response)


@pytest.mark.parametrize(
    "query", ["?from=1&to=9", "?from=9&to=1", "?from=0&to=1", "?from=99999999999999&to=1"]
)
def test_compare_with_unknown_versions_is_a_404(app: Flask, client: FlaskClient, query: str) -> None:
    moderator, document = _setup()
    versions.name_version(moderator, document, "A")
    status = client.get(_url(document, "/compare" + query)).status_code
    assert status in (404, 400) and (status == 404 or len(query) > 20)


def test_a_version_of_another_document_is_not_found(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    other = make_document(document.consultation, moderator, "Autre")
    versions.name_version(moderator, other, "A")
    assert client.get(_url(document, "/versions/1")).status_code == 404
    assert client.get(_url(document, "/compare?from=1&to=1")).status_code == 404


# ---- version page and restore -------------------------------------------------------------------------


def test_the_version_page_shows_its_text_and_contributors(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup("# Titre\n\nLe **plan**.")
    versions.name_version(moderator, document, "Premier")
    page = html_text(client.get(_url(document, "/versions/1")))
    assert "<strong>plan</strong>" in page and "Modératrice : 21 caractères ajoutés" in page
    assert "Restaurer la version 1" not in page


def _restore(client: FlaskClient, document: Document, number: int = 1) -> int:
    return post_form(
        client, _url(document, f"/versions/{number}/restore"), {}, token_from=_url(document, "/history")
    ).status_code


@pytest.mark.parametrize(
    ("who", "mode", "status", "restored"),
    [
        ("moderator", "open", 302, True),
        ("moderator", "editors", 302, True),
        ("moderator", "suggest", 302, True),
        ("moderator", "final", 409, False),
        ("participant", "open", 403, False),
        ("named editor", "editors", 403, False),
        ("guest", "open", 302, False),  # sent to the sign-in page
    ],
)
def test_restore_by_role_and_mode(
    app: Flask, client: FlaskClient, who: str, mode: str, status: int, restored: bool
) -> None:
    moderator, document = _setup("Version un.")
    versions.name_version(moderator, document, "Un")
    _write(document, moderator, "Version deux.")
    if who == "named editor":
        person = make_user()
        editors.add_editor(moderator, document, person.email)
        sign_in(client, person.email)
    elif who != "guest":
        sign_in(client, moderator.email if who == "moderator" else make_user().email)
    document.mode = mode
    db.session.commit()
    rows = stored_rows(document)
    assert _restore(client, document) == status
    db.session.expire_all()
    assert log_rows.current_text(document.id)[0] == ("Version un." if restored else "Version deux.")
    assert stored_rows(document) == rows + (1 if restored else 0)
    assert len(_versions(document)) == (2 if restored else 1)


def test_restore_needs_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    versions.name_version(moderator, document, "Un")
    _write(document, moderator, "Autre.")
    sign_in(client, moderator.email)
    csrf_token(client)
    assert client.post(_url(document, "/versions/1/restore")).status_code == 400
    assert log_rows.current_text(document.id)[0] == "Autre."


def test_restoring_an_unknown_version_is_a_404(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    sign_in(client, moderator.email)
    assert _restore(client, document, 4) == 404
    assert stored_rows(document) == 1


def test_restoring_the_current_text_is_a_409_with_a_message(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup()
    versions.name_version(moderator, document, "Un")
    sign_in(client, moderator.email)
    response = post_form(
        client, _url(document, "/versions/1/restore"), {}, token_from=_url(document, "/history")
    )
    assert response.status_code == 409 and "déjà celui de la version 1" in html_text(response)
    assert _versions(document) == [(1, "Un", "Le plan.")]


# ---- who wrote what -----------------------------------------------------------------------------------


def test_who_wrote_what_names_each_author_in_text(app: Flask, client: FlaskClient) -> None:
    moderator, document = _setup("Le plan numérique.")
    _write(document, make_user(name="<i>Jean</i> & Cie"), "Le plan numérique. Pour tous.")
    response = client.get(_url(document, "/authors"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<i>Jean</i>" not in page and "&lt;i&gt;Jean&lt;/i&gt; &amp; Cie" in page
    assert '<span class="visually-hidden">Écrit par Modératrice : </span>Le plan numérique.' in page
    assert "Écrit par &lt;i&gt;Jean&lt;/i&gt; &amp; Cie : </span> Pour tous." in page
    assert page.index("Modératrice —") < page.index("&lt;i&gt;Jean")  # the legend: who wrote most first


def test_who_wrote_what_names_a_deleted_account(app: Flask, client: FlaskClient) -> None:
    _moderator, document = _setup("Le plan.")
    gone = make_user(name="Partie")
    _write(document, gone, "Le plan. Fin.")
    db.session.delete(gone)
    db.session.commit()
    page = html_text(client.get(_url(document, "/authors")))
    assert "Écrit par Compte supprimé" in page and "Partie" not in page


def test_who_wrote_what_of_an_empty_text(app: Flask, client: FlaskClient) -> None:
    _moderator, document = _setup("")
    assert "Le texte est vide" in html_text(client.get(_url(document, "/authors")))
