"""Conditional endorsements resolve by themselves when their amendment is decided, through the amendments'
listener registry, and the history shows it; a missed decision is caught up when the position is shown."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from civic.coalitions import queries
from civic.coalitions.models import Endorsement, EndorsementEvent, Position
from civic.coalitions.resolution import amendment_decided, catch_up
from civic.deliberation.drafting.amendments import decisions
from civic.deliberation.drafting.amendments import services as amendments
from civic.deliberation.drafting.amendments.models import Amendment
from civic.extensions import db
from civic.notifications.models import Notification
from tests.coalitions.factories import campaign, endorse, make_document_version, make_position
from tests.factories import make_document, make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

TEXT = "Le numérique pour tous. Des bibliothèques ouvertes le dimanche. Une fibre dans chaque village."


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator, days=(-1, 10))
    consultation.phases[0].components = "endorsements drafting"
    db.session.commit()
    document = make_document(consultation, moderator, TEXT, mode="suggest")
    position = make_position(consultation, moderator, version=make_document_version(document, 1, TEXT))
    author = make_user(name="Autrice")
    first = amendments.propose_amendment(author, document, "le dimanche", "le dimanche et le lundi", "Plus")
    second = amendments.propose_amendment(author, document, "chaque village", "chaque hameau", "Plus petit")
    representative = make_user(name="Représentante")
    organisation = make_organisation(representative, name="Bibliothèques")
    citizen = make_user(name="Citoyen")
    endorse(representative, position, organisation=organisation, condition=first.id)
    endorse(citizen, position, condition=second.id)
    return {
        "moderator": moderator,
        "document": document,
        "position": position,
        "first": first,
        "second": second,
        "representative": representative,
        "organisation": organisation,
        "citizen": citizen,
    }


def _state(world: dict[str, Any], key: str) -> str:
    db.session.expire_all()
    endorsement = db.session.scalar(select(Endorsement).where(Endorsement.endorser == key))
    assert endorsement is not None
    return endorsement.condition_state


def _kinds(key: str) -> list[str]:
    return list(
        db.session.scalars(
            select(EndorsementEvent.kind)
            .join(Endorsement, Endorsement.id == EndorsementEvent.endorsement_id)
            .where(Endorsement.endorser == key)
            .order_by(EndorsementEvent.id)
        )
    )


def test_coalitions_listen_to_amendment_decisions(app: Flask) -> None:
    assert amendment_decided in decisions.LISTENERS


def test_a_condition_is_pending_and_not_counted_until_decided(world: dict[str, Any]) -> None:
    org_key = f"o:{world['organisation'].id}"
    assert _state(world, org_key) == "pending"
    tally = queries.tally(db.session.get(Position, world["position"].id))
    assert tally.pending() == 2 and tally.by_stance(True, False)["endorse"] == 0


def test_accepting_the_amendment_meets_the_condition(world: dict[str, Any]) -> None:
    org_key = f"o:{world['organisation'].id}"
    amendments.accept_amendment(world["moderator"], world["first"], "Oui")
    assert _state(world, org_key) == "met"
    assert _kinds(org_key) == ["given", "condition_met"]
    tally = queries.tally(db.session.get(Position, world["position"].id))
    assert tally.by_stance(True, False)["endorse"] == 1
    # Every representative of the organisation hears of it.
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world["representative"].id))
    assert notice is not None and notice.kind == "endorsement_condition_met"


def test_rejecting_the_amendment_fails_the_condition(world: dict[str, Any]) -> None:
    key = f"u:{world['citizen'].id}"
    amendments.reject_amendment(world["moderator"], world["second"], "Non")
    assert _state(world, key) == "failed"
    assert _kinds(key) == ["given", "condition_failed"]
    assert _state(world, f"o:{world['organisation'].id}") == "pending"  # the other amendment is still open


def test_a_consent_poll_that_passes_meets_the_condition(world: dict[str, Any]) -> None:
    amendments.open_consent(world["moderator"], world["first"])
    amendments.answer_consent(make_user(), world["first"], "agree")
    amendments.close_consent(world["moderator"], world["first"])
    assert _state(world, f"o:{world['organisation'].id}") == "met"


def test_a_consent_poll_that_is_blocked_fails_the_condition(world: dict[str, Any]) -> None:
    amendments.open_consent(world["moderator"], world["second"])
    amendments.answer_consent(make_user(), world["second"], "block")
    amendments.close_consent(world["moderator"], world["second"])
    assert _state(world, f"u:{world['citizen'].id}") == "failed"


def test_an_amendment_outdated_by_another_fails_the_condition(world: dict[str, Any]) -> None:
    overlapping = amendments.propose_amendment(
        make_user(), world["document"], "ouvertes le dimanche", "ouvertes tous les jours", "Mieux"
    )
    citizen = make_user(name="Autre citoyenne")
    endorse(citizen, world["position"], condition=world["first"].id)
    amendments.accept_amendment(world["moderator"], overlapping, "")
    db.session.refresh(world["first"])
    assert world["first"].status == Amendment.OUTDATED
    assert _state(world, f"u:{citizen.id}") == "failed"
    assert _kinds(f"u:{citizen.id}") == ["given", "condition_failed"]


def test_a_failing_listener_does_not_undo_the_decision_and_the_page_catches_up(
    world: dict[str, Any], app: Flask
) -> None:
    def broken(_amendment: Amendment) -> None:
        raise RuntimeError("down")

    saved = list(decisions.LISTENERS)
    decisions.LISTENERS[:] = [broken]
    try:
        amendments.reject_amendment(world["moderator"], world["second"], "Non")
    finally:
        decisions.LISTENERS[:] = saved
    db.session.refresh(world["second"])
    assert world["second"].status == Amendment.REJECTED
    key = f"u:{world['citizen'].id}"
    assert _state(world, key) == "pending"
    position = world["position"]
    slug = world["document"].consultation.slug
    assert app.test_client().get(f"/c/{slug}/positions/{position.id}").status_code == 200
    assert _state(world, key) == "failed"
    assert catch_up(db.session.get(Position, position.id)) == 0  # nothing twice
    assert _kinds(key) == ["given", "condition_failed"]
