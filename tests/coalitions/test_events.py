"""The /coalitions namespace: open coalition and position pages hear new endorsements, changes and versions,
with what the pages show publicly only."""

from __future__ import annotations

from typing import Any

from flask import Flask

from civic.coalitions import positions
from civic.extensions import socketio
from tests.coalitions.factories import campaign, endorse, make_position, revoke
from tests.factories import make_consultation, make_organisation, make_user

NAMESPACE = "/coalitions"


def _listen(app: Flask, position_id: int) -> Any:
    client = socketio.test_client(app, namespace=NAMESPACE)
    assert client.emit("join", {"position": position_id}, namespace=NAMESPACE, callback=True) == {"ok": True}
    return client


def _events(client: Any, name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in client.get_received(NAMESPACE) if e["name"] == name]


def test_a_joined_page_hears_new_endorsements_with_the_counts(app: Flask) -> None:
    moderator = make_user()
    position = make_position(campaign(moderator), moderator)
    client = _listen(app, position.id)
    representative = make_user(name="Représentante")
    organisation = make_organisation(representative, name="Association")
    organisation.verified = True
    endorse(representative, position, organisation=organisation)
    [data] = _events(client, "coalition.endorsement")
    assert data["name"] == "Association" and data["event"] == "given" and data["verified"] is True
    assert data["counts"]["organisations"]["endorse"] == 1 and data["counts"]["badge"] == 1


def test_a_citizen_who_chose_not_to_be_named_is_sent_without_a_name(app: Flask) -> None:
    moderator = make_user()
    position = make_position(campaign(moderator), moderator)
    client = _listen(app, position.id)
    endorse(make_user(name="Très Discrète"), position)
    [data] = _events(client, "coalition.endorsement")
    assert data["name"] == "" and "Très Discrète" not in str(data)
    assert data["counts"]["citizens"]["endorse"] == 1


def test_revocations_and_new_versions_are_announced(app: Flask) -> None:
    moderator = make_user()
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    citizen = make_user()
    endorse(citizen, position)
    client = _listen(app, position.id)
    revoke(citizen, position)
    [data] = _events(client, "coalition.endorsement")
    assert (
        data["event"] == "revoked" and data["active"] is False and data["counts"]["citizens"]["endorse"] == 0
    )
    positions.republish_position(
        moderator, consultation, position, positions.Source("text", "fr", text_fr="Neuf"), "Tout"
    )
    assert _events(client, "coalition.version") == [{"position": position.id, "version": 2}]


def test_joining_an_unknown_or_hidden_position_is_refused(app: Flask) -> None:
    moderator = make_user()
    hidden = make_position(
        make_consultation(moderators=[moderator], phases=[("endorsement", -1, 3)], status="draft"), moderator
    )
    members = make_position(
        make_consultation(moderators=[moderator], phases=[("endorsement", -1, 3)], visibility="registered"),
        moderator,
    )
    client = socketio.test_client(app, namespace=NAMESPACE)
    for payload in (
        {"position": hidden.id},
        {"position": members.id},
        {"position": 999_999},
        {"position": "1"},
        {"position": True},
        "x",
    ):
        assert client.emit("join", payload, namespace=NAMESPACE, callback=True) == {"ok": False}
