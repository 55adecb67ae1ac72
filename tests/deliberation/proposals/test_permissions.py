"""Role × action tables for proposals, by state and by phase."""

from __future__ import annotations

import pytest

from civic.accounts.models import User
from civic.deliberation.proposals import permissions
from civic.deliberation.proposals.models import Proposal
from tests.factories import make_consultation, make_proposal, make_user

ROLES = ["anonymous", "citizen", "author", "moderator", "admin"]


def _setup(role: str, state: str, phase: str = "proposals") -> tuple[User | None, Proposal]:
    moderator, author = make_user(), make_user()
    phases = [("information", -10, -1), (phase, -1, 10)]
    consultation = make_consultation(moderators=[moderator], phases=phases)
    proposal = make_proposal(consultation, author, state=state)
    user = {
        "anonymous": None,
        "citizen": make_user(),
        "author": author,
        "moderator": moderator,
        "admin": make_user(admin=True),
    }[role]
    return user, proposal


ACTIONS = {
    "view": lambda u, p: permissions.can_view_proposal(u, p),
    "edit": lambda u, p: permissions.can_edit_proposal(u, p),
    "publish": lambda u, p: permissions.can_publish_proposal(u, p),
    "support": lambda u, p: permissions.can_support(u, p),
    "withdraw": lambda u, p: permissions.can_withdraw_proposal(u, p),
    "answer": lambda u, p: permissions.can_answer(u, p),
}

# state -> action -> answers for ROLES (anonymous, citizen, author, moderator, admin), in a proposals phase.
TABLE = {
    "draft": {
        "view": [False, False, True, False, False],
        "edit": [False, False, True, False, False],
        "publish": [False, False, True, False, False],
        "support": [False, False, False, False, False],
        "withdraw": [False, False, False, False, False],
        "answer": [False, False, False, False, False],
    },
    "published": {
        "view": [True, True, True, True, True],
        "edit": [False, False, True, False, False],
        "publish": [False, False, False, False, False],
        "support": [False, True, False, True, True],
        "withdraw": [False, False, True, False, False],
        "answer": [False, False, False, True, True],
    },
    "accepted": {
        "view": [True, True, True, True, True],
        "edit": [False, False, False, False, False],
        "publish": [False, False, False, False, False],
        "support": [False, False, False, False, False],
        "withdraw": [False, False, False, False, False],
        "answer": [False, False, False, True, True],
    },
    "withdrawn": {
        "view": [True, True, True, True, True],
        "edit": [False, False, False, False, False],
        "publish": [False, False, False, False, False],
        "support": [False, False, False, False, False],
        "withdraw": [False, False, False, False, False],
        "answer": [False, False, False, True, True],
    },
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_proposal_role_state_action_table(app: object, role: str, state: str, action: str) -> None:
    user, proposal = _setup(role, state)
    assert ACTIONS[action](user, proposal) is TABLE[state][action][ROLES.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_nobody_supports_or_proposes_outside_a_proposals_phase(app: object, role: str) -> None:
    user, proposal = _setup(role, "published", phase="voting")
    assert permissions.can_support(user, proposal) is False
    assert permissions.can_create_proposal(user, proposal.consultation) is False


def test_signed_in_people_propose_during_a_proposals_phase(app: object) -> None:
    user, proposal = _setup("citizen", "published")
    assert permissions.can_create_proposal(user, proposal.consultation) is True
    assert permissions.can_create_proposal(None, proposal.consultation) is False
