"""Who may put positions forward and endorse them: pure predicates, tested as a role × action table.

Sanctions are not predicates' business: every service that writes calls
civic.accounts.sanctions.ensure_can_participate after these checks.
"""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import Organisation, User
from civic.accounts.permissions import is_representative
from civic.coalitions.models import Position
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, runs_consultation

UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"


def period_state(position: Position, now: datetime) -> str:
    """Return "upcoming" before the endorsement period, "open" during it, "closed" after."""
    if now < position.opens_at:
        return UPCOMING
    if now >= position.closes_at:
        return CLOSED
    return OPEN


def taking_endorsements(position: Position, consultation: Consultation, now: datetime) -> bool:
    """Endorsements are given, changed and revoked only during the period of an open consultation."""
    return consultation.status == "open" and period_state(position, now) == OPEN


def can_view_position(user: User | None, consultation: Consultation) -> bool:
    return can_view_consultation(user, consultation)


def can_manage_positions(user: User | None, consultation: Consultation) -> bool:
    """Create, edit and republish positions: the consultation's moderators and administrators."""
    return runs_consultation(user, consultation)


def can_endorse_as_citizen(
    user: User | None, position: Position, consultation: Consultation, now: datetime
) -> bool:
    """Give, change, reconfirm or revoke one's own endorsement."""
    return (
        user is not None
        and can_view_consultation(user, consultation)
        and taking_endorsements(position, consultation, now)
    )


def can_endorse_for(
    user: User | None,
    organisation: Organisation,
    position: Position,
    consultation: Consultation,
    now: datetime,
) -> bool:
    """Give, change, reconfirm or revoke an organisation's endorsement: its representatives only."""
    return (
        is_representative(user, organisation)
        and can_view_consultation(user, consultation)
        and taking_endorsements(position, consultation, now)
    )


def can_see_acting_representative(user: User | None, organisation: Organisation) -> bool:
    """Who in an organisation acted on its behalf: its own representatives, and site administrators."""
    return user is not None and (user.is_admin or is_representative(user, organisation))
