"""Endorsement rules in the service: one per organisation and per person, during the period, on the current
version, in the organisation's name only for its representatives; every refusal writes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic.accounts.models import Membership, Sanction
from civic.coalitions import endorsing, positions
from civic.coalitions.endorsing import STATEMENT_MAX, Endorsing
from civic.coalitions.models import Endorsement, EndorsementEvent, Position
from civic.deliberation.drafting.amendments.models import Amendment
from civic.errors import CivicError
from civic.extensions import db
from civic.timestamps import utcnow
from tests.coalitions.factories import (
    base_of,
    campaign,
    endorse,
    make_document_version,
    make_position,
    mandate,
    revoke,
)
from tests.factories import make_document, make_organisation, make_user

# Counts, upserts, locking and input limits differ between the databases: both run these.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _digest() -> str:
    """Every endorsement and event row: equal before and after means nothing was written."""
    db.session.rollback()
    digest = hashlib.sha256()
    for model in (Endorsement, EndorsementEvent):
        for row in db.session.scalars(select(model).order_by(model.id)):
            digest.update(
                repr(sorted((k, repr(v)) for k, v in vars(row).items() if not k.startswith("_"))).encode()
            )
    return digest.hexdigest()


def _events(position: Position) -> int:
    return int(
        db.session.scalar(select(func.count()).where(EndorsementEvent.position_id == position.id)) or 0
    )


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    document = make_document(consultation, moderator, "Le texte. Une phrase à amender.", mode="suggest")
    version = make_document_version(document, 1, "Le texte. Une phrase à amender.")
    position = make_position(consultation, moderator, version=version)
    representative = make_user(name="Représentante")
    organisation = make_organisation(representative, name="Association")
    amendment = Amendment(
        document_id=document.id, number=1, passage="Une phrase", replacement="Deux phrases", reason="Mieux"
    )
    db.session.add(amendment)
    db.session.commit()
    return {
        "moderator": moderator,
        "consultation": consultation,
        "document": document,
        "position": position,
        "representative": representative,
        "organisation": organisation,
        "amendment": amendment,
        "citizen": make_user(name="Citoyenne"),
    }


def test_a_citizen_endorses_and_the_event_is_written(world: dict[str, Any]) -> None:
    position = world["position"]
    found = endorse(world["citizen"], position, "endorse", statement="Oui **vraiment**", show_name=True)
    assert found.active and found.stance == "endorse" and found.show_name
    assert found.statement_html == "<p>Oui <strong>vraiment</strong></p>"
    assert found.content_hash == positions.current_version(position).content_hash
    event = db.session.scalar(select(EndorsementEvent).where(EndorsementEvent.endorsement_id == found.id))
    assert event is not None and event.kind == "given" and event.version_number == 1
    assert event.actor_id == world["citizen"].id and event.content_hash == found.content_hash


def test_an_organisation_endorses_through_its_representative_with_a_mandate(world: dict[str, Any]) -> None:
    found = endorse(world["representative"], world["position"], organisation=world["organisation"])
    assert found.organisation_id == world["organisation"].id and found.user_id is None
    assert found.acted_by_id == world["representative"].id
    assert found.signatory_name == "Claire Dubé" and found.mandate_body == "Conseil d'administration"


def test_one_endorsement_per_organisation_whoever_represents_it(world: dict[str, Any]) -> None:
    second = make_user(name="Autre représentante")
    organisation = world["organisation"]
    organisation.memberships.append(Membership(user=second, status=Membership.REPRESENTATIVE))
    db.session.commit()
    endorse(world["representative"], world["position"], organisation=organisation)
    before = _digest()
    # The second representative opened the form before the first one endorsed (base 0): refused.
    with pytest.raises(endorsing.AlreadyEndorsed):
        endorsing.endorse(
            second,
            world["position"],
            world["consultation"],
            1,
            Endorsing(stance="oppose", **mandate()),
            0,
            organisation,
        )
    assert _digest() == before
    assert db.session.scalar(select(func.count()).select_from(Endorsement)) == 1


def test_endorsing_twice_in_the_same_words_is_refused(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"], statement="Oui")
    before = _digest()
    with pytest.raises(endorsing.AlreadyEndorsed):
        endorse(world["citizen"], world["position"], statement="Oui")
    assert _digest() == before


def test_a_form_filled_before_a_change_made_meanwhile_is_refused(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"], statement="Oui")
    stale = base_of(world["position"], world["citizen"])
    endorse(world["citizen"], world["position"], statement="Oui, et plus")  # another tab
    before = _digest()
    with pytest.raises(endorsing.ChangedMeanwhile):
        endorsing.endorse(
            world["citizen"],
            world["position"],
            world["consultation"],
            1,
            Endorsing("endorse", "Autre"),
            stale,
        )
    assert _digest() == before


def test_changing_stance_needs_a_reason_and_is_kept_in_the_history(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"])
    before = _digest()
    with pytest.raises(endorsing.EndorsementInvalid) as refused:
        endorse(world["citizen"], world["position"], "oppose")
    assert "reason" in refused.value.fields
    assert _digest() == before
    found = endorse(world["citizen"], world["position"], "oppose", reason="Le texte a changé de sens.")
    kinds = list(
        db.session.scalars(
            select(EndorsementEvent.kind)
            .where(EndorsementEvent.endorsement_id == found.id)
            .order_by(EndorsementEvent.id)
        )
    )
    assert kinds == ["given", "changed"]


def test_same_stance_other_words_is_an_update_without_reason(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"], statement="Oui")
    found = endorse(world["citizen"], world["position"], statement="Oui, sans réserve")
    last = db.session.scalar(
        select(EndorsementEvent)
        .where(EndorsementEvent.endorsement_id == found.id)
        .order_by(EndorsementEvent.id.desc())
        .limit(1)
    )
    assert last is not None and last.kind == "updated" and last.statement == "Oui, sans réserve"


def test_revoking_needs_a_reason_then_endorsing_again_is_a_new_endorsement(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"])
    before = _digest()
    with pytest.raises(endorsing.EndorsementInvalid):
        revoke(world["citizen"], world["position"], reason="  \u200b ")
    assert _digest() == before
    found = revoke(world["citizen"], world["position"], reason="Je retire mon nom.")
    assert not found.active
    found = endorse(world["citizen"], world["position"], "reservations", statement="Mais prudemment.")
    kinds = list(
        db.session.scalars(
            select(EndorsementEvent.kind)
            .where(EndorsementEvent.endorsement_id == found.id)
            .order_by(EndorsementEvent.id)
        )
    )
    assert kinds == ["given", "revoked", "given"]
    assert found.active and found.stance == "reservations"


def test_nothing_to_revoke_is_a_conflict(world: dict[str, Any]) -> None:
    with pytest.raises(CivicError):
        revoke(world["citizen"], world["position"])


# ---- bad input: each a clear message, nothing stored ------------------------------------------------


def _outside_period(w: dict[str, Any]) -> Callable[[], Any]:
    position = w["position"]
    position.opens_at = utcnow() + timedelta(days=1)
    position.closes_at = utcnow() + timedelta(days=5)
    db.session.commit()
    return lambda: endorse(w["citizen"], position)


def _after_period(w: dict[str, Any]) -> Callable[[], Any]:
    position = w["position"]
    position.opens_at = utcnow() - timedelta(days=5)
    position.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return lambda: endorse(w["citizen"], position)


def _closed_consultation(w: dict[str, Any]) -> Callable[[], Any]:
    w["consultation"].status = "closed"
    db.session.commit()
    return lambda: endorse(w["citizen"], w["position"])


def _not_representative(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], organisation=w["organisation"])


def _pending_member(w: dict[str, Any]) -> Callable[[], Any]:
    member = make_user(name="En attente")
    organisation = make_organisation(w["representative"], name="Autre", pending=[member])
    return lambda: endorse(member, w["position"], organisation=organisation)


def _superseded(w: dict[str, Any]) -> Callable[[], Any]:
    positions.republish_position(
        w["moderator"],
        w["consultation"],
        w["position"],
        positions.Source("text", "fr", text_fr="Nouveau texte"),
        "Tout change",
    )
    return lambda: endorse(w["citizen"], w["position"], number=1)


def _oversized(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], statement="x" * (STATEMENT_MAX + 1))


def _reservations_unsaid(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], "reservations", statement="\u200b")


def _other_documents_amendment(w: dict[str, Any]) -> Callable[[], Any]:
    other = make_document(w["consultation"], w["moderator"], "Autre texte", mode="suggest")
    amendment = Amendment(document_id=other.id, number=1, passage="Autre", replacement="Un", reason="R")
    db.session.add(amendment)
    db.session.commit()
    return lambda: endorse(w["citizen"], w["position"], condition=amendment.id)


def _unknown_amendment(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], condition=2**62)


def _decided_amendment(w: dict[str, Any]) -> Callable[[], Any]:
    w["amendment"].status = Amendment.REJECTED
    db.session.commit()
    return lambda: endorse(w["citizen"], w["position"], condition=w["amendment"].id)


def _condition_on_opposition(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], "oppose", condition=w["amendment"].id)


def _future_mandate(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(
        w["representative"],
        w["position"],
        organisation=w["organisation"],
        mandate_date=date.today() + timedelta(days=3),
    )


def _expired_mandate(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(
        w["representative"],
        w["position"],
        organisation=w["organisation"],
        mandate_date=date.today() - timedelta(days=90),
        mandate_expires=date.today() - timedelta(days=2),
    )


def _script_link(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(
        w["representative"], w["position"], organisation=w["organisation"], mandate_url="javascript:alert(1)"
    )


def _no_signatory(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(
        w["representative"], w["position"], organisation=w["organisation"], signatory_name=" "
    )


def _no_stance(w: dict[str, Any]) -> Callable[[], Any]:
    return lambda: endorse(w["citizen"], w["position"], "maybe")


def _suspended(w: dict[str, Any]) -> Callable[[], Any]:
    db.session.add(
        Sanction(
            user_id=w["citizen"].id, kind="suspension", reason="Pause", ends_at=utcnow() + timedelta(days=1)
        )
    )
    db.session.commit()
    return lambda: endorse(w["citizen"], w["position"])


BAD = {
    "before the period": (_outside_period, "Endorsements are taken from"),
    "after the period": (_after_period, "Endorsements are taken from"),
    "closed consultation": (_closed_consultation, "Endorsements are taken from"),
    "for an organisation one does not represent": (_not_representative, "You do not represent Association"),
    "for an organisation one only asked to join": (_pending_member, "You do not represent Autre"),
    "on a superseded version": (_superseded, "Version 1 has been replaced by version 2"),
    "an oversized statement": (_oversized, "At most 2000 characters"),
    "reservations without saying them": (_reservations_unsaid, "Say what your reservations are."),
    "a condition on another document's amendment": (
        _other_documents_amendment,
        "only name an amendment of the document",
    ),
    "a condition on an unknown amendment": (_unknown_amendment, "only name an amendment of the document"),
    "a condition on a decided amendment": (_decided_amendment, "has already been decided"),
    "a condition on an opposition": (_condition_on_opposition, "Only an endorsement"),
    "a mandate dated in the future": (_future_mandate, "A mandate cannot be dated in the future"),
    "an expired mandate": (_expired_mandate, "This mandate has already expired"),
    "a resolution link that is a script": (_script_link, "must start with http:// or https://"),
    "no signatory": (_no_signatory, "Give the name of the person who signs."),
    "no stance": (_no_stance, "Choose a stance."),
    "a suspended person": (_suspended, "Your account is suspended"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(
    world: dict[str, Any], case: str
) -> None:
    prepare, message = BAD[case]
    attempt = prepare(world)
    before = _digest()
    with pytest.raises(CivicError) as refused:
        attempt()
    assert message in refused.value.message or any(
        message in m for m in getattr(refused.value, "fields", {}).values()
    )
    assert 400 <= refused.value.status < 500
    assert _digest() == before


def test_a_refusal_lists_every_field_at_fault_at_once(world: dict[str, Any]) -> None:
    with pytest.raises(endorsing.EndorsementInvalid) as refused:
        endorse(
            world["representative"],
            world["position"],
            organisation=world["organisation"],
            statement="x" * (STATEMENT_MAX + 1),
            signatory_role="",
            mandate_date=date.today() + timedelta(days=1),
            mandate_url="ftp://example.org",
        )
    assert set(refused.value.fields) == {"statement", "signatory_role", "mandate_date", "mandate_url"}


def test_a_mandate_dated_today_in_the_sites_zone_is_accepted(world: dict[str, Any]) -> None:
    today = endorsing.local_today()
    found = endorse(
        world["representative"], world["position"], organisation=world["organisation"], mandate_date=today
    )
    assert found.mandate_date == today


def test_a_suspended_citizen_may_still_revoke_their_own_endorsement(world: dict[str, Any]) -> None:
    endorse(world["citizen"], world["position"])
    db.session.add(Sanction(user_id=world["citizen"].id, kind="ban", reason="Abus"))
    db.session.commit()
    assert not revoke(world["citizen"], world["position"], reason="Je retire mon nom.").active


def test_a_suspended_representative_cannot_revoke_in_the_organisations_name(world: dict[str, Any]) -> None:
    endorse(world["representative"], world["position"], organisation=world["organisation"])
    db.session.add(Sanction(user_id=world["representative"].id, kind="ban", reason="Abus"))
    db.session.commit()
    before = _digest()
    with pytest.raises(CivicError, match="banned"):
        revoke(world["representative"], world["position"], organisation=world["organisation"])
    assert _digest() == before


def test_counts_follow_stances_conditions_and_versions(world: dict[str, Any]) -> None:
    from civic.coalitions import queries

    position = world["position"]
    endorse(world["citizen"], position)
    endorse(make_user(), position, "oppose")
    endorse(make_user(), position, condition=world["amendment"].id)
    endorse(world["representative"], position, organisation=world["organisation"])
    tally = queries.tally(db.session.get(Position, position.id))
    assert tally.by_stance(False) == {"endorse": 1, "reservations": 0, "stand_aside": 0, "oppose": 1}
    assert tally.pending() == 1
    assert tally.by_stance(True, False)["endorse"] == 1  # the organisation is not verified
    assert queries.badge_count(position) == 0  # badges count verified organisations only
    world["organisation"].verified = True
    db.session.commit()
    assert queries.badge_count(position) == 1
