"""The /drafting namespace with socketio.test_client: join and roles, sync, updates, bad input, presence."""

from __future__ import annotations

import contextvars
import os
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from pycrdt import Doc

from civic.accounts.models import Sanction, User
from civic.deliberation.drafting import crdt, live, services
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.extensions import db, socketio
from civic.timestamps import utcnow
from tests.conftest import sign_in
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit, stored_rows
from tests.factories import make_document, make_user

NS = "/drafting"


class Browser:
    """A signed-in (or anonymous) page with its Socket.IO connection to /drafting.

    Each event runs in a fresh context, as in production: otherwise handlers would share the test's
    app context (and its cached signed-in user) with every other browser.
    """

    def __init__(self, app: Flask, user: User | None = None) -> None:
        self.http = app.test_client()
        if user is not None:
            sign_in(self.http, user.email)
        self.socket = contextvars.Context().run(
            socketio.test_client, app, namespace=NS, flask_test_client=self.http
        )

    def emit(self, *args: Any) -> Any:
        return contextvars.Context().run(self.socket.emit, *args, namespace=NS, callback=True)

    def join(self, document: Document | int) -> dict[str, Any]:
        ident = document if isinstance(document, int) else document.id
        return self.emit("join", {"document": ident})

    def y(self, document_id: Any, message: Any) -> dict[str, Any]:
        return self.emit("y", document_id, message)

    def received(self) -> list[tuple[str, list[Any]]]:
        return [(e["name"], e["args"]) for e in self.socket.get_received(NS)]

    def errors(self) -> list[dict[str, Any]]:
        return [args[1] for name, args in self.received() if name == "error"]

    def close(self) -> None:
        if self.socket.is_connected(NS):
            contextvars.Context().run(self.socket.disconnect, namespace=NS)


def _setup(mode: str = "open", text: str = "A B C", **kwargs: Any) -> tuple[User, Document]:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, make_document(consultation, moderator, text, mode=mode, **kwargs)


def test_join_answers_the_role_and_the_person(app: Flask) -> None:
    _moderator, document = _setup()
    writer = make_user(name="Rédacteur")
    browser = Browser(app, writer)
    ack = browser.join(document)
    assert ack["ok"] is True and ack["role"] == "editor"
    assert ack["user"]["id"] == writer.id and ack["user"]["name"] == "Rédacteur"
    assert ack["user"]["color"].startswith("#") and "message" not in ack
    anonymous = Browser(app)
    assert anonymous.join(document)["role"] == "viewer"
    browser.close()
    anonymous.close()


@pytest.mark.parametrize(
    ("mode", "role"), [("editors", "suggester"), ("suggest", "suggester"), ("final", "viewer")]
)
def test_join_role_follows_the_mode(app: Flask, mode: str, role: str) -> None:
    _moderator, document = _setup(mode)
    browser = Browser(app, make_user())
    assert browser.join(document)["role"] == role
    browser.close()


def test_unknown_or_hidden_documents_cannot_be_joined(app: Flask) -> None:
    consultation = drafting_consultation(visibility="registered")
    document = make_document(consultation, None, "Secret")
    browser = Browser(app)
    for target in (document.id, 999_999):
        ack = browser.join(target)
        assert ack["ok"] is False and ack["error"]
    assert browser.emit("join", "nonsense")["ok"] is False
    browser.close()


def test_the_editor_beyond_the_cap_becomes_a_suggester_with_a_message(app: Flask) -> None:
    _moderator, document = _setup(max_editors=1)
    first, second = Browser(app, make_user()), Browser(app, make_user())
    assert first.join(document)["role"] == "editor"
    ack = second.join(document)
    assert ack["role"] == "suggester" and ack["message"]
    first.close()
    third = Browser(app, make_user())
    assert third.join(document)["role"] == "editor"  # the seat was freed on disconnect
    second.close()
    third.close()


def test_step1_gets_step2_and_the_servers_own_step1(app: Flask) -> None:
    _moderator, document = _setup(text="Bonjour")
    browser = Browser(app, make_user())
    browser.join(document)
    browser.received()
    assert browser.y(document.id, crdt.step1(Doc())) == {"ok": True}
    [(name1, (id1, answer)), (name2, (id2, own))] = browser.received()
    assert (name1, name2, id1, id2) == ("y", "y", document.id, document.id)
    step2 = crdt.parse_message(answer)
    assert step2.kind == "step2" and crdt.text_of(crdt.doc_from(step2.payload)) == "Bonjour"
    assert crdt.parse_message(own).kind == "step1"
    browser.close()


def test_an_update_is_acknowledged_after_commit_and_reaches_the_others(app: Flask) -> None:
    _moderator, document = _setup()
    writer, reader = Browser(app, make_user()), Browser(app)
    writer.join(document)
    reader.join(document)
    writer.received()
    reader.received()
    reader_doc = client_doc(document.id)
    update = edit(client_doc(document.id), "A B C D")
    ack = writer.y(document.id, crdt.update_message(update))
    assert ack == {"ok": True}
    assert stored_rows(document) == 2
    [(name, (document_id, message))] = reader.received()
    assert name == "y" and document_id == document.id
    relayed = crdt.parse_message(message)
    assert relayed.kind == "update"
    reader_doc.apply_update(relayed.payload)
    assert crdt.text_of(reader_doc) == "A B C D"
    assert writer.received() == []  # the sender is not sent its own change back
    writer.close()
    reader.close()


def test_an_editors_step2_is_stored_like_an_update(app: Flask) -> None:
    _moderator, document = _setup(text="")
    writer = Browser(app, make_user())
    writer.join(document)
    offline = client_doc(document.id)
    update = edit(offline, "écrit hors ligne")
    assert writer.y(document.id, crdt.sync_message(crdt.STEP2, update)) == {"ok": True}
    assert crdt.text_of(client_doc(document.id)) == "écrit hors ligne"
    assert stored_rows(document) == 1
    writer.close()


@pytest.mark.parametrize(
    ("mode", "signed_in"), [("open", False), ("suggest", True), ("editors", True), ("final", True)]
)
def test_updates_from_suggesters_and_viewers_are_refused(app: Flask, mode: str, signed_in: bool) -> None:
    _moderator, document = _setup(mode)
    browser = Browser(app, make_user() if signed_in else None)
    assert browser.join(document)["role"] != "editor"
    browser.received()
    ack = browser.y(document.id, crdt.update_message(edit(client_doc(document.id), "vandalisme")))
    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert browser.errors() == [{"code": "forbidden", "message": ack["error"]}]
    # A reader's answer to the server's step 1 is ignored, not stored, not an error.
    step2 = crdt.sync_message(crdt.STEP2, edit(client_doc(document.id), "autre"))
    assert browser.y(document.id, step2) == {"ok": True}
    assert stored_rows(document) == 1
    browser.close()


def test_switching_to_final_stops_an_editor_already_joined(app: Flask) -> None:
    moderator, document = _setup()
    browser = Browser(app, make_user())
    assert browser.join(document)["role"] == "editor"
    document.mode = Document.FINAL
    db.session.commit()
    ack = browser.y(document.id, crdt.update_message(edit(client_doc(document.id), "trop tard")))
    assert ack["ok"] is False and stored_rows(document) == 1
    browser.close()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (os.urandom(64), "malformed"),
        (b"\x00\x02\x7f\x01\x02", "malformed"),  # update announced 127 bytes, 2 given
        (b"\x00\x02\x05\xff\xff\xff\xff\xff", "malformed"),  # framing fine, update unreadable
        (b"\x00\x07\x00", "malformed"),  # unknown sync message
        ("text, not bytes", "malformed"),
        (crdt.update_message(b"\x00" * (11 * 1024 * 1024)), "too-large"),
    ],
)
def test_bad_messages_get_an_error_and_store_nothing(app: Flask, message: Any, code: str) -> None:
    _moderator, document = _setup()
    writer, other = Browser(app, make_user()), Browser(app, make_user())
    writer.join(document)
    other.join(document)
    writer.received()
    ack = writer.y(document.id, message)
    assert ack["ok"] is False and ack["code"] == code
    assert [e["code"] for e in writer.errors()] == [code]
    assert stored_rows(document) == 1
    # The server keeps serving: another editor's change goes through.
    assert other.y(document.id, crdt.update_message(edit(client_doc(document.id), "A B C D"))) == {"ok": True}
    assert stored_rows(document) == 2
    writer.close()
    other.close()


def test_a_truncated_real_update_is_refused(app: Flask) -> None:
    _moderator, document = _setup()
    writer = Browser(app, make_user())
    writer.join(document)
    whole = crdt.update_message(edit(client_doc(document.id), "A B C et une longue suite"))
    assert writer.y(document.id, whole[:-5])["code"] == "malformed"
    assert stored_rows(document) == 1
    writer.close()


def test_updates_to_a_document_not_joined_are_refused(app: Flask) -> None:
    _moderator, document = _setup()
    other_consultation = drafting_consultation()
    elsewhere = make_document(other_consultation, None, "Autre texte")
    writer = Browser(app, make_user())
    writer.join(document)
    ack = writer.y(elsewhere.id, crdt.update_message(edit(client_doc(elsewhere.id), "piratage")))
    assert ack["ok"] is False and ack["code"] == "not-joined"
    assert writer.y("1", b"\x00")["code"] == "not-joined"
    assert stored_rows(elsewhere) == 1
    writer.close()


def test_a_flood_is_cut_off_without_affecting_others(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_RATE", 0.001)
    monkeypatch.setitem(app.config, "DRAFTING_BURST", 5)
    _moderator, document = _setup(text="")
    flooder, calm = Browser(app, make_user()), Browser(app, make_user())
    flooder.join(document)
    calm.join(document)
    doc = client_doc(document.id)
    acks = [flooder.y(document.id, crdt.update_message(edit(doc, "x" * (n + 1)))) for n in range(30)]
    assert all(a == {"ok": True} for a in acks[:5])
    assert all(a["code"] == "rate-limited" for a in acks[5:])
    assert stored_rows(document) == 5
    assert calm.y(document.id, crdt.update_message(edit(client_doc(document.id), "calme"))) == {"ok": True}
    assert stored_rows(document) == 6
    flooder.close()
    calm.close()


def test_presence_is_relayed_with_the_servers_name_and_removed_on_disconnect(app: Flask) -> None:
    _moderator, document = _setup()
    alice, bob = Browser(app, make_user(name="Alice")), Browser(app, make_user(name="Bob"))
    alice.join(document)
    bob.join(document)
    bob.received()
    state = {
        "user": {"name": "Quelqu’un d’autre", "color": "#000000", "colorLight": "#00000033"},
        "cursor": None,
    }
    assert alice.y(document.id, crdt.encode_awareness([crdt.AwarenessEntry(4242, 3, state)])) == {"ok": True}
    [(_name, (_id, message))] = bob.received()
    [entry] = crdt.parse_awareness(crdt.parse_message(message).payload)
    assert entry.client_id == 4242 and entry.clock == 3
    assert entry.state is not None and entry.state["user"]["name"] == "Alice"
    assert entry.state["user"]["colorLight"] == "#00000033"
    alice.close()
    [(_name, (_id, message))] = bob.received()
    [gone] = crdt.parse_awareness(crdt.parse_message(message).payload)
    assert (gone.client_id, gone.clock, gone.state) == (4242, 4, None)
    bob.close()


def test_a_newcomer_gets_who_is_here_after_its_sync_and_not_who_left(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, document = _setup()
    alice, bob = Browser(app, make_user(name="Alice")), Browser(app, make_user(name="Bob"))
    for browser, client in ((alice, 11), (bob, 12)):
        browser.join(document)
        state = {"user": {"name": "?", "color": "#000000"}, "cursor": None}
        browser.y(document.id, crdt.encode_awareness([crdt.AwarenessEntry(client, 1, state)]))
    carol = Browser(app, make_user(name="Carol"))
    carol.join(document)
    carol.received()
    assert carol.y(document.id, crdt.step1(Doc())) == {"ok": True}
    kinds = [crdt.parse_message(message) for _name, (_id, message) in carol.received()]
    assert [m.kind for m in kinds] == ["step2", "step1", "awareness"]
    here = {e.client_id: e.state["user"]["name"] for e in crdt.parse_awareness(kinds[2].payload) if e.state}
    assert here == {11: "Alice", 12: "Bob"}
    bob.close()  # leaving removes Bob's state for everyone, and from what newcomers are sent
    dave = Browser(app, make_user())
    dave.join(document)
    dave.received()
    dave.y(document.id, crdt.step1(Doc()))
    *_sync, (_name, (_id, message)) = dave.received()
    assert [e.client_id for e in crdt.parse_awareness(crdt.parse_message(message).payload)] == [11]
    # A state not renewed for PRESENCE_SECONDS is gone, as in the browsers (a process that died).
    monkeypatch.setattr(live, "PRESENCE_SECONDS", 0.0)
    dave.y(document.id, crdt.step1(Doc()))
    assert [crdt.parse_message(m).kind for _name, (_id, m) in dave.received()] == ["step2", "step1"]
    for browser in (alice, carol, dave):
        browser.close()


def test_signing_out_everywhere_stops_an_editor_already_joined(app: Flask) -> None:
    _moderator, document = _setup()
    person = make_user()
    browser = Browser(app, person)
    assert browser.join(document)["role"] == "editor"
    person.session_token = "signed-out-everywhere"  # what "sign out of every session" does
    db.session.commit()
    ack = browser.y(document.id, crdt.update_message(edit(client_doc(document.id), "après coup")))
    assert ack["ok"] is False and ack["code"] == "forbidden"
    assert stored_rows(document) == 1
    browser.close()


def test_updates_to_a_deleted_document_are_refused(app: Flask) -> None:
    _moderator, document = _setup()
    browser = Browser(app, make_user())
    browser.join(document)
    update = crdt.update_message(edit(client_doc(document.id), "disparu"))
    document_id = document.id
    db.session.execute(DocumentUpdate.__table__.delete().where(DocumentUpdate.document_id == document_id))
    db.session.delete(document)
    db.session.commit()
    ack = browser.y(document_id, update)
    assert ack["ok"] is False and ack["code"] == "not-found"
    assert browser.errors()[-1]["code"] == "not-found"
    browser.close()


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", "Too many changes"), ("fr", "Trop de modifications")]
)
def test_refusals_of_y_messages_use_the_language_of_the_person(
    app: Flask, monkeypatch: pytest.MonkeyPatch, locale: str, expected: str
) -> None:
    # `y` messages run without a request context: the language is the one chosen when joining.
    monkeypatch.setitem(app.config, "DRAFTING_RATE", 0.001)
    monkeypatch.setitem(app.config, "DRAFTING_BURST", 1)
    _moderator, document = _setup()
    person = make_user()
    person.locale = locale
    db.session.commit()
    browser = Browser(app, person)
    browser.join(document)
    doc = client_doc(document.id)
    assert browser.y(document.id, crdt.update_message(edit(doc, "un"))) == {"ok": True}
    ack = browser.y(document.id, crdt.update_message(edit(doc, "deux")))
    assert ack["code"] == "rate-limited" and ack["error"].startswith(expected)
    assert browser.errors()[-1]["message"] == ack["error"]
    browser.close()


def test_the_sweep_rechecks_every_joined_connection_at_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Served processes re-check joined connections in a background sweep (one session for all), so a
    # keystroke rarely pays for it; here messages would not re-check for an hour: only the sweep does.
    monkeypatch.setitem(app.config, "DRAFTING_RECHECK_SECONDS", 3600.0)
    moderator, document = _setup()
    leaving, staying, named, suspended, pardoned = (make_user() for _ in range(5))
    people = (leaving, staying, named, suspended, pardoned)
    browsers = [Browser(app, person) for person in people]
    assert [b.join(document)["role"] for b in browsers] == ["editor"] * 5
    document.mode = Document.EDITORS
    for person in (named, suspended, pardoned):
        services.add_editor(moderator, document, person.email)
    leaving.session_token = "signed-out-everywhere"
    later = utcnow() + timedelta(days=2)
    db.session.add(Sanction(user_id=suspended.id, kind="suspension", reason="Insultes", ends_at=later))
    db.session.add(Sanction(user_id=pardoned.id, kind="ban", reason="Erreur", ends_at=None, lifted=True))
    db.session.commit()
    update = crdt.update_message(edit(client_doc(document.id), "avant"))
    assert browsers[1].y(document.id, update) == {"ok": True}  # not re-checked yet: still an editor
    namespace = next(h for h in socketio.server.namespace_handlers.values() if h.namespace == NS)
    assert namespace.sweep(0) == 5
    assert namespace.sweep(60) == 0  # all just checked
    # Signed out everywhere; not a co-author in "editors" mode; suspended: each only reads now.
    for browser in (browsers[0], browsers[1], browsers[3]):
        ack = browser.y(document.id, crdt.update_message(edit(client_doc(document.id), "après")))
        assert ack["ok"] is False and ack["code"] == "forbidden"
    for browser in (browsers[2], browsers[4]):  # a co-author; a co-author whose ban was lifted
        assert browser.y(document.id, crdt.update_message(edit(client_doc(document.id), "co-autrice")))["ok"]
    assert stored_rows(document) == 4  # the starting text, "avant" and the two co-authors' edits
    for browser in browsers:
        browser.close()
