"""Role × action table for organisations."""

from __future__ import annotations

import pytest

from civic.accounts import permissions
from civic.accounts.models import Organisation, User
from tests.factories import make_organisation, make_user

ROLES = ["anonymous", "citizen", "pending", "representative", "admin"]


def _setup(role: str) -> tuple[User | None, Organisation]:
    founder = make_user(name="Founder")
    if role == "anonymous":
        return None, make_organisation(founder)
    user = make_user(admin=role == "admin")
    if role == "representative":
        organisation = make_organisation(founder)
        from civic.accounts.models import Membership
        from civic.extensions import db

        organisation.memberships.append(Membership(user=user, status=Membership.REPRESENTATIVE))
        db.session.commit()
        return user, organisation
    return user, make_organisation(founder, pending=[user] if role == "pending" else [])


# Expected answer per role, in the order of ROLES.
TABLE = {
    "create": [False, True, True, True, True],
    "edit": [False, False, False, True, True],
    "request": [False, True, False, False, True],
    "decide": [False, False, False, True, False],
    "verify": [False, False, False, False, True],
    "leave": [False, False, True, True, False],
}


def _ask(action: str, user: User | None, organisation: Organisation) -> bool:
    return {
        "create": lambda: permissions.can_create_organisation(user),
        "edit": lambda: permissions.can_edit_organisation(user, organisation),
        "request": lambda: permissions.can_request_membership(user, organisation),
        "decide": lambda: permissions.can_decide_membership(user, organisation),
        "verify": lambda: permissions.can_verify_organisation(user),
        "leave": lambda: permissions.can_leave_organisation(user, organisation),
    }[action]()


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_organisation_role_action_table(app: object, role: str, action: str) -> None:
    user, organisation = _setup(role)
    assert _ask(action, user, organisation) is TABLE[action][ROLES.index(role)]


def test_last_representative_cannot_leave(app: object) -> None:
    founder = make_user()
    organisation = make_organisation(founder)
    assert permissions.can_leave_organisation(founder, organisation) is False
