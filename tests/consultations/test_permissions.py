"""Role × action table for consultations, for each status and visibility."""

from __future__ import annotations

import pytest

from civic.accounts.models import User
from civic.consultations import permissions
from civic.consultations.models import Consultation
from tests.factories import make_consultation, make_user

ROLES = ["anonymous", "citizen", "moderator", "other-moderator", "admin"]


def _setup(role: str, status: str = "open", visibility: str = "public") -> tuple[User | None, Consultation]:
    moderator = make_user(name="Moderator")
    consultation = make_consultation(status=status, visibility=visibility, moderators=[moderator])
    if role == "anonymous":
        return None, consultation
    if role == "moderator":
        return moderator, consultation
    if role == "other-moderator":
        user = make_user()
        make_consultation(moderators=[user])
        return user, consultation
    return make_user(admin=role == "admin"), consultation


VIEW = {
    ("open", "public"): [True, True, True, True, True],
    ("open", "registered"): [False, True, True, True, True],
    ("draft", "public"): [False, False, True, False, True],
    ("closed", "public"): [True, True, True, True, True],
    ("archived", "registered"): [False, True, True, True, True],
}


@pytest.mark.parametrize(("status", "visibility"), list(VIEW))
@pytest.mark.parametrize("role", ROLES)
def test_who_can_view(app: object, role: str, status: str, visibility: str) -> None:
    user, consultation = _setup(role, status, visibility)
    assert (
        permissions.can_view_consultation(user, consultation) is VIEW[(status, visibility)][ROLES.index(role)]
    )


ACTIONS = {
    "create": [False, False, False, False, True],
    "edit": [False, False, True, False, True],
    "move-phase": [False, False, True, False, True],
    "name-moderators": [False, False, False, False, True],
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_who_can_run(app: object, role: str, action: str) -> None:
    user, consultation = _setup(role)
    answer = {
        "create": lambda: permissions.can_create_consultation(user),
        "edit": lambda: permissions.can_edit_consultation(user, consultation),
        "move-phase": lambda: permissions.can_move_phase(user, consultation),
        "name-moderators": lambda: permissions.can_name_moderators(user, consultation),
    }[action]()
    assert answer is ACTIONS[action][ROLES.index(role)]
