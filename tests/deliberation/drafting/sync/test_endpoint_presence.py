"""Presence on the sync endpoint: relayed with the server's names, kept for newcomers, never another's."""

from __future__ import annotations

import pytest
from flask import Flask
from pycrdt import Doc

from civic.deliberation.drafting.sync import protocol, room
from tests.deliberation.drafting.sync.sockets import Browser
from tests.deliberation.drafting.sync.test_endpoint import _setup
from tests.factories import make_user


def test_presence_is_relayed_with_the_servers_name_and_removed_on_disconnect(app: Flask) -> None:
    _moderator, document = _setup()
    alice, bob = Browser(app, make_user(name="Alice")), Browser(app, make_user(name="Bob"))
    alice.connect(document)
    bob.connect(document)
    bob.received()
    state = {
        "user": {"name": "Quelqu’un d’autre", "color": "#000000", "colorLight": "#00000033"},
        "cursor": None,
    }
    assert alice.y(protocol.encode_awareness([protocol.AwarenessEntry(4242, 3, state)])) == {"ok": True}
    [message] = bob.received()
    [entry] = protocol.parse_awareness(protocol.parse_message(message).payload)
    assert entry.client_id == 4242 and entry.clock == 3
    assert entry.state is not None and entry.state["user"]["name"] == "Alice"
    assert entry.state["user"]["colorLight"] == "#00000033"
    alice.close()
    [message] = bob.received()
    [gone] = protocol.parse_awareness(protocol.parse_message(message).payload)
    assert (gone.client_id, gone.clock, gone.state) == (4242, 4, None)
    bob.close()


def test_a_newcomer_gets_who_is_here_after_its_sync_and_not_who_left(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _moderator, document = _setup()
    alice, bob = Browser(app, make_user(name="Alice")), Browser(app, make_user(name="Bob"))
    for browser, client in ((alice, 11), (bob, 12)):
        browser.connect(document)
        state = {"user": {"name": "?", "color": "#000000"}, "cursor": None}
        browser.y(protocol.encode_awareness([protocol.AwarenessEntry(client, 1, state)]))
    carol = Browser(app, make_user(name="Carol"))
    carol.connect(document)
    carol.received()
    assert carol.y(protocol.step1(Doc())) == {"ok": True}
    kinds = [protocol.parse_message(message) for message in carol.received()]
    assert [m.kind for m in kinds] == ["step2", "step1", "awareness"]
    here = {
        e.client_id: e.state["user"]["name"] for e in protocol.parse_awareness(kinds[2].payload) if e.state
    }
    assert here == {11: "Alice", 12: "Bob"}
    # A query for who is here (y-protocols' message 3) gets the same answer.
    assert carol.y(protocol.write_uint(protocol.QUERY_AWARENESS)) == {"ok": True}
    [answer] = carol.received()
    assert {e.client_id for e in protocol.parse_awareness(protocol.parse_message(answer).payload)} == {11, 12}
    bob.close()  # leaving removes Bob's state for everyone, and from what newcomers are sent
    dave = Browser(app, make_user())
    dave.connect(document)
    dave.received()
    dave.y(protocol.step1(Doc()))
    *_sync, message = dave.received()
    assert [e.client_id for e in protocol.parse_awareness(protocol.parse_message(message).payload)] == [11]
    # A state not renewed for PRESENCE_SECONDS is gone, as in the browsers (a process that died).
    monkeypatch.setattr(room, "PRESENCE_SECONDS", 0.0)
    dave.y(protocol.step1(Doc()))
    assert [protocol.parse_message(m).kind for m in dave.received()] == ["step2", "step1"]
    for browser in (alice, carol, dave):
        browser.close()


def test_echoes_of_the_others_presence_are_neither_relayed_nor_credited(app: Flask) -> None:
    # y-websocket clients send back every presence they receive (same client id, same clock).
    _moderator, document = _setup()
    alice, bob = Browser(app, make_user(name="Alice")), Browser(app, make_user(name="Bob"))
    alice.connect(document)
    bob.connect(document)
    state = {"user": {"name": "?", "color": "#000000"}, "cursor": None}
    assert alice.y(protocol.encode_awareness([protocol.AwarenessEntry(4242, 3, state)])) == {"ok": True}
    [message] = bob.received()
    [entry] = protocol.parse_awareness(protocol.parse_message(message).payload)
    alice.received()  # (her own state back: a y-websocket client alone needs a message now and then)
    assert bob.y(protocol.encode_awareness([entry])) == {"ok": True}
    assert bob.y(protocol.encode_awareness([protocol.AwarenessEntry(4242, 2, state)])) == {"ok": True}
    assert alice.received() == [] and bob.received() == []
    carol = Browser(app, make_user(name="Carol"))
    carol.connect(document)
    carol.y(protocol.step1(Doc()))
    *_sync, here = carol.received()
    [kept] = protocol.parse_awareness(protocol.parse_message(here).payload)
    assert kept.state is not None and kept.state["user"]["name"] == "Alice" and kept.clock == 3
    bob.close()  # leaving removes nothing of Alice's
    assert carol.received() == []
    for browser in (alice, carol):
        browser.close()
