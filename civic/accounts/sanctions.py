"""What a suspension or ban stops: the one predicate every write of the site checks in its service.

While a sanction is in force a person can read, manage their account (password, language, sign-out,
notifications) and take back what they gave (delete their comment, withdraw their proposal or a
support, leave an organisation). They cannot add, change or decide anything others see: post, edit,
support, vote, flag, co-write, endorse, moderate, create or edit an organisation. Each service that
writes calls `ensure_can_participate` before it validates or writes anything; tests/test_sanctions.py
walks every form of the app against each sanction state, so a new write that forgets it fails there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from civic.accounts.models import Sanction, User
from civic.errors import Forbidden
from civic.extensions import db
from civic.moments import when
from civic.timestamps import utcnow


class Sanctioned(Forbidden):
    """The person is suspended or banned: the message gives the reason and the end date."""


def _in_force(now: datetime | None) -> tuple[Any, ...]:
    now = now or utcnow()
    return Sanction.lifted.is_(False), or_(Sanction.ends_at.is_(None), Sanction.ends_at > now)


def in_force_clause(user_id: Any, now: datetime | None = None) -> Any:
    """An SQL condition true when the person `user_id` (a column) is under a sanction in force."""
    return (
        select(Sanction.id)
        .where(Sanction.user_id == user_id, *_in_force(now))
        .correlate_except(Sanction)
        .exists()
    )


def sanctioned_ids(user_ids: set[int], now: datetime | None = None) -> set[int]:
    """Of these people, those under a sanction in force (one query for many; see active_sanction)."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(select(Sanction.user_id).where(Sanction.user_id.in_(user_ids), *_in_force(now)))
    )


def active_sanction(user: User, now: datetime | None = None) -> Sanction | None:
    """Return the sanction in force for this person that ends last (open-ended bans first), if any."""
    return db.session.scalar(
        select(Sanction)
        .where(Sanction.user_id == user.id, *_in_force(now))
        .order_by(Sanction.ends_at.is_(None).desc(), Sanction.ends_at.desc())
        .limit(1)
    )


def is_sanctioned(user: User | None, now: datetime | None = None) -> bool:
    return user is not None and active_sanction(user, now) is not None


def ensure_can_participate(user: User | None) -> None:
    """Raise Sanctioned when the person is suspended or banned (anonymous visitors pass: the caller
    refuses them in its own words)."""
    if user is None:
        return
    sanction = active_sanction(user)
    if sanction is None:
        return
    if sanction.ends_at is None:
        message = _("Your account has been banned. Reason: %(reason)s", reason=sanction.reason)
    elif sanction.kind == "ban":
        message = _(
            "Your account has been banned until %(date)s. Reason: %(reason)s",
            date=when(sanction.ends_at),
            reason=sanction.reason,
        )
    else:
        message = _(
            "Your account is suspended until %(date)s. Reason: %(reason)s",
            date=when(sanction.ends_at),
            reason=sanction.reason,
        )
    raise Sanctioned(message)
