"""The demo consultation has the manifesto: open, written by several people, with versions."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.drafting import demo, permissions
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import (
    Document,
    DocumentUpdate,
    DocumentVersion,
    DocumentVersionSummary,
)
from civic.extensions import db
from tests.conftest import html_text


def _load(app: Flask) -> Document:
    result = app.test_cli_runner().invoke(args=["civic", "demo"])
    assert result.exit_code == 0, result.output
    document = db.session.scalar(select(Document).where(Document.title_fr == demo.TITLE_FR))
    assert document is not None
    return document


def test_the_demo_has_the_manifesto_open_to_every_participant(app: Flask) -> None:
    document = _load(app)
    assert (document.title_fr, document.title_en) == (
        "Plan numérique pour le Québec — manifeste",
        "Digital Plan for Quebec — manifesto",
    )
    assert document.mode == Document.OPEN
    citizen = db.session.scalar(select(User).where(User.email == "citizen@example.org"))
    assert permissions.role_for(citizen, document) == permissions.EDITOR
    # The demo's other flows keep their phase: proposals are still open.
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "plan-numerique"))
    assert consultations.component_enabled(consultation, "proposals")


def test_the_manifesto_text_is_french_first_then_english(app: Flask) -> None:
    document = _load(app)
    text = log_rows.current_text(document.id)[0]
    assert text.startswith("# Plan numérique pour le Québec — manifeste")
    assert text.index("## Nos principes") < text.index("# Digital Plan for Quebec — manifesto")
    assert "Personne n'est laissé de côté" in text and "Next steps" in text


def test_the_manifesto_has_history_from_several_people(app: Flask) -> None:
    document = _load(app)
    authors = db.session.scalar(
        select(func.count(func.distinct(DocumentUpdate.user_id))).where(
            DocumentUpdate.document_id == document.id
        )
    )
    assert authors == 4
    versions = list(
        db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    assert [bool(v.name) for v in versions] == [False, False, True]
    assert versions[-1].name == demo.NAMED and versions[-1].text == log_rows.current_text(document.id)[0]
    assert versions[0].created_at < versions[1].created_at < versions[2].created_at
    summaries = [db.session.get(DocumentVersionSummary, v.id) for v in versions]
    assert all(s is not None and s.contributors for s in summaries)
    assert summaries[1].words_added > 10 and summaries[2].chars_removed > 0
    assert len({c[0] for s in summaries if s for c in s.contributors}) == 4


def test_the_manifesto_pages_show_its_history(app: Flask) -> None:
    document = _load(app)
    client = app.test_client()
    base = f"/c/plan-numerique/documents/{document.id}"
    history = html_text(client.get(f"{base}/history"))
    assert "Texte soumis à la discussion" in history and "Version automatique" in history
    assert "Amira Haddad" in history and "Jean-Pierre Gagnon" in history
    compare = html_text(client.get(f"{base}/compare"))
    assert "<ins>" in compare and "<del>" in compare
    authors = html_text(client.get(f"{base}/authors"))
    assert "Écrit par Sophie Lavoie" in authors and "Écrit par Nadia Tremblay" in authors


def test_reloading_the_demo_makes_one_manifesto(app: Flask) -> None:
    _load(app)
    _load(app)
    assert db.session.scalar(select(func.count(Document.id))) == 1
