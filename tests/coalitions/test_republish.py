"""Republishing: a new version never carries endorsements over; they stay pinned to their version and hash,
every endorser is told at once (in the site and by e-mail) and asked to reconfirm."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from civic.accounts.models import Membership
from civic.coalitions import positions, queries
from civic.coalitions.models import Endorsement, Position
from civic.errors import CivicError
from civic.extensions import db
from civic.notifications.models import Notification
from tests.coalitions.factories import campaign, endorse, make_document_version, make_position
from tests.factories import make_document, make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    representative = make_user(name="Représentante")
    second = make_user(name="Deuxième représentante")
    organisation = make_organisation(representative, name="Association")
    organisation.memberships.append(Membership(user=second, status=Membership.REPRESENTATIVE))
    db.session.commit()
    citizen = make_user(name="Citoyen")
    citizen.email_notifications = True
    db.session.commit()
    endorse(representative, position, organisation=organisation)
    endorse(citizen, position)
    return {
        "moderator": moderator,
        "consultation": consultation,
        "position": position,
        "representative": representative,
        "second": second,
        "organisation": organisation,
        "citizen": citizen,
    }


def _republish(world: dict[str, Any], text: str = "Texte révisé", english: str = "Revised text") -> Any:
    return positions.republish_position(
        world["moderator"],
        world["consultation"],
        world["position"],
        positions.Source("text", "fr", text_fr=text, text_en=english),
        "Le texte change.",
    )


def test_endorsements_stay_pinned_to_the_version_and_hash_they_endorsed(world: dict[str, Any]) -> None:
    first = positions.current_version(world["position"])
    second = _republish(world)
    assert second.number == 2 and second.content_hash != first.content_hash
    for endorsement in db.session.scalars(select(Endorsement)):
        assert endorsement.version_id == first.id and endorsement.content_hash == first.content_hash
    tally = queries.tally(db.session.get(Position, world["position"].id))
    assert sum(tally.by_stance(False).values()) == 0 and sum(tally.by_stance(True).values()) == 0
    assert tally.awaiting(True) == 1 and tally.awaiting(False) == 1


def test_every_endorser_is_told_at_once_in_the_site_and_by_email(world: dict[str, Any], app: Flask) -> None:
    _republish(world)
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "position_new_version"))
    )
    assert told == {world["representative"].id, world["second"].id, world["citizen"].id}
    # E-mail for those who asked for it (the citizen), in their language, with the position's address.
    mails = app.extensions["civic_outbox"]
    assert [m["To"] for m in mails] == [world["citizen"].email]
    assert "confirmez de nouveau" in mails[0]["Subject"]
    assert f"/positions/{world['position'].id}" in mails[0].get_content()


def test_reconfirming_moves_the_endorsement_to_the_new_version(world: dict[str, Any]) -> None:
    second = _republish(world)
    found = endorse(world["citizen"], world["position"])
    assert found.version_id == second.id and found.content_hash == second.content_hash
    assert queries.tally(db.session.get(Position, world["position"].id)).by_stance(False)["endorse"] == 1


def test_reconfirming_with_another_stance_needs_a_reason(world: dict[str, Any]) -> None:
    _republish(world)
    with pytest.raises(CivicError) as refused:
        endorse(world["citizen"], world["position"], "oppose")
    assert "reason" in refused.value.fields  # type: ignore[attr-defined]
    assert (
        endorse(world["citizen"], world["position"], "oppose", reason="La version 2 va trop loin.").stance
        == "oppose"
    )


def test_the_same_text_is_not_republished(world: dict[str, Any]) -> None:
    version = positions.current_version(world["position"])
    with pytest.raises(CivicError, match="nothing to republish"):
        # The same texts once line ends and Unicode forms are normalised.
        _republish(world, text=version.text_fr.replace("\n", "\r\n"), english=f"  {version.text_en}\n")


def test_saying_what_changed_is_required(world: dict[str, Any]) -> None:
    with pytest.raises(CivicError):
        positions.republish_position(
            world["moderator"],
            world["consultation"],
            world["position"],
            positions.Source("text", "fr", text_fr="Autre"),
            " ",
        )


def test_the_position_page_shows_who_is_not_yet_on_the_new_version(world: dict[str, Any], app: Flask) -> None:
    _republish(world)
    client = app.test_client()
    client.set_cookie("lang", "en", domain="civic.test")
    page = client.get(f"/c/{world['consultation'].slug}/positions/{world['position'].id}")
    assert "endorsed v1 — not yet v2" in page.get_data(as_text=True)


def test_a_document_position_is_republished_from_the_same_document(app: Flask) -> None:
    moderator = make_user()
    consultation = campaign(moderator)
    document = make_document(consultation, moderator, "Texte")
    other = make_document(consultation, moderator, "Autre")
    position = make_position(consultation, moderator, version=make_document_version(document, 1, "Texte"))
    assert position.document_id == document.id
    with pytest.raises(CivicError, match="document this position was taken from"):
        positions.republish_position(
            moderator,
            consultation,
            position,
            positions.Source(
                "document", "fr", document_version_id=make_document_version(other, 1, "Autre").id
            ),
            "Autre document",
        )
    version = positions.republish_position(
        moderator,
        consultation,
        position,
        positions.Source(
            "document", "fr", document_version_id=make_document_version(document, 2, "Texte 2").id
        ),
        "Version 2 du document",
    )
    assert (
        version.text_fr == "Texte 2" and version.source == "document" and "version 2" in version.source_label
    )
