"""What a connection may do, re-checked: sign-outs, a deleted document, modes, the sweep, sanctions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from civic.accounts.models import Sanction
from civic.deliberation.drafting import editors
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.deliberation.drafting.sync import protocol, sweep
from civic.deliberation.drafting.sync.workspace import workspace
from civic.extensions import db
from civic.timestamps import utcnow
from tests.deliberation.drafting.factories import client_doc, edit, stored_rows
from tests.deliberation.drafting.sync.sockets import Browser
from tests.deliberation.drafting.sync.test_endpoint import _setup
from tests.factories import make_user


def test_signing_out_everywhere_stops_an_editor_already_connected(app: Flask) -> None:
    _moderator, document = _setup()
    person = make_user()
    browser = Browser(app, person)
    assert browser.connect(document)["role"] == "editor"
    person.session_token = "signed-out-everywhere"  # what "sign out of every session" does
    db.session.commit()
    ack = browser.y(protocol.update_message(edit(client_doc(document.id), "après coup")))
    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert stored_rows(document) == 1
    browser.close()


def test_updates_to_a_deleted_document_are_refused(app: Flask) -> None:
    _moderator, document = _setup()
    browser = Browser(app, make_user())
    browser.connect(document)
    update = protocol.update_message(edit(client_doc(document.id), "disparu"))
    document_id = document.id
    db.session.execute(DocumentUpdate.__table__.delete().where(DocumentUpdate.document_id == document_id))
    db.session.delete(document)
    db.session.commit()
    ack = browser.y(update)
    assert ack["ok"] is False and ack["code"] == "not-found"
    assert browser.errors()[-1]["code"] == "not-found"
    browser.close()


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", "Too many changes"), ("fr", "Trop de modifications")]
)
def test_refusals_use_the_language_of_the_person(
    app: Flask, monkeypatch: pytest.MonkeyPatch, locale: str, expected: str
) -> None:
    # Messages are handled outside any request: the language is the one chosen when the connection opened.
    monkeypatch.setitem(app.config, "DRAFTING_RATE", 0.001)
    monkeypatch.setitem(app.config, "DRAFTING_BURST", 1)
    _moderator, document = _setup()
    person = make_user()
    person.locale = locale
    db.session.commit()
    browser = Browser(app, person)
    browser.connect(document)
    doc = client_doc(document.id)
    assert browser.y(protocol.update_message(edit(doc, "un"))) == {"ok": True}
    ack = browser.y(protocol.update_message(edit(doc, "deux")))
    assert ack["code"] == "rate-limited" and ack["error"].startswith(expected)
    assert browser.errors()[-1]["message"] == ack["error"]
    browser.close()


def test_a_change_of_mode_reaches_the_people_writing_at_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_RECHECK_SECONDS", 3600.0)  # only the change re-checks
    moderator, document = _setup(mode="final")
    browser = Browser(app, make_user())
    assert browser.connect(document)["role"] == "viewer"
    from civic.deliberation.drafting import documents

    documents.update_document(moderator, document, "Titre", "Title", Document.OPEN, 150)
    browser.settle()
    assert {"type": "mode", "mode": "open"} in browser.civic
    assert {"type": "role", "role": "editor"} in browser.civic  # editing again: a seat, a new role
    assert browser.y(protocol.update_message(edit(client_doc(document.id), "A B C D")))["ok"] is True
    documents.update_document(moderator, document, "Titre", "Title", Document.SUGGEST, 150)
    browser.settle()
    assert {"type": "role", "role": "suggester"} in browser.civic
    browser.close()


def test_the_sweep_rechecks_every_connection_at_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # Served processes re-check connections in a background sweep (one session for all), so a
    # keystroke rarely pays for it; here messages would not re-check for an hour: only the sweep does.
    monkeypatch.setitem(app.config, "DRAFTING_RECHECK_SECONDS", 3600.0)
    moderator, document = _setup()
    leaving, staying, named, suspended, pardoned = (make_user() for _ in range(5))
    people = (leaving, staying, named, suspended, pardoned)
    browsers = [Browser(app, person) for person in people]
    assert [b.connect(document)["role"] for b in browsers] == ["editor"] * 5
    document.mode = Document.EDITORS  # (changed in the database: no change of mode is announced)
    for person in (named, suspended, pardoned):
        editors.add_editor(moderator, document, person.email)
    leaving.session_token = "signed-out-everywhere"
    later = utcnow() + timedelta(days=2)
    db.session.add(Sanction(user_id=suspended.id, kind="suspension", reason="Insultes", ends_at=later))
    db.session.add(Sanction(user_id=pardoned.id, kind="ban", reason="Erreur", ends_at=None, lifted=True))
    db.session.commit()
    update = protocol.update_message(edit(client_doc(document.id), "avant"))
    assert browsers[1].y(update) == {"ok": True}  # not re-checked yet: still an editor
    assert sweep.sweep(app, 0) == 5
    assert sweep.sweep(app, 60) == 0  # all just checked
    # Signed out everywhere; not a co-author in "editors" mode; suspended: each only reads now.
    for browser in (browsers[0], browsers[1], browsers[3]):
        ack = browser.y(protocol.update_message(edit(client_doc(document.id), "après")))
        assert ack["ok"] is False and ack["code"] == "forbidden"
    for browser in (browsers[2], browsers[4]):  # a co-author; a co-author whose ban was lifted
        assert browser.y(protocol.update_message(edit(client_doc(document.id), "co-autrice")))["ok"]
    assert stored_rows(document) == 4  # the starting text, "avant" and the two co-authors' edits
    for browser in browsers:
        browser.close()
    assert workspace(app).all() == []


@pytest.mark.parametrize("kind", ["suspension", "ban"])
def test_a_sanctioned_person_only_reads_and_their_updates_are_refused(app: Flask, kind: str) -> None:
    _moderator, document = _setup()
    person = make_user()
    ends = utcnow() + timedelta(days=2) if kind == "suspension" else None
    db.session.add(Sanction(user_id=person.id, kind=kind, reason="Insultes", ends_at=ends))
    db.session.commit()
    browser = Browser(app, person)
    assert browser.connect(document)["role"] == "viewer"
    ack = browser.y(protocol.update_message(edit(client_doc(document.id), "malgré tout")))
    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert stored_rows(document) == 1
    browser.close()
