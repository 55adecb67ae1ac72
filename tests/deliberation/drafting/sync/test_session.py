"""A session on its own (no socket): the cap on editors, the message budget, what it is sent."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from civic.accounts.models import User
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.connection import Connection, DocumentRef, Grant, Person
from civic.deliberation.drafting.sync.session import Session
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user


class Recorder:
    """What a session posts, kept (in place of a WebSocket's outbox)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def post(self, message: bytes) -> bool:
        self.sent.append(message)
        return True

    def close_socket(self) -> None:
        """Nothing to close."""


def _session(app: Flask, document: Document, name: str, user: User | None = None) -> tuple[Session, Recorder]:
    connection = Connection(name, document.id, Person.of(user), "fr", extras=True)
    session = Session(app, connection, Grant("editor", DocumentRef.of(document), time.monotonic()))
    recorder = Recorder()
    session.outbox = recorder  # type: ignore[assignment]
    return session, recorder


def _welcome(recorder: Recorder) -> dict[str, object]:
    [welcome] = [c for c in map(protocol.read_civic, recorder.sent) if c and c["type"] == "welcome"]
    return welcome


def test_the_cap_turns_later_editors_into_suggesters(app: Flask) -> None:
    moderator = make_user()
    document = make_document(drafting_consultation(moderators=[moderator]), moderator, "A")
    document.max_editors = 2
    opened = []
    for name in ("s1", "s2", "s3"):
        session, recorder = _session(app, document, name)
        session.open()
        opened.append((session, recorder))
    assert [s.grant.role for s, _r in opened] == ["editor", "editor", "suggester"]
    assert "message" not in _welcome(opened[0][1])
    message = str(_welcome(opened[2][1])["message"])
    assert "2" in message
    opened[0][0].close()
    fourth, _recorder = _session(app, document, "s4")
    fourth.open()
    assert fourth.grant.role == "editor"
    for session, _recorder in opened[1:]:
        session.close()
    fourth.close()


def test_a_flood_exhausts_the_message_budget(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DRAFTING_RATE", 1)
    monkeypatch.setitem(app.config, "DRAFTING_BURST", 5)
    document = make_document(drafting_consultation(), None, "A")
    flooder, _recorder = _session(app, document, "s1", make_user())
    calm, _recorder = _session(app, document, "s2", make_user())
    allowed = [flooder._allow(1) for _ in range(20)]
    assert allowed[:5] == [True] * 5 and not any(allowed[6:])
    assert calm._allow(1)
    guest, other_guest = _session(app, document, "s3")[0], _session(app, document, "s4")[0]
    assert [guest._allow(1) for _ in range(6)] == [True] * 5 + [False]
    assert other_guest._allow(1)  # guests are counted per connection
