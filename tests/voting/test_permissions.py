"""Who may do what with a poll: a role × action table over the pure predicates."""

from __future__ import annotations

import pytest
from flask import Flask

from civic.accounts.models import User
from civic.timestamps import utcnow
from civic.voting import permissions
from civic.voting.models import Poll
from tests.factories import make_consultation, make_user
from tests.voting.factories import make_poll

ROLES = ["anonymous", "citizen", "not-invited", "moderator", "admin"]
# action -> roles allowed, on an open poll restricted to invitees (the citizen is invited).
TABLE = {
    "view": {"anonymous", "citizen", "not-invited", "moderator", "admin"},
    "manage": {"moderator", "admin"},
    "cast": {"citizen"},
    "close": {"moderator", "admin"},
    "see-results-before-closing": set(),
}


def _people() -> dict[str, User | None]:
    return {
        "anonymous": None,
        "citizen": make_user(),
        "not-invited": make_user(),
        "moderator": make_user(),
        "admin": make_user(admin=True),
    }


def _allowed(action: str, user: User | None, poll: Poll, consultation: object) -> bool:
    now = utcnow()
    return {
        "view": lambda: permissions.can_view_poll(user, consultation),  # type: ignore[arg-type]
        "manage": lambda: permissions.can_manage_polls(user, consultation),  # type: ignore[arg-type]
        "cast": lambda: permissions.can_cast(user, poll, consultation, now),  # type: ignore[arg-type]
        "close": lambda: permissions.can_close_poll(user, poll, consultation),  # type: ignore[arg-type]
        "see-results-before-closing": lambda: permissions.can_see_results(user, poll, consultation),  # type: ignore[arg-type]
    }[action]()


@pytest.mark.parametrize("action", TABLE)
def test_role_action_table(app: Flask, action: str) -> None:
    people = _people()
    consultation = make_consultation(moderators=[people["moderator"]])  # type: ignore[list-item]
    poll = make_poll(consultation, eligibility="invited")
    poll.invitees = [people["citizen"]]  # type: ignore[list-item]
    allowed = {role for role in ROLES if _allowed(action, people[role], poll, consultation)}
    assert allowed == TABLE[action]


@pytest.mark.parametrize(
    ("opens", "closes", "state"), [(1, 2, "scheduled"), (-1, 2, "open"), (-2, -1, "closed")]
)
def test_poll_state_follows_its_dates(app: Flask, opens: int, closes: int, state: str) -> None:
    poll = make_poll(make_consultation(), opens_in_days=opens, closes_in_days=closes)
    assert permissions.poll_state(poll, utcnow()) == state


def test_no_one_casts_in_a_closed_consultation(app: Flask) -> None:
    consultation = make_consultation(status="closed")
    poll = make_poll(consultation)
    assert not permissions.can_cast(make_user(), poll, consultation, utcnow())


def test_results_are_visible_to_everyone_once_counted(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    poll.result_json = "{}"
    assert permissions.can_see_results(None, poll, consultation)
