"""The sync endpoint: opening and roles, sync, updates, bad input, plain clients (sockets.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask
from pycrdt import Doc

from civic.accounts.models import User
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.sync import protocol
from civic.extensions import db
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit, stored_rows
from tests.deliberation.drafting.sync.sockets import Browser
from tests.factories import make_document, make_user


def _setup(mode: str = "open", text: str = "A B C", **kwargs: Any) -> tuple[User, Document]:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, make_document(consultation, moderator, text, mode=mode, **kwargs)


def test_opening_answers_the_role_and_the_person(app: Flask) -> None:
    _moderator, document = _setup()
    writer = make_user(name="Rédacteur")
    browser = Browser(app, writer)
    welcome = browser.connect(document)
    assert welcome["type"] == "welcome" and welcome["role"] == "editor"
    assert welcome["user"]["id"] == writer.id and welcome["user"]["name"] == "Rédacteur"
    assert welcome["user"]["color"].startswith("#") and "message" not in welcome
    anonymous = Browser(app)
    assert anonymous.connect(document)["role"] == "viewer"
    browser.close()
    anonymous.close()


@pytest.mark.parametrize(
    ("mode", "role"), [("editors", "suggester"), ("suggest", "suggester"), ("final", "viewer")]
)
def test_the_role_follows_the_mode(app: Flask, mode: str, role: str) -> None:
    _moderator, document = _setup(mode)
    browser = Browser(app, make_user())
    assert browser.connect(document)["role"] == role
    browser.close()


def test_unknown_or_hidden_documents_cannot_be_opened(app: Flask) -> None:
    consultation = drafting_consultation(visibility="registered")
    document = make_document(consultation, None, "Secret")
    browser = Browser(app)
    response = browser.request(document)
    assert response.status_code in (403, 404) and b"Secret" not in response.data
    assert browser.socket is None
    _moderator, visible = _setup()
    assert browser.http.get(f"/c/{visible.consultation.slug}/documents/999999/sync").status_code == 404
    # A document is found only under its own consultation (ids are sequential).
    assert browser.request(visible, slug=consultation.slug).status_code in (403, 404)
    assert browser.socket is None


def test_a_plain_request_is_told_to_upgrade_and_another_sites_page_is_refused(app: Flask) -> None:
    _moderator, document = _setup()
    browser = Browser(app, make_user())
    url = f"/c/{document.consultation.slug}/documents/{document.id}/sync"
    plain = browser.http.get(url)
    assert plain.status_code == 426 and plain.headers["Upgrade"] == "websocket"
    # A page of another site cannot open it with the visitor's cookie (cross-site WebSocket hijacking).
    assert browser.request(document, Origin="https://elsewhere.example").status_code == 403
    assert browser.socket is None
    assert browser.request(document, Origin="http://civic.test").status_code == 101
    browser.close()


def test_the_editor_beyond_the_cap_becomes_a_suggester_with_a_message(app: Flask) -> None:
    _moderator, document = _setup(max_editors=1)
    first, second = Browser(app, make_user()), Browser(app, make_user())
    assert first.connect(document)["role"] == "editor"
    welcome = second.connect(document)
    assert welcome["role"] == "suggester" and welcome["message"]
    first.close()
    third = Browser(app, make_user())
    assert third.connect(document)["role"] == "editor"  # the seat was freed on disconnect
    second.close()
    third.close()


def test_step1_gets_step2_and_the_servers_own_step1(app: Flask) -> None:
    _moderator, document = _setup(text="Bonjour")
    browser = Browser(app, make_user())
    browser.connect(document)
    browser.received()
    assert browser.y(protocol.step1(Doc())) == {"ok": True}
    [answer, own] = browser.received()
    step2 = protocol.parse_message(answer)
    assert step2.kind == "step2" and crdt.text_of(crdt.doc_from(step2.payload)) == "Bonjour"
    assert protocol.parse_message(own).kind == "step1"
    browser.close()


def test_an_update_is_saved_after_commit_and_reaches_the_others(app: Flask) -> None:
    _moderator, document = _setup()
    writer, reader = Browser(app, make_user()), Browser(app)
    writer.connect(document)
    reader.connect(document)
    writer.received()
    reader.received()
    reader_doc = client_doc(document.id)
    update = edit(client_doc(document.id), "A B C D")
    ack = writer.y(protocol.update_message(update))
    assert ack == {"ok": True}
    assert stored_rows(document) == 2
    [message] = reader.received()
    relayed = protocol.parse_message(message)
    assert relayed.kind == "update"
    reader_doc.apply_update(relayed.payload)
    assert crdt.text_of(reader_doc) == "A B C D"
    assert writer.received() == []  # the sender is not sent its own change back
    writer.close()
    reader.close()


def test_an_editors_step2_is_stored_like_an_update(app: Flask) -> None:
    _moderator, document = _setup(text="")
    writer = Browser(app, make_user())
    writer.connect(document)
    offline = client_doc(document.id)
    update = edit(offline, "écrit hors ligne")
    assert writer.y(protocol.sync_message(protocol.STEP2, update)) == {"ok": True}
    assert crdt.text_of(client_doc(document.id)) == "écrit hors ligne"
    assert stored_rows(document) == 1
    writer.close()


@pytest.mark.parametrize(
    ("mode", "signed_in"), [("open", False), ("suggest", True), ("editors", True), ("final", True)]
)
def test_updates_from_suggesters_and_viewers_are_refused(app: Flask, mode: str, signed_in: bool) -> None:
    _moderator, document = _setup(mode)
    browser = Browser(app, make_user() if signed_in else None)
    assert browser.connect(document)["role"] != "editor"
    browser.received()
    ack = browser.y(protocol.update_message(edit(client_doc(document.id), "vandalisme")))
    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert browser.errors() == [{"code": "forbidden", "message": ack["error"]}]
    # A reader's answer to the server's step 1 is ignored, not stored, not an error.
    step2 = protocol.sync_message(protocol.STEP2, edit(client_doc(document.id), "autre"))
    assert browser.y(step2) == {"ok": True}
    assert stored_rows(document) == 1
    browser.close()


def test_switching_to_final_stops_an_editor_already_connected(app: Flask) -> None:
    moderator, document = _setup()
    browser = Browser(app, make_user())
    assert browser.connect(document)["role"] == "editor"
    document.mode = Document.FINAL
    db.session.commit()
    ack = browser.y(protocol.update_message(edit(client_doc(document.id), "trop tard")))
    assert ack["ok"] is False and stored_rows(document) == 1
    assert {"type": "role", "role": "viewer"} in browser.civic  # told at once
    browser.close()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (random.Random(64).randbytes(64), "malformed"),  # noise (seeded: the same in every worker)
        (b"\x00\x02\x7f\x01\x02", "malformed"),  # update announced 127 bytes, 2 given
        (b"\x00\x02\x05\xff\xff\xff\xff\xff", "malformed"),  # framing fine, update unreadable
        (b"\x00\x07\x00", "malformed"),  # unknown sync message
        (b"\x07\x00", "malformed"),  # unknown message type
        (b"", "malformed"),
        ("text, not bytes", "malformed"),
        (protocol.update_message(b"\x00" * (300 * 1024)), "too-large"),
    ],
)
def test_bad_messages_get_an_error_and_store_nothing(app: Flask, message: Any, code: str) -> None:
    _moderator, document = _setup()
    writer, other = Browser(app, make_user()), Browser(app, make_user())
    writer.connect(document)
    other.connect(document)
    writer.received()
    ack = writer.y(message)
    assert ack["ok"] is False and ack["code"] == code
    assert [e["code"] for e in writer.errors()] == [code]
    assert stored_rows(document) == 1
    # The server keeps serving: another editor's change goes through, and this connection stays open.
    assert other.y(protocol.update_message(edit(client_doc(document.id), "A B C D"))) == {"ok": True}
    assert stored_rows(document) == 2
    assert writer.is_connected()
    writer.close()
    other.close()


def test_a_truncated_real_update_is_refused(app: Flask) -> None:
    _moderator, document = _setup()
    writer = Browser(app, make_user())
    writer.connect(document)
    whole = protocol.update_message(edit(client_doc(document.id), "A B C et une longue suite"))
    assert writer.y(whole[:-5])["code"] == "malformed"
    assert stored_rows(document) == 1
    writer.close()


def test_a_connection_writes_only_to_its_own_document(app: Flask) -> None:
    _moderator, document = _setup()
    other_consultation = drafting_consultation()
    elsewhere = make_document(other_consultation, None, "Autre texte")
    writer = Browser(app, make_user())
    writer.connect(document)
    # An update made on another document's text goes to this connection's document, never to the other.
    assert writer.y(protocol.update_message(edit(client_doc(elsewhere.id), "piratage")))["ok"] is True
    assert stored_rows(elsewhere) == 1 and stored_rows(document) == 2
    writer.close()


def test_a_flood_is_cut_off_without_affecting_others(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_RATE", 0.001)
    monkeypatch.setitem(app.config, "DRAFTING_BURST", 5)
    _moderator, document = _setup(text="")
    flooder, calm = Browser(app, make_user()), Browser(app, make_user())
    flooder.connect(document)
    calm.connect(document)
    doc = client_doc(document.id)
    acks = [flooder.y(protocol.update_message(edit(doc, "x" * (n + 1)))) for n in range(30)]
    assert all(a == {"ok": True} for a in acks[:5])
    assert all(a["code"] == "rate-limited" for a in acks[5:])
    assert stored_rows(document) == 5
    assert calm.y(protocol.update_message(edit(client_doc(document.id), "calme"))) == {"ok": True}
    assert stored_rows(document) == 6
    flooder.close()
    calm.close()


def test_a_plain_y_websocket_client_gets_no_civic_messages_and_still_syncs(app: Flask) -> None:
    _moderator, document = _setup(text="Bonjour")
    plain = Browser(app, make_user(), extras=False)
    plain.connect(document)
    assert plain.y(protocol.step1(Doc())) == {"ok": True}
    [answer, _own] = plain.received()
    assert crdt.text_of(crdt.doc_from(protocol.parse_message(answer).payload)) == "Bonjour"
    update = edit(client_doc(document.id), "Bonjour !")
    plain.send(protocol.update_message(update))
    plain.settle()
    assert stored_rows(document) == 2 and plain.civic == []  # stored, and no "saved" it cannot read
    plain.send(b"\x07\x00")
    plain.settle()
    assert plain.civic == [] and plain.is_connected()  # a refusal is not told either
    plain.close()
