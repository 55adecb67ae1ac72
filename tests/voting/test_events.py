"""The /voting namespace: a poll page hears the ballot count, never a ballot or a partial result."""

from __future__ import annotations

from flask import Flask

from civic.extensions import socketio
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll


def test_a_joined_page_hears_the_count_after_a_ballot(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    client = socketio.test_client(app, namespace="/voting")
    assert client.emit("join", {"poll": poll.id}, namespace="/voting", callback=True) == {"ok": True}
    cast(make_user(), poll, consultation, [2, 0])
    received = client.get_received("/voting")
    counts = [event for event in received if event["name"] == "poll.count"]
    assert len(counts) == 1
    data = counts[0]["args"][0]
    assert data["voters"] == 1 and data["poll"] == poll.id
    assert set(data) == {"poll", "voters", "head", "records"}  # no choice, no receipt, no result


def test_joining_an_unknown_or_hidden_poll_is_refused(app: Flask) -> None:
    hidden = make_poll(make_consultation(status="draft"))
    client = socketio.test_client(app, namespace="/voting")
    for payload in ({"poll": hidden.id}, {"poll": 999_999}, {"poll": "1"}, "nonsense"):
        answer = client.emit("join", payload, namespace="/voting", callback=True)
        assert answer["ok"] is False
