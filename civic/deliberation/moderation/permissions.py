"""Who may flag, moderate and sanction: pure predicates, tested as a role × action table."""

from __future__ import annotations

from typing import Any

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, is_moderator


def can_flag(user: User | None, consultation: Consultation, target: Any) -> bool:
    """Any signed-in person who can see the content, except its author."""
    return (
        user is not None
        and can_view_consultation(user, consultation)
        and getattr(target, "author_id", None) != user.id
    )


def can_moderate(user: User | None, consultation: Consultation) -> bool:
    """Hide, restore, lock and see the queue: the consultation's moderators and site administrators."""
    return user is not None and (user.is_admin or is_moderator(user, consultation))


def can_sanction(user: User | None) -> bool:
    """Suspend or ban a person (site-wide): site administrators only."""
    return user is not None and user.is_admin


def can_view_log(user: User | None, consultation: Consultation) -> bool:
    """The public log is as public as the consultation."""
    return can_view_consultation(user, consultation)
