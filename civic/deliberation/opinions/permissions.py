"""Who may see, vote on, add to, run and reuse an opinion map: pure predicates, tested as role × action tables."""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, runs_consultation
from civic.consultations.services import component_enabled
from civic.deliberation.opinions.models import OpinionMap, Statement


def opinions_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """The consultation is open and its current phase enables opinion maps."""
    return component_enabled(consultation, "opinions", now)


def can_view_map(user: User | None, opinion_map: OpinionMap) -> bool:
    """Whoever sees the consultation sees its maps, their statements and results (open data)."""
    return can_view_consultation(user, opinion_map.consultation)


def can_manage_maps(user: User | None, consultation: Consultation) -> bool:
    """Open, close, import and reuse maps: the consultation's moderators and administrators."""
    return runs_consultation(user, consultation)


def can_vote(user: User | None, opinion_map: OpinionMap, now: datetime | None = None) -> bool:
    return (
        user is not None
        and can_view_map(user, opinion_map)
        and opinion_map.status == OpinionMap.OPEN
        and opinions_open(opinion_map.consultation, now)
    )


def can_vote_on(user: User | None, statement: Statement, now: datetime | None = None) -> bool:
    return not statement.hidden and can_vote(user, statement.map, now)


def can_add_statement(user: User | None, opinion_map: OpinionMap, now: datetime | None = None) -> bool:
    """Add a statement: voters, when the map takes participants' statements; its moderators always."""
    return can_vote(user, opinion_map, now) and (
        opinion_map.allow_statements or runs_consultation(user, opinion_map.consultation)
    )


def can_reuse_statement(user: User | None, statement: Statement) -> bool:
    """Turn a statement into a proposal or an amendment: moderators, on a statement still shown."""
    return not statement.hidden and runs_consultation(user, statement.map.consultation)
