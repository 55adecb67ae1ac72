"""Citizens' kept counts always equal a recount of their endorsements, whatever happens to them."""

from __future__ import annotations

import random

import pytest
from flask import Flask
from sqlalchemy import select

from civic.coalitions import positions, tallies
from civic.coalitions.models import CitizenTally
from civic.coalitions.resolution import catch_up
from civic.deliberation.drafting.amendments.models import Amendment
from civic.extensions import db
from tests.coalitions.factories import campaign, endorse, make_document_version, make_position, revoke
from tests.factories import make_document, make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _kept(position_id: int) -> dict[tuple[int, str, str, bool], int]:
    db.session.expire_all()
    return {
        (t.version_id, t.stance, t.condition_state, t.named): t.count
        for t in db.session.scalars(select(CitizenTally).where(CitizenTally.position_id == position_id))
        if t.count
    }


def test_kept_counts_equal_a_recount_after_every_kind_of_change(app: Flask) -> None:
    rng = random.Random(16)
    moderator = make_user()
    consultation = campaign(moderator)
    document = make_document(consultation, moderator, "Un texte à amender.", mode="suggest")
    position = make_position(
        consultation, moderator, version=make_document_version(document, 1, "Un texte à amender.")
    )
    amendment = Amendment(
        document_id=document.id, number=1, passage="Un texte", replacement="Deux", reason="R"
    )
    db.session.add(amendment)
    db.session.commit()
    people = [make_user() for _ in range(12)]
    representative = make_user()
    organisation = make_organisation(representative)
    endorse(representative, position, organisation=organisation)  # organisations are not in these counts
    for index, person in enumerate(people):
        condition = amendment.id if index % 3 == 2 else None
        endorse(
            person,
            position,
            rng.choice(["endorse", "reservations"]),
            statement="Oui",
            show_name=rng.random() < 0.5,
            condition=condition,
        )
    for person in people[:4]:
        revoke(person, position)
    endorse(people[0], position, "oppose", statement="Non")  # endorsing again after a revocation
    endorse(people[5], position, "oppose", statement="Non", reason="Relu")  # another stance
    endorse(people[6], position, show_name=True, statement="Nommée maintenant", reason="Relu")
    positions.republish_position(
        moderator, consultation, position, positions.Source("text", "fr", text_fr="V2"), "V2"
    )
    endorse(people[7], position, reason="Sur la version 2")  # reconfirmed
    amendment.status = Amendment.ACCEPTED
    db.session.commit()
    catch_up(position)  # conditions met
    kept = _kept(position.id)
    tallies.recount(position.id)
    db.session.commit()
    assert kept == _kept(position.id)
    assert sum(kept.values()) == 9  # 12 citizens, 4 revoked, one of them back
    assert any(state == "met" for _v, _s, state, _n in kept), kept


def test_counts_are_not_lost_when_one_citizen_changes_twice_in_a_row(app: Flask) -> None:
    moderator = make_user()
    position = make_position(campaign(moderator), moderator)
    person = make_user()
    endorse(person, position)
    endorse(person, position, statement="Avec un mot")
    endorse(person, position, "stand_aside", reason="Je me retire")
    assert _kept(position.id) == {(position.current_version_id, "stand_aside", "", False): 1}
