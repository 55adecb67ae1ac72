"""Who may do what with positions and endorsements: the predicates as tables, and the services as a
role × action table (the suspended and banned people are representatives and moderators, so that only
their sanction refuses them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from civic.accounts.models import Membership, Sanction, User
from civic.coalitions import endorsing, permissions, positions
from civic.coalitions.models import Position
from civic.consultations.models import Consultation
from civic.errors import CivicError
from civic.extensions import db
from civic.timestamps import utcnow
from tests.coalitions.factories import base_of, campaign, endorse, make_position, mandate
from tests.factories import make_organisation, make_user

ROLES = [
    "anonymous",
    "citizen",
    "representative",
    "other-representative",
    "moderator",
    "admin",
    "suspended",
    "banned",
]


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    moderator = make_user(name="Modératrice")
    consultation = campaign(moderator)
    position = make_position(consultation, moderator)
    people: dict[str, User | None] = {
        "anonymous": None,
        "citizen": make_user(name="Citoyenne"),
        "representative": make_user(name="Représentante"),
        "other-representative": make_user(name="Autre représentante"),
        "moderator": moderator,
        "admin": make_user(name="Admin", admin=True),
        "suspended": make_user(name="Suspendue"),
        "banned": make_user(name="Bannie"),
    }
    organisation = make_organisation(people["representative"], name="Association")
    make_organisation(people["other-representative"], name="Autre association")
    for state in ("suspended", "banned"):
        organisation.memberships.append(Membership(user=people[state], status=Membership.REPRESENTATIVE))
        consultation.moderators.append(people[state])
    db.session.commit()
    # Everyone signed in has endorsed in their own name, before any sanction.
    for role, person in people.items():
        if person is not None:
            endorse(person, position, show_name=role == "citizen")
    db.session.add_all(
        [
            Sanction(
                user_id=people["suspended"].id,
                kind="suspension",
                reason="Pause",
                ends_at=utcnow() + timedelta(days=2),
            ),  # type: ignore[union-attr]
            Sanction(user_id=people["banned"].id, kind="ban", reason="Abus"),  # type: ignore[union-attr]
        ]
    )
    db.session.commit()
    return {
        "people": people,
        "consultation": consultation,
        "position": position,
        "organisation": organisation,
    }


def _source() -> positions.Source:
    return positions.Source("text", "fr", text_fr="Un autre texte")


Action = Callable[[dict[str, Any], User | None], Any]


def _endorse_self(w: dict[str, Any], user: User | None) -> Any:
    base = base_of(w["position"], user) if user else 0
    data = endorsing.Endorsing("reservations", statement="Avec une réserve.", reason="Je nuance.")
    return endorsing.endorse(user, w["position"], w["consultation"], 1, data, base)


def _revoke_self(w: dict[str, Any], user: User | None) -> Any:
    base = base_of(w["position"], user) if user else 0
    return endorsing.revoke(user, w["position"], w["consultation"], "Je retire mon nom.", base)


def _endorse_organisation(w: dict[str, Any], user: User | None) -> Any:
    data = endorsing.Endorsing("endorse", **mandate())
    return endorsing.endorse(user, w["position"], w["consultation"], 1, data, 0, w["organisation"])


def _revoke_organisation(w: dict[str, Any], user: User | None) -> Any:
    representative = w["people"]["representative"]
    endorsing.endorse(
        representative,
        w["position"],
        w["consultation"],
        1,
        endorsing.Endorsing("endorse", **mandate()),
        0,
        w["organisation"],
    )
    base = base_of(w["position"], representative, w["organisation"])
    return endorsing.revoke(
        user, w["position"], w["consultation"], "Le conseil a changé d'avis.", base, w["organisation"]
    )


def _create(w: dict[str, Any], user: User | None) -> Any:
    now = utcnow()
    return positions.create_position(
        user, w["consultation"], "Autre", "", now, now + timedelta(days=3), _source()
    )


def _edit(w: dict[str, Any], user: User | None) -> Any:
    p: Position = w["position"]
    return positions.update_position(user, w["consultation"], p, "Nouveau titre", "", p.opens_at, p.closes_at)


def _republish(w: dict[str, Any], user: User | None) -> Any:
    return positions.republish_position(user, w["consultation"], w["position"], _source(), "Changement")


ACTIONS: dict[str, tuple[Action, set[str]]] = {
    "endorse in one's name": (
        _endorse_self,
        {"citizen", "representative", "other-representative", "moderator", "admin"},
    ),
    "revoke one's own": (
        _revoke_self,
        {"citizen", "representative", "other-representative", "moderator", "admin", "suspended", "banned"},
    ),
    "endorse for the organisation": (_endorse_organisation, {"representative"}),
    "revoke for the organisation": (_revoke_organisation, {"representative"}),
    "put a position forward": (_create, {"moderator", "admin"}),
    "change a position": (_edit, {"moderator", "admin"}),
    "republish a position": (_republish, {"moderator", "admin"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_table(world: dict[str, Any], role: str, action: str) -> None:
    run, allowed = ACTIONS[action]
    user = world["people"][role]
    try:
        run(world, user)
    except CivicError as error:
        assert role not in allowed, f"{role} refused: {error.message}"
        assert error.status == 403, (error.status, error.message)
    else:
        assert role in allowed, f"{role} was let through"


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_representative_acted(world: dict[str, Any], role: str) -> None:
    assert permissions.can_see_acting_representative(world["people"][role], world["organisation"]) == (
        role in {"representative", "admin", "suspended", "banned"}
    )


PERIODS = {
    # (opens in days, closes in days, consultation status) -> taking endorsements?
    "before": (1, 5, "open", False),
    "during": (-1, 5, "open", True),
    "after": (-5, -1, "open", False),
    "during, consultation closed": (-1, 5, "closed", False),
    "during, consultation archived": (-1, 5, "archived", False),
}


@pytest.mark.parametrize("period", PERIODS)
def test_endorsements_are_taken_only_during_the_period_of_an_open_consultation(period: str) -> None:
    opens, closes, status, expected = PERIODS[period]
    now = utcnow()
    position = Position(opens_at=now + timedelta(days=opens), closes_at=now + timedelta(days=closes))
    consultation = Consultation(status=status, visibility="public")
    assert permissions.taking_endorsements(position, consultation, now) is expected


def test_a_members_only_campaign_is_for_signed_in_people(app: Flask) -> None:
    consultation = Consultation(status="open", visibility="registered")
    assert not permissions.can_view_position(None, consultation)
    assert permissions.can_view_position(make_user(), consultation)
    draft = Consultation(status="draft", visibility="public")
    assert not permissions.can_view_position(make_user(), draft)
