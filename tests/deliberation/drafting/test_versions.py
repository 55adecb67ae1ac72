"""Versions: automatic after each burst, named by moderators, summaries, restore, who wrote what."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.deliberation.drafting import crdt, editors, permissions, restore
from civic.deliberation.drafting.history import attribution, authorship, timers
from civic.deliberation.drafting.history import versions as history
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.log import updates
from civic.deliberation.drafting.models import (
    Document,
    DocumentUpdate,
    DocumentVersion,
    DocumentVersionSummary,
)
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.timestamps import utcnow
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit
from tests.factories import make_document, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")

GAP = 120


def _setup(text: str = "Le plan.") -> tuple[User, Document]:
    moderator = make_user(name="Modératrice")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, make_document(consultation, moderator, text)


def _write(document: Document, user: User, text: str, at: datetime | None = None) -> int:
    """`user` changes the text to `text` from an up-to-date copy; the row is dated `at`."""
    row_id = updates.receive_update(
        document, user.id, edit(client_doc(document.id), text), permissions.EDITOR
    )
    if at is not None:
        db.session.get(DocumentUpdate, row_id).created_at = at
        db.session.commit()
    return row_id


def _date_rows(document: Document, at: datetime) -> None:
    for row in db.session.scalars(select(DocumentUpdate).where(DocumentUpdate.document_id == document.id)):
        row.created_at = at
    db.session.commit()


def _versions(document: Document) -> list[DocumentVersion]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )


# ---- automatic versions ---------------------------------------------------------------------------


def test_no_version_while_the_burst_goes_on(app: Flask) -> None:
    moderator, document = _setup()
    _write(document, moderator, "Le plan numérique.")
    wait = history.record_quiet_bursts(document)
    assert _versions(document) == []
    assert wait is not None and 0 < wait <= GAP


def test_a_quiet_burst_becomes_one_automatic_version(app: Flask) -> None:
    moderator, document = _setup()
    past = utcnow() - timedelta(minutes=10)
    _date_rows(document, past)
    last = _write(document, moderator, "Le plan numérique.", at=past + timedelta(seconds=30))
    assert history.record_quiet_bursts(document) is None
    [version] = _versions(document)
    assert (version.number, version.name, version.upto_update_id) == (1, "", last)
    assert version.text == "Le plan numérique." and version.created_by_id is None


def test_each_burst_separated_by_a_quiet_gap_gets_its_own_version(app: Flask) -> None:
    moderator, document = _setup()
    start = utcnow() - timedelta(hours=2)
    _date_rows(document, start)
    first_end = _write(document, moderator, "Le plan numérique.", at=start + timedelta(seconds=GAP - 1))
    _write(document, moderator, "Le plan numérique pour tous.", at=start + timedelta(hours=1))
    assert history.record_quiet_bursts(document) is None
    versions = _versions(document)
    assert [v.upto_update_id for v in versions][0] == first_end
    assert [v.text for v in versions] == ["Le plan numérique.", "Le plan numérique pour tous."]


def test_the_next_burst_records_the_previous_one_up_to_its_last_row(app: Flask) -> None:
    moderator, document = _setup()
    long_ago = utcnow() - timedelta(hours=1)
    _date_rows(document, long_ago)
    before = _write(document, moderator, "Avant la pause.", at=long_ago)
    _write(document, moderator, "Avant la pause. Après.")  # now: the new burst is still going on
    assert history.record_quiet_bursts(document) is not None
    [version] = _versions(document)
    assert version.upto_update_id == before and version.text == "Avant la pause."


def test_recording_twice_records_nothing_new(app: Flask) -> None:
    moderator, document = _setup()
    _date_rows(document, utcnow() - timedelta(hours=1))
    history.record_quiet_bursts(document)
    history.record_quiet_bursts(document)
    assert len(_versions(document)) == 1


def test_the_gap_is_a_setting(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_VERSION_GAP", 1.0)
    _moderator, document = _setup()
    _date_rows(document, utcnow() - timedelta(seconds=5))
    history.record_quiet_bursts(document)
    assert len(_versions(document)) == 1


def test_the_timer_records_the_version_after_the_quiet_gap(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_VERSION_GAP", 0.3)
    monkeypatch.setitem(app.config, "DRAFTING_VERSION_TIMERS", True)
    moderator, document = _setup()
    _write(document, moderator, "Le plan numérique.")
    _write(document, moderator, "Le plan numérique pour tous.")
    assert _versions(document) == []
    deadline = time.monotonic() + 10
    running = app.extensions["drafting_version_timers"]
    while (document.id in running.running or not _versions(document)) and time.monotonic() < deadline:
        time.sleep(0.1)
    db.session.rollback()
    versions = _versions(document)
    assert [v.text for v in versions] == ["Le plan numérique pour tous."]
    assert document.id not in running.running


def test_no_timer_starts_when_timers_are_off(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_VERSION_TIMERS", False)
    started: list[object] = []
    monkeypatch.setattr(timers.socketio, "start_background_task", lambda *args: started.append(args))
    moderator, document = _setup()
    _write(document, moderator, "Le plan numérique.")
    assert started == []


# ---- summaries --------------------------------------------------------------------------------------


def test_a_version_summary_counts_net_words_and_credits_each_author(app: Flask) -> None:
    moderator, document = _setup("Le plan.")
    citizen = make_user(name="Jean")
    past = utcnow() - timedelta(hours=3)
    _date_rows(document, past)
    history.record_quiet_bursts(document)  # version 1: "Le plan."
    _write(document, citizen, "Le plan numérique.", at=past + timedelta(hours=1))
    _write(document, moderator, "Le grand plan numérique.", at=past + timedelta(hours=1, seconds=5))
    history.record_quiet_bursts(document)
    first, second = _versions(document)
    summary = db.session.get(DocumentVersionSummary, second.id)
    assert (summary.words_added, summary.words_removed) == (2, 0)
    assert (summary.chars_added, summary.chars_removed) == (16, 0)
    assert sorted(summary.contributors) == sorted([[citizen.id, 10, 0], [moderator.id, 6, 0]])
    first_summary = db.session.get(DocumentVersionSummary, first.id)
    assert first_summary.contributors == [[moderator.id, 8, 0]]


def test_versions_recorded_by_other_verbs_get_their_summary_later(app: Flask) -> None:
    moderator, document = _setup()
    version = history.record_version(document, moderator, "Par un autre chemin")
    assert db.session.get(DocumentVersionSummary, version.id) is None
    assert history.summarise_versions(document) == 1
    assert db.session.get(DocumentVersionSummary, version.id) is not None
    assert history.summarise_versions(document) == 0


# ---- named versions -------------------------------------------------------------------------------


def test_a_moderator_names_the_current_text(app: Flask) -> None:
    moderator, document = _setup()
    _write(document, moderator, "Texte à voter.")
    version = history.name_version(moderator, document, "  Texte soumis au vote ")
    assert (version.name, version.text, version.created_by_id) == (
        "Texte soumis au vote",
        "Texte à voter.",
        moderator.id,
    )
    assert db.session.get(DocumentVersionSummary, version.id) is not None


def test_naming_keeps_finished_bursts_as_their_own_versions(app: Flask) -> None:
    moderator, document = _setup()
    _date_rows(document, utcnow() - timedelta(hours=1))
    _write(document, moderator, "Nouveau.")
    history.name_version(moderator, document, "Nommée")
    assert [(v.name, v.text) for v in _versions(document)] == [("", "Le plan."), ("Nommée", "Nouveau.")]


@pytest.mark.parametrize("who", ["participant", "named editor", "guest"])
def test_only_moderators_name_versions(app: Flask, who: str) -> None:
    _moderator, document = _setup()
    person = None if who == "guest" else make_user()
    if who == "named editor":
        editors.add_editor(_moderator, document, person.email)
    with pytest.raises(Forbidden):
        history.name_version(person, document, "Version")
    assert _versions(document) == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_version_needs_a_short_name(app: Flask, name: str) -> None:
    moderator, document = _setup()
    with pytest.raises(Invalid):
        history.name_version(moderator, document, name)
    assert _versions(document) == []


# ---- restore ----------------------------------------------------------------------------------------


def test_restoring_makes_the_old_text_current_as_a_new_version(app: Flask) -> None:
    moderator, document = _setup("Version un.")
    history.name_version(moderator, document, "Un")
    citizen = make_user()
    _write(document, citizen, "Version deux, très différente.")
    rows_before = db.session.scalar(select(func.count(DocumentUpdate.id)))
    restored = restore.restore_version(moderator, document, 1)
    assert log_rows.current_text(document.id)[0] == "Version un."
    assert restored.number == 2 and restored.text == "Version un."
    summary = db.session.get(DocumentVersionSummary, restored.id)
    assert summary.restored_from == 1
    assert db.session.scalar(select(func.count(DocumentUpdate.id))) == rows_before + 1
    newest = db.session.scalar(select(DocumentUpdate).order_by(DocumentUpdate.id.desc()).limit(1))
    assert newest.user_id == moderator.id
    # Everyone editing holds the restored text once they apply the stored row.
    assert (
        crdt.text_of(
            crdt.doc_from(
                *[
                    bytes(r.data)
                    for r in db.session.scalars(select(DocumentUpdate).order_by(DocumentUpdate.id))
                ]
            )
        )
        == "Version un."
    )


def test_restoring_keeps_an_edit_made_from_an_older_copy(app: Flask) -> None:
    """The restore is a Yjs update like any other: a concurrent edit still merges."""
    moderator, document = _setup("Un deux trois.")
    history.name_version(moderator, document, "Début")
    _write(document, moderator, "Un deux trois quatre.")
    stale = client_doc(document.id)
    restore.restore_version(moderator, document, 1)
    late = edit(stale, "Zéro. Un deux trois quatre.")
    updates.receive_update(document, moderator.id, late, permissions.EDITOR)
    assert log_rows.current_text(document.id)[0] == "Zéro. Un deux trois."


@pytest.mark.parametrize("who", ["participant", "guest"])
def test_only_moderators_restore(app: Flask, who: str) -> None:
    moderator, document = _setup()
    history.name_version(moderator, document, "Un")
    _write(document, moderator, "Autre.")
    with pytest.raises(Forbidden):
        restore.restore_version(make_user() if who == "participant" else None, document, 1)
    assert log_rows.current_text(document.id)[0] == "Autre."


def test_restoring_a_final_document_is_refused(app: Flask) -> None:
    moderator, document = _setup()
    history.name_version(moderator, document, "Un")
    _write(document, moderator, "Autre.")
    document.mode = Document.FINAL
    db.session.commit()
    with pytest.raises(Conflict):
        restore.restore_version(moderator, document, 1)
    assert log_rows.current_text(document.id)[0] == "Autre."


def test_restoring_the_current_text_or_a_missing_version_is_refused(app: Flask) -> None:
    moderator, document = _setup()
    history.name_version(moderator, document, "Un")
    with pytest.raises(Conflict):
        restore.restore_version(moderator, document, 1)
    with pytest.raises(NotFound):
        restore.restore_version(moderator, document, 9)
    assert len(_versions(document)) == 1


# ---- who wrote what ---------------------------------------------------------------------------------


def test_authorship_names_who_wrote_each_passage(app: Flask) -> None:
    moderator, document = _setup("Le plan.")
    citizen = make_user()
    _write(document, citizen, "Le plan. Pour tous.")
    runs = authorship.authorship(document)
    assert [(r.author, r.text) for r in runs] == [(moderator.id, "Le plan."), (citizen.id, " Pour tous.")]


def test_authorship_applies_only_new_rows_on_the_next_call(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    moderator, document = _setup("Le plan.")
    authorship.authorship(document)
    _write(document, moderator, "Le plan. Suite.")
    applied: list[bytes] = []
    original = attribution.Replay.apply

    def spy(self: object, update: bytes, author: int | None) -> None:
        applied.append(update)
        original(self, update, author)  # type: ignore[arg-type]

    monkeypatch.setattr(attribution.Replay, "apply", spy)
    runs = authorship.authorship(document)
    assert len(applied) == 1
    assert "".join(r.text for r in runs) == "Le plan. Suite."


def test_authorship_starts_over_when_the_text_does_not_match(app: Flask) -> None:
    moderator, document = _setup("Le plan.")
    authorship.authorship(document)
    entry = app.extensions["drafting_authorship"][document.id]
    entry.replay.apply(crdt.initial_update("intrus "), 999)  # a replay gone wrong
    runs = authorship.authorship(document)
    assert [(r.author, r.text) for r in runs] == [(moderator.id, "Le plan.")]
