"""Who may see, vote on, add to, run and reuse opinion maps: role × action tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civic.accounts.models import User
from civic.deliberation.opinions import permissions
from civic.deliberation.opinions.models import OpinionMap
from civic.extensions import db
from tests.deliberation.opinions.factories import make_map, opinions_consultation, statements_of
from tests.factories import make_user

ROLES = ["anonymous", "citizen", "moderator", "admin"]
Check = Callable[[User | None, OpinionMap], bool]
ACTIONS: dict[str, Check] = {
    "view": permissions.can_view_map,
    "vote": lambda u, m: permissions.can_vote(u, m),
    "add statement": lambda u, m: permissions.can_add_statement(u, m),
    "manage": lambda u, m: permissions.can_manage_maps(u, m.consultation),
    "reuse": lambda u, m: permissions.can_reuse_statement(u, statements_of(m)[0]),
}
# state -> action -> roles allowed
TABLE: dict[str, dict[str, set[str]]] = {
    "open": {
        "view": set(ROLES),
        "vote": {"citizen", "moderator", "admin"},
        "add statement": {"citizen", "moderator", "admin"},
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "moderators' statements only": {
        "view": set(ROLES),
        "vote": {"citizen", "moderator", "admin"},
        "add statement": {"moderator", "admin"},
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "map closed": {
        "view": set(ROLES),
        "vote": set(),
        "add statement": set(),
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "phase without opinion maps": {
        "view": set(ROLES),
        "vote": set(),
        "add statement": set(),
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "members-only consultation": {
        "view": {"citizen", "moderator", "admin"},
        "vote": {"citizen", "moderator", "admin"},
        "add statement": {"citizen", "moderator", "admin"},
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "draft consultation": {
        "view": {"moderator", "admin"},
        "vote": set(),
        "add statement": set(),
        "manage": {"moderator", "admin"},
        "reuse": {"moderator", "admin"},
    },
    "statement hidden": {
        "view": set(ROLES),
        "vote": {"citizen", "moderator", "admin"},
        "add statement": {"citizen", "moderator", "admin"},
        "manage": {"moderator", "admin"},
        "reuse": set(),
    },
}


def _world(state: str) -> tuple[dict[str, User | None], OpinionMap]:
    moderator = make_user(name="Modératrice")
    consultation = opinions_consultation(
        moderators=[moderator],
        visibility="registered" if state == "members-only consultation" else "public",
        open_now=state != "phase without opinion maps",
    )
    opinion_map = make_map(consultation, moderator)
    if state == "moderators' statements only":
        opinion_map.allow_statements = False
    if state == "map closed":
        opinion_map.status = OpinionMap.CLOSED
    if state == "draft consultation":
        consultation.status = "draft"
    if state == "statement hidden":
        statements_of(opinion_map)[0].hidden = True
    db.session.commit()
    people: dict[str, Any] = {
        "anonymous": None,
        "citizen": make_user(name="Citoyenne"),
        "moderator": moderator,
        "admin": make_user(name="Admin", admin=True),
    }
    return people, opinion_map


@pytest.mark.parametrize("state", list(TABLE))
def test_role_by_action(app: Any, state: str) -> None:
    people, opinion_map = _world(state)
    found = {
        action: {role for role in ROLES if check(people[role], opinion_map)}
        for action, check in ACTIONS.items()
    }
    assert found == TABLE[state]


def test_a_hidden_statement_takes_no_votes(app: Any) -> None:
    people, opinion_map = _world("statement hidden")
    hidden, shown = statements_of(opinion_map)[:2]
    assert not permissions.can_vote_on(people["citizen"], hidden)
    assert permissions.can_vote_on(people["citizen"], shown)
