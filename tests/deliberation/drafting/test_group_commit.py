"""The group commit of served processes: keystrokes arriving together share one INSERT and COMMIT."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from civic.deliberation.drafting.log import group_commit
from civic.deliberation.drafting.models import DocumentUpdate
from civic.extensions import db
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _stored(ids: list[int]) -> dict[int, bytes]:
    query = select(DocumentUpdate.id, DocumentUpdate.data).where(DocumentUpdate.id.in_(ids))
    return {row_id: bytes(data) for row_id, data in db.session.execute(query)}


def test_keystrokes_arriving_together_share_a_commit_and_each_gets_its_own_row(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = make_user()
    document = make_document(drafting_consultation(), writer, "")
    committer = group_commit.GroupCommit(app)
    monkeypatch.setattr(committer, "GATHER", 0.5)  # all of them arrive within one gathering
    batches: list[int] = []
    commit = committer._commit

    def counting(connection: Any, statement: Any, batch: Any) -> None:
        batches.append(len(batch.rows))
        commit(connection, statement, batch)

    monkeypatch.setattr(committer, "_commit", counting)
    got: dict[int, int] = {}
    start = threading.Barrier(12)
    document_id, writer_id = document.id, writer.id  # the test's objects stay in the test's session

    def type_one(i: int) -> None:
        with app.app_context():
            start.wait()
            got[i] = committer.store(document_id, f"update {i}".encode(), writer_id)

    threads = [threading.Thread(target=type_one, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(got) == list(range(12))
    # Each caller was told the id of its own row, committed (read on the test's own connection).
    assert _stored(list(got.values())) == {got[i]: f"update {i}".encode() for i in range(12)}
    # The first keystroke starts a commit at once, the rest gather behind it.
    assert sum(batches) == 12 and len(batches) <= 2


def test_a_failed_batch_is_refused_to_its_callers_and_the_next_one_is_stored(app: Flask) -> None:
    writer = make_user()
    document = make_document(drafting_consultation(), writer, "")
    committer = group_commit.GroupCommit(app)
    with pytest.raises(Exception, match="(?i)null"):
        committer.store(document.id, None, writer.id)  # type: ignore[arg-type]  # violates NOT NULL
    row_id = committer.store(document.id, b"after", writer.id)
    assert _stored([row_id]) == {row_id: b"after"}
    assert db.session.scalar(select(db.func.count()).where(DocumentUpdate.data.is_(None))) == 0


def test_a_batch_is_stored_whole_or_not_at_all(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # On PostgreSQL a batch is one INSERT that commits by itself: a bad row takes its batch with it.
    writer = make_user()
    document = make_document(drafting_consultation(), writer, "")
    committer = group_commit.GroupCommit(app)
    batches: list[int] = []
    commit = committer._commit
    first_taken = threading.Event()

    def held(connection: Any, statement: Any, batch: Any) -> None:
        if not batches:  # the first batch waits until the next two are gathered behind it
            first_taken.set()
            deadline = time.monotonic() + 10
            while len(committer.gathering.rows) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        batches.append(len(batch.rows))
        commit(connection, statement, batch)

    monkeypatch.setattr(committer, "_commit", held)
    outcomes: dict[str, object] = {}
    document_id, writer_id = document.id, writer.id

    def type_one(name: str, data: bytes | None) -> None:
        with app.app_context():
            try:
                outcomes[name] = committer.store(document_id, data, writer_id)  # type: ignore[arg-type]
            except Exception as error:  # what its caller is told
                outcomes[name] = error

    first = threading.Thread(target=type_one, args=("first", b"first"))
    first.start()
    assert first_taken.wait(10)
    others = [
        threading.Thread(target=type_one, args=("good", b"good")),
        threading.Thread(target=type_one, args=("bad", None)),
    ]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(20)
    assert batches == [1, 2]
    assert isinstance(outcomes["first"], int) and _stored([outcomes["first"]]) == {
        outcomes["first"]: b"first"
    }
    assert isinstance(outcomes["good"], Exception) and isinstance(outcomes["bad"], Exception)
    stored = db.session.scalars(select(DocumentUpdate.data).where(DocumentUpdate.document_id == document_id))
    assert [bytes(data) for data in stored if data in (b"first", b"good")] == [b"first"]
