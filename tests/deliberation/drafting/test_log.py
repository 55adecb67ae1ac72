"""The update log: persist then relay, catch-up across processes, compaction, merges, limits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from civic.deliberation.drafting import crdt, documents, errors, merge
from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.log import compaction, copies, updates
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document, DocumentSnapshot, DocumentUpdate
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.link import Note
from civic.deliberation.drafting.sync.workspace import workspace
from civic.errors import Forbidden, Invalid
from civic.extensions import db
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit
from tests.factories import make_document, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _rows(document: Document) -> int:
    return int(
        db.session.scalar(
            select(func.count(DocumentUpdate.id)).where(DocumentUpdate.document_id == document.id)
        )
        or 0
    )


def _editor_setup(text: str = "A B C") -> tuple[Any, Any, Document]:
    moderator, writer = make_user(name="Modératrice"), make_user(name="Rédacteur")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, writer, make_document(consultation, moderator, text)


def test_an_update_is_committed_before_it_is_relayed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _moderator, writer, document = _editor_setup()
    seen: list[tuple[str, int]] = []

    seen: list[tuple[int, int]] = []

    def spy(document_id: int, message: bytes, skip: str | None) -> None:
        # A separate connection sees only committed rows: the relay must find the row there.
        with db.engine.connect() as other:
            count = other.execute(
                text("SELECT count(*) FROM document_updates WHERE document_id = :d"), {"d": document.id}
            ).scalar_one()
        seen.append((document_id, count))

    monkeypatch.setattr(workspace().relay, "deliver", spy)
    update = edit(client_doc(document.id), "A B C D")
    row_id = updates.receive_update(document, writer.id, update, "editor", sender="abc")
    assert row_id > 0
    assert seen == [(document.id, 2)]


def test_a_broadcast_batch_merges_updates_into_one_message(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, writer, document = _editor_setup("")
    sent: list[tuple[Any, ...]] = []
    relay = workspace().relay
    monkeypatch.setattr(
        relay, "deliver", lambda document_id, message, skip: sent.append((document_id, message, skip))
    )
    monkeypatch.setattr(relay, "batch_seconds", 1.0)
    doc = client_doc(document.id)
    for word in ("un", "un deux", "un deux trois"):
        updates.receive_update(document, writer.id, edit(doc, word), "editor", sender="s1")
    assert sent == []  # still inside the batch window
    deadline = time.monotonic() + 3
    while not sent and time.monotonic() < deadline:
        time.sleep(0.02)
    [(document_id, message, skip)] = sent
    assert document_id == document.id and skip == "s1"
    parsed = protocol.parse_message(message)
    assert parsed.kind == "update"
    assert crdt.text_of(crdt.doc_from(parsed.payload)) == "un deux trois"


def test_catch_up_applies_rows_another_process_wrote(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("Début")
    copies.copy_of(document)  # this process holds the document
    other = client_doc(document.id)
    # Another process commits a row: written straight to the database, this process is not told.
    db.session.add(
        DocumentUpdate(document_id=document.id, data=edit(other, "Début et suite"), user_id=writer.id)
    )
    db.session.commit()
    copy = copies.catch_up(document)
    answer = protocol.step2(copy.doc, crdt.doc_from().get_state())
    browser = crdt.doc_from(protocol.parse_message(answer).payload)
    assert crdt.text_of(browser) == "Début et suite"


def test_catch_up_finds_a_row_that_became_visible_after_a_larger_id(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("")
    base = client_doc(document.id)
    first, late, later = crdt.copy_of(base), crdt.copy_of(base), crdt.copy_of(base)
    db.session.add(
        DocumentUpdate(id=100_000, document_id=document.id, data=edit(first, "un "), user_id=writer.id)
    )
    db.session.add(
        DocumentUpdate(id=100_002, document_id=document.id, data=edit(later, "trois "), user_id=writer.id)
    )
    db.session.commit()
    live = copies.catch_up(document)
    assert live.last_id == 100_002
    # PostgreSQL gave id 100001 to a transaction that commits only now, after 100002 was seen.
    db.session.add(
        DocumentUpdate(id=100_001, document_id=document.id, data=edit(late, "deux "), user_id=writer.id)
    )
    db.session.commit()
    live = copies.catch_up(document)
    assert 100_001 in live.applied
    assert sorted(crdt.text_of(live.doc).split()) == ["deux", "trois", "un"]


def test_compaction_gives_the_same_document_and_loading_starts_from_it(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("Texte de départ.")
    docs = [client_doc(document.id) for _ in range(3)]
    for round_ in range(5):
        for number, doc in enumerate(docs):
            update = edit(doc, crdt.text_of(doc) + f" [{number}.{round_}]")
            updates.receive_update(document, writer.id, update, "editor")
    expected, last = log_rows.text_at(document.id)
    snapshot = compaction.compact(document.id)
    assert snapshot is not None and snapshot.upto_update_id == last and snapshot.text == expected
    assert compaction.compact(document.id) is None  # nothing new
    update = edit(docs[0], crdt.text_of(docs[0]) + " fin")
    updates.receive_update(document, writer.id, update, "editor")
    copies.copies().forget(document.id)
    live = copies.copy_of(document)
    assert live.horizon == snapshot.upto_update_id and len(live.applied) == 1
    assert crdt.text_of(live.doc) == log_rows.text_at(document.id)[0]
    assert " fin" in crdt.text_of(live.doc)
    assert _rows(document) == 17  # the raw rows stay


def test_compaction_runs_in_the_background_after_n_updates(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, writer, document = _editor_setup("")
    monkeypatch.setitem(app.config, "DRAFTING_COMPACT_EVERY", 3)
    doc = client_doc(document.id)
    for word in ("a", "a b", "a b c"):
        updates.receive_update(document, writer.id, edit(doc, word), "editor")
    deadline = time.monotonic() + 5
    snapshot = None
    while snapshot is None and time.monotonic() < deadline:
        time.sleep(0.05)
        db.session.rollback()
        snapshot = db.session.scalar(
            select(DocumentSnapshot).where(DocumentSnapshot.document_id == document.id)
        )
    assert snapshot is not None and snapshot.text == "a b c"


def test_the_no_javascript_merge_keeps_edits_made_meanwhile(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("A B C")
    other = make_user(name="Autre")
    shown, base = log_rows.current_text(document.id)
    assert shown == "A B C"
    # Someone changes C live while the no-JavaScript writer is typing.
    updates.receive_update(document, other.id, edit(client_doc(document.id), "A B D"), "editor")
    row = merge.merge_text(writer, document, base, "X B C")
    assert row > 0
    assert log_rows.text_at(document.id)[0] == "X B D"
    assert crdt.text_of(copies.catch_up(document).doc) == "X B D"
    stored = db.session.get(DocumentUpdate, row)
    assert stored is not None and stored.user_id == writer.id


def test_a_merge_of_unchanged_text_stores_nothing(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("A B C")
    _text, base = log_rows.current_text(document.id)
    assert merge.merge_text(writer, document, base, "A B C\r\n".rstrip()) == 0
    assert _rows(document) == 1


@pytest.mark.parametrize("base", [-1, 999_999])
def test_a_forged_base_is_refused(app: Flask, base: int) -> None:
    _moderator, writer, document = _editor_setup("A B C")
    with pytest.raises(errors.StaleBase):
        merge.merge_text(writer, document, base, "X")
    assert _rows(document) == 1


def test_a_base_from_another_document_is_refused(app: Flask) -> None:
    moderator, writer, document = _editor_setup("A B C")
    elsewhere = make_document(document.consultation, moderator, "Autre texte")
    _text, base = log_rows.current_text(elsewhere.id)
    with pytest.raises(errors.StaleBase):
        merge.merge_text(writer, document, base, "X")


def test_crlf_from_a_text_area_is_stored_as_lf(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("un\ndeux")
    _text, base = log_rows.current_text(document.id)
    merge.merge_text(writer, document, base, "un\r\ndeux\r\ntrois")
    assert log_rows.text_at(document.id)[0] == "un\ndeux\ntrois"


def test_unicode_edits_land_where_they_were_made(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("Élan 😀 vers l’été")
    _text, base = log_rows.current_text(document.id)
    merge.merge_text(writer, document, base, "Élan 😀 joyeux vers l’été ✓")
    assert log_rows.text_at(document.id)[0] == "Élan 😀 joyeux vers l’été ✓"


def test_too_large_an_update_is_refused_and_not_stored(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("")
    update = edit(client_doc(document.id), "x" * (app.config["DRAFTING_MAX_UPDATE_BYTES"] + 1))
    with pytest.raises(errors.TooLarge):
        updates.receive_update(document, writer.id, update, "editor")
    assert _rows(document) == 0


@pytest.mark.parametrize("garbage", [b"\xff\xfe\xfd\x00garbage", b"", b"\x01"])
def test_unreadable_updates_are_refused_and_not_stored(app: Flask, garbage: bytes) -> None:
    _moderator, writer, document = _editor_setup("")
    with pytest.raises(errors.Malformed):
        updates.receive_update(document, writer.id, garbage, "editor")
    assert _rows(document) == 0


def test_a_full_document_refuses_growth_but_allows_deleting(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, writer, document = _editor_setup("")
    monkeypatch.setitem(app.config, "DRAFTING_MAX_TEXT_BYTES", 100)
    doc = client_doc(document.id)
    updates.receive_update(document, writer.id, edit(doc, "a" * 95), "editor")
    with pytest.raises(errors.DocumentFull) as refused:
        updates.receive_update(document, writer.id, edit(crdt.copy_of(doc), "a" * 120), "editor")
    assert "100" in refused.value.message
    assert _rows(document) == 1
    updates.receive_update(document, writer.id, edit(doc, "a" * 10), "editor")
    assert log_rows.text_at(document.id)[0] == "a" * 10


def test_the_size_limit_falls_on_the_exact_character_when_typing_one_at_a_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A keystroke is checked against an upper bound of the size, measured only when the bound no longer
    # proves the update fits: the limit must still fall exactly, again after a deletion.
    _moderator, writer, document = _editor_setup("")
    monkeypatch.setitem(app.config, "DRAFTING_MAX_TEXT_BYTES", 60)
    doc = client_doc(document.id)
    for length in range(1, 61):
        updates.receive_update(document, writer.id, edit(doc, "a" * length), "editor")
    with pytest.raises(errors.DocumentFull):
        updates.receive_update(document, writer.id, edit(crdt.copy_of(doc), "a" * 61), "editor")
    updates.receive_update(document, writer.id, edit(doc, "a" * 59), "editor")  # deleting is allowed
    updates.receive_update(document, writer.id, edit(doc, "a" * 59 + "b"), "editor")  # back to the limit
    with pytest.raises(errors.DocumentFull):
        updates.receive_update(document, writer.id, edit(crdt.copy_of(doc), "a" * 59 + "bc"), "editor")
    assert log_rows.text_at(document.id)[0] == "a" * 59 + "b"
    assert _rows(document) == 62


def test_an_oversized_submitted_text_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _moderator, writer, document = _editor_setup("A")
    monkeypatch.setitem(app.config, "DRAFTING_MAX_TEXT_BYTES", 50)
    _text, base = log_rows.current_text(document.id)
    with pytest.raises(errors.TooLarge):
        merge.merge_text(writer, document, base, "é" * 30)
    assert _rows(document) == 1


def test_only_editors_may_send_updates(app: Flask) -> None:
    _moderator, writer, document = _editor_setup("A")
    update = edit(client_doc(document.id), "AB")
    for role in ("suggester", "viewer"):
        with pytest.raises(errors.NotAllowed):
            updates.receive_update(document, writer.id, update, role)
    document.mode = Document.FINAL
    db.session.commit()
    with pytest.raises(errors.NotAllowed):
        updates.receive_update(document, writer.id, update, "editor")
    with pytest.raises(errors.NotAllowed):
        merge.merge_text(writer, document, 1, "AB")
    assert _rows(document) == 1


def test_create_document_stores_the_starting_text_by_its_creator(app: Flask) -> None:
    moderator = make_user()
    consultation = drafting_consultation(moderators=[moderator])
    document = documents.create_document(moderator, consultation, "Manifeste", "", "# Titre\r\n\nTexte")
    assert log_rows.text_at(document.id)[0] == "# Titre\n\nTexte"
    assert (
        db.session.scalar(select(DocumentUpdate.user_id).where(DocumentUpdate.document_id == document.id))
        == moderator.id
    )
    with pytest.raises(Forbidden):
        documents.create_document(make_user(), consultation, "Autre", "", "")
    with pytest.raises(Invalid):
        documents.create_document(moderator, consultation, " ", "", "")


def test_versions_are_numbered_and_keep_their_text(app: Flask) -> None:
    moderator, writer, document = _editor_setup("v1")
    first = versions.record_version(document)
    updates.receive_update(document, writer.id, edit(client_doc(document.id), "v2"), "editor")
    second = versions.record_version(document, moderator, "  Avant le vote ")
    assert (first.number, first.name, first.text, first.created_by_id) == (1, "", "v1", None)
    assert (second.number, second.name, second.text, second.created_by_id) == (
        2,
        "Avant le vote",
        "v2",
        moderator.id,
    )
    assert log_rows.text_at(document.id, first.upto_update_id)[0] == "v1"


def test_what_the_link_brings_is_applied_to_the_copy_and_never_resent_at_a_catch_up(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, writer, document = _editor_setup("Texte")
    live = copies.copy_of(document)
    relayed: list[bytes | None] = []
    monkeypatch.setattr(
        workspace().relay, "receive", lambda document_id, update, entries, rows=None: relayed.append(update)
    )
    resent: list[bytes] = []
    monkeypatch.setattr(
        workspace().relay, "send_update", lambda d, update, sid, rows=None: resent.append(update)
    )
    # Another process stored a row and published it on the link.
    update = edit(client_doc(document.id), "Texte d’ailleurs")
    row = DocumentUpdate(document_id=document.id, data=update, user_id=writer.id)
    db.session.add(row)
    db.session.commit()
    workspace().receive(Note("another process", document.id, update, [], [row.id]))
    assert crdt.text_of(live.doc) == "Texte d’ailleurs" and row.id in live.applied
    assert relayed == [update]
    copies.catch_up(document)  # a join on this process: nothing new, nothing to re-send
    assert resent == []
    workspace().receive(
        Note("another process", document.id, update, [], [row.id])
    )  # heard twice (a catch-up came first)
    assert relayed == [update, None]
