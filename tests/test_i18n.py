"""Language choice: account, then cookie, then Accept-Language; switcher; catalogues complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent


def test_accept_language_decides_for_a_new_visitor(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-CA,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Skip to main content" in page


def test_french_is_the_default(client: FlaskClient) -> None:
    assert "Aller au contenu principal" in html_text(client.get("/", headers={"Accept-Language": "de"}))


def test_cookie_beats_accept_language(client: FlaskClient) -> None:
    client.set_cookie("lang", "fr", domain="civic.test")
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_account_language_beats_cookie(client: FlaskClient) -> None:
    user = make_user(locale="en")
    sign_in(client, user.email)
    client.set_cookie("lang", "fr", domain="civic.test")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_switcher_sets_cookie_and_returns_to_the_page(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"lang": "en", "next": "/organisations"}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"] == "/organisations"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/organisations").get_data(as_text=True)


def test_switcher_saves_the_choice_on_the_account(client: FlaskClient) -> None:
    user = make_user(locale="fr")
    sign_in(client, user.email)
    post_form(client, "/language", {"lang": "en", "next": "/"}, token_from="/")
    from civic.extensions import db

    db.session.refresh(user)
    assert user.locale == "en"


def test_switcher_refuses_external_next(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"lang": "en", "next": "//evil.example/"}, token_from="/")
    assert response.headers["Location"] == "/"


def test_dates_are_localised(client: FlaskClient) -> None:
    from tests.factories import make_consultation

    consultation = make_consultation()
    page = html_text(client.get(f"/c/{consultation.slug}", headers={"Accept-Language": "fr"}))
    months_fr = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    assert any(month in page for month in months_fr)


def _catalogue_problems(language: str) -> list[str]:
    with (ROOT / "civic" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale=language)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    return problems


def test_catalogues_are_complete_and_not_fuzzy() -> None:
    assert _catalogue_problems("fr") == []
    assert _catalogue_problems("en") == []


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--ignore-dirs=.venv node_modules .git static instance migrations tests", "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as file:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
    for language in ("fr", "en"):
        with (ROOT / "civic" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
            have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
        assert sorted(wanted - have) == [], (
            f"run `make catalogues` and translate the new strings ({language})"
        )
