"""The demo campaign reaches its end: the manifesto is a position endorsed in every way the issue names."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from civic import demo
from civic.accounts.models import Organisation
from civic.coalitions.models import Endorsement, EndorsementEvent, Position
from civic.deliberation.drafting.amendments.models import Amendment
from civic.extensions import db


def test_the_demo_manifesto_is_a_position_with_every_kind_of_endorsement(app: Flask) -> None:
    demo.load()
    position = db.session.scalar(select(Position))
    assert position is not None and position.title_en == "A Digital Plan for Quebec"
    endorsements = list(db.session.scalars(select(Endorsement).where(Endorsement.position_id == position.id)))
    by_org = {
        db.session.get(Organisation, e.organisation_id).slug: e  # type: ignore[union-attr]
        for e in endorsements
        if e.organisation_id is not None
    }
    current = position.current_version_id
    assert (
        by_org["aines-branches"].stance == "reservations" and by_org["aines-branches"].version_id != current
    )
    assert by_org["bibliotheques-solidaires"].condition_state == "pending"
    amendment = db.session.get(Amendment, by_org["bibliotheques-solidaires"].condition_amendment_id)
    assert amendment is not None and amendment.status == Amendment.OPEN
    assert not by_org["coop-acces-monteregie"].active
    kinds = {
        slug: list(
            db.session.scalars(
                select(EndorsementEvent.kind)
                .where(EndorsementEvent.endorsement_id == e.id)
                .order_by(EndorsementEvent.id)
            )
        )
        for slug, e in by_org.items()
    }
    assert kinds["coop-acces-monteregie"] == ["given", "revoked"]
    revoked = db.session.scalar(select(EndorsementEvent).where(EndorsementEvent.kind == "revoked"))
    assert revoked is not None and revoked.reason
    assert kinds["reseau-communautaire"] == ["given", "reconfirmed"]
    assert by_org["reseau-communautaire"].version_id == current
    citizens = [e for e in endorsements if e.user_id is not None]
    assert (
        len(citizens) >= 5 and any(e.show_name for e in citizens) and any(not e.show_name for e in citizens)
    )


def test_the_demo_can_be_loaded_again(app: Flask) -> None:
    demo.load()
    demo.load()
    assert len(list(db.session.scalars(select(Position)))) == 1
