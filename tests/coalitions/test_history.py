"""History is never rewritten: events and versions refuse changes and deletions, earlier events stay as
written whatever happens later, and the current state is what the history says."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from civic.coalitions import positions
from civic.coalitions.history import replay
from civic.coalitions.models import Endorsement, EndorsementEvent, HistoryRewritten, PositionVersion
from civic.extensions import db
from tests.coalitions.factories import campaign, endorse, make_position, revoke
from tests.factories import make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _rows(model: Any) -> list[tuple[Any, ...]]:
    db.session.expire_all()
    table = model.__table__
    return [tuple(row) for row in db.session.execute(select(table).order_by(table.c.id))]


@pytest.fixture
def story(app: Flask) -> dict[str, Any]:
    """A position through a whole life: endorsed, changed, revoked, republished, reconfirmed."""
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    representative = make_user(name="Représentante")
    organisation = make_organisation(representative, name="Association")
    citizen = make_user(name="Citoyen")
    endorse(representative, position, organisation=organisation, statement="Nous adhérons.")
    endorse(citizen, position, show_name=True)
    return {
        "moderator": moderator,
        "consultation": consultation,
        "position": position,
        "representative": representative,
        "organisation": organisation,
        "citizen": citizen,
    }


def _continue(story: dict[str, Any]) -> None:
    position = story["position"]
    endorse(story["citizen"], position, "stand_aside", reason="J'ai relu le texte.")
    revoke(story["representative"], position, organisation=story["organisation"], reason="Le conseil hésite.")
    endorse(
        story["representative"],
        position,
        "reservations",
        organisation=story["organisation"],
        statement="Avec réserves.",
    )
    positions.republish_position(
        story["moderator"],
        story["consultation"],
        position,
        positions.Source("text", "fr", text_fr="Texte révisé", text_en="Revised text"),
        "Révision",
    )
    endorse(
        story["representative"],
        position,
        "endorse",
        organisation=story["organisation"],
        reason="Nos réserves sont levées.",
    )


def test_earlier_events_and_versions_stay_exactly_as_written(story: dict[str, Any]) -> None:
    events, versions = _rows(EndorsementEvent), _rows(PositionVersion)
    _continue(story)
    after = _rows(EndorsementEvent)
    assert after[: len(events)] == events
    assert len(after) == len(events) + 4
    assert _rows(PositionVersion)[: len(versions)] == versions


def test_the_current_state_is_what_the_history_says(story: dict[str, Any]) -> None:
    _continue(story)
    for endorsement in db.session.scalars(select(Endorsement)):
        events = list(
            db.session.scalars(
                select(EndorsementEvent)
                .where(EndorsementEvent.endorsement_id == endorsement.id)
                .order_by(EndorsementEvent.id)
            )
        )
        state = replay(events)
        assert state == {name: getattr(endorsement, name) for name in state}, endorsement.endorser
        assert state["version_id"] == endorsement.version_id
    kinds = list(
        db.session.scalars(
            select(EndorsementEvent.kind)
            .where(EndorsementEvent.organisation_id.is_not(None))
            .order_by(EndorsementEvent.id)
        )
    )
    assert kinds == ["given", "revoked", "given", "reconfirmed"]


def test_an_event_cannot_be_changed(story: dict[str, Any]) -> None:
    event = db.session.scalars(select(EndorsementEvent)).first()
    assert event is not None
    event.stance = "oppose"
    with pytest.raises(HistoryRewritten):
        db.session.commit()
    db.session.rollback()


def test_an_event_cannot_be_deleted(story: dict[str, Any]) -> None:
    event = db.session.scalars(select(EndorsementEvent)).first()
    db.session.delete(event)
    with pytest.raises(HistoryRewritten):
        db.session.commit()
    db.session.rollback()


def test_a_published_version_cannot_be_changed_nor_deleted(story: dict[str, Any]) -> None:
    version = db.session.scalars(select(PositionVersion)).first()
    assert version is not None
    version.text_fr = "Autre chose"
    with pytest.raises(HistoryRewritten):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(PositionVersion)).first())
    with pytest.raises(HistoryRewritten):
        db.session.commit()
    db.session.rollback()


def test_the_endorsement_page_shows_the_whole_history(story: dict[str, Any], app: Flask) -> None:
    _continue(story)
    endorsement = db.session.scalar(select(Endorsement).where(Endorsement.organisation_id.is_not(None)))
    consultation, position = story["consultation"], story["position"]
    page = app.test_client().get(
        f"/c/{consultation.slug}/positions/{position.id}/endorsements/{endorsement.id}"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("Le conseil hésite.", "Nos réserves sont levées.", "Avec réserves.", "Nous adhérons."):
        assert words in text
