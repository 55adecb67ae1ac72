"""Words: one English word used in several senses gets a context, so each sense has its own French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import pgettext, refresh

from civic.templating import phase_label, status_label
from tests.conftest import html_text, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user

FRENCH = (
    Path(__file__).resolve().parent.parent / "civic" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
)


def _french() -> list[tuple[str | None, str, str]]:
    with FRENCH.open("rb") as f:
        catalogue = read_po(f, locale="fr")
    entries = []
    for message in catalogue:
        if not message.id:
            continue
        ident = message.id[0] if isinstance(message.id, tuple) else message.id
        text = (
            " ".join(s or "" for s in message.string) if isinstance(message.string, tuple) else message.string
        )
        entries.append((message.context, ident, text))
    return entries


def test_the_flag_link_says_signaler_and_the_report_phase_bilan(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    make_comment(make_thread(consultation), make_user(), "Un avis")
    sign_in(client, make_user(locale="fr").email)
    page = html_text(client.get(f"/c/{consultation.slug}/discussion"))
    assert re.search(r">Signaler<span class=\"visually-hidden\"> ce commentaire", page)
    assert "Bilan" not in page
    with client.application.test_request_context(headers={"Accept-Language": "fr"}):
        assert phase_label("report") == "Bilan"


@pytest.mark.parametrize(
    ("context", "word", "french"),
    [
        ("poll", "Open", "Ouvert"),
        ("consultation", "Open", "Ouverte"),
        ("amendment", "Accepted", "Accepté"),
        ("proposal", "Accepted", "Acceptée"),
        ("flag", "Report", "Signaler"),
        ("phase", "Report", "Bilan"),
    ],
)
def test_each_sense_has_its_french(app: Flask, context: str, word: str, french: str) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert pgettext(context, word) == french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the app context outlives a request context: forget the French chosen above
        assert pgettext(context, word) == word


def test_a_consultations_status_is_feminine(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert [status_label(s) for s in ("open", "closed")] == ["Ouverte", "Fermée"]


# A coalition's stances say "supports" in English: in French they are adhésions, not appuis.
STANCES = {
    "Supports this text as it is.",
    "Supports it, with reservations stated in the statement.",
    "Neither supports nor blocks it.",
}
AMBIGUOUS = ["Report", "Open", "Closed", "Accepted", "Rejected", "Draft", "Final", "Outdated"]


def test_ambiguous_words_are_only_translated_with_a_context() -> None:
    bare = sorted({ident for context, ident, _text in _french() if context is None and ident in AMBIGUOUS})
    assert bare == [], f"give these msgids a context with pgettext: {bare}"


def test_supports_are_appuis_and_endorsements_adhesions() -> None:
    """Proposals' and amendments' supports read "appui/appuyer"; coalitions' endorsements "adhésion/adhérer"."""
    entries = _french()
    assert not [ident for _c, ident, text in entries if re.search(r"\bsout(ien|en|iens|ient)", text)]
    supports = [
        (ident, text)
        for _c, ident, text in entries
        if re.search(r"\bsupport", ident, re.I)
        and not re.search(r"endors", ident, re.I)
        and ident not in STANCES
        and text
    ]
    assert supports and all(re.search(r"appu", text, re.I) for _i, text in supports), [
        s for s in supports if not re.search(r"appu", s[1], re.I)
    ]
    endorsements = [(i, t) for _c, i, t in entries if (re.search(r"\bendors", i, re.I) or i in STANCES) and t]
    assert all(re.search(r"adh", t, re.I) for i, t in endorsements if i in STANCES)
    assert endorsements and not [
        t for i, t in endorsements if re.search(r"appu", t, re.I) and not re.search(r"\bsupport", i, re.I)
    ]
