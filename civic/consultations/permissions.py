"""Who may see and run a consultation: pure predicates, tested as a role × action table."""

from __future__ import annotations

from civic.accounts.models import User
from civic.consultations.models import Consultation


def is_moderator(user: User | None, consultation: Consultation) -> bool:
    return user is not None and any(m.id == user.id for m in consultation.moderators)


def runs_consultation(user: User | None, consultation: Consultation) -> bool:
    return user is not None and (user.is_admin or is_moderator(user, consultation))


def can_view_consultation(user: User | None, consultation: Consultation) -> bool:
    if consultation.status == "draft":
        return runs_consultation(user, consultation)
    if consultation.visibility == "registered":
        return user is not None
    return True


def can_create_consultation(user: User | None) -> bool:
    return user is not None and user.is_admin


def can_edit_consultation(user: User | None, consultation: Consultation) -> bool:
    """Describe it, change status and visibility, define phases: administrators and its moderators."""
    return runs_consultation(user, consultation)


def can_move_phase(user: User | None, consultation: Consultation) -> bool:
    return runs_consultation(user, consultation)


def can_name_moderators(user: User | None, consultation: Consultation) -> bool:
    return user is not None and user.is_admin
