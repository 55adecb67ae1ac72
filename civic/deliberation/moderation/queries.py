"""Read models for the moderator queue and the public log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from civic.accounts.models import Sanction, User
from civic.consultations.models import Consultation, consultation_moderators
from civic.deliberation.moderation import places, targets
from civic.deliberation.moderation.models import Flag, ModerationAction
from civic.extensions import db
from civic.timestamps import utcnow

QUEUE_SIZE = 50
LOG_PAGE = 50
SANCTIONS_PAGE = 50


@dataclass
class QueueItem:
    kind: str
    target_id: int
    target: Any
    count: int
    first_at: datetime
    reasons: Counter[str] = field(default_factory=Counter)
    texts: list[str] = field(default_factory=list)
    shown: places.Shown | None = None


def queue(consultation: Consultation) -> list[QueueItem]:
    """Return flagged content not yet reviewed, oldest first, with the reasons given (not who gave them)."""
    rows = db.session.execute(
        select(Flag.kind, Flag.target_id, func.count(Flag.id), func.min(Flag.created_at))
        .where(Flag.consultation_id == consultation.id, Flag.resolved.is_(False))
        .group_by(Flag.kind, Flag.target_id)
        .order_by(func.min(Flag.created_at), Flag.kind, Flag.target_id)
        .limit(QUEUE_SIZE)
    ).all()
    items = {
        (kind, target_id): QueueItem(kind, target_id, targets.load(kind, target_id), count, first_at)
        for kind, target_id, count, first_at in rows
    }
    if items:
        flags = db.session.scalars(
            select(Flag)
            .where(
                Flag.consultation_id == consultation.id,
                Flag.resolved.is_(False),
                Flag.target_id.in_({target_id for _kind, target_id in items}),
            )
            .order_by(Flag.created_at)
        )
        for report in flags:
            item = items.get((report.kind, report.target_id))
            if item is not None:
                item.reasons[report.reason] += 1
                if report.text:
                    item.texts.append(report.text)
    # first_at from an aggregate comes back naive on SQLite: the ORM rows hold aware values.
    found = [item for item in items.values() if item.target is not None]
    for item in found:
        item.shown = places.show(item.kind, item.target)
    return found


@dataclass(frozen=True, slots=True)
class Waiting:
    """What the header says to someone who moderates: how many reported contributions await review."""

    count: int


def waiting(user: User | None) -> Waiting | None:
    """Return the number of contributions waiting in this person's queues, or None if they moderate none.

    One statement for the header of every page: whether they moderate any consultation, and how many
    distinct reported contributions no moderator has settled there (everywhere, for an administrator).
    """
    if user is None:
        return None
    moderated = select(consultation_moderators.c.consultation_id).where(
        consultation_moderators.c.user_id == user.id
    )
    pending = select(Flag.kind, Flag.target_id).where(Flag.resolved.is_(False))
    if not user.is_admin:
        pending = pending.where(Flag.consultation_id.in_(moderated))
    pending_items = pending.group_by(Flag.kind, Flag.target_id).subquery()
    moderates, count = db.session.execute(
        select(
            select(func.count()).select_from(moderated.subquery()).scalar_subquery(),
            select(func.count()).select_from(pending_items).scalar_subquery(),
        )
    ).one()
    if not user.is_admin and not moderates:
        return None
    return Waiting(int(count or 0))


def waiting_by_consultation(user: User) -> list[tuple[Consultation, int]]:
    """Return the consultations whose queue this person sees, each with its number of waiting items:
    a moderator's own consultations; for an administrator, every consultation with something waiting
    and those they moderate. Most waiting first, then by title."""
    items = (
        select(Flag.consultation_id)
        .where(Flag.resolved.is_(False))
        .group_by(Flag.consultation_id, Flag.kind, Flag.target_id)
        .subquery()
    )
    counts: dict[int, int] = {
        int(consultation_id): int(count)
        for consultation_id, count in db.session.execute(
            select(items.c.consultation_id, func.count()).group_by(items.c.consultation_id)
        )
    }
    moderated = select(consultation_moderators.c.consultation_id).where(
        consultation_moderators.c.user_id == user.id
    )
    query = select(Consultation).where(Consultation.id.in_(moderated))
    if user.is_admin:
        query = select(Consultation).where(
            or_(Consultation.id.in_(moderated), Consultation.id.in_(list(counts)))
        )
    rows = [(c, int(counts.get(c.id, 0))) for c in db.session.scalars(query)]
    rows.sort(key=lambda row: (-row[1], row[0].title_fr or row[0].title_en, row[0].id))
    return rows


def public_log(consultation: Consultation, page: int = 1) -> tuple[list[ModerationAction], bool]:
    """Return one page of the consultation's log, newest first, and whether an older page exists."""
    entries = list(
        db.session.scalars(
            select(ModerationAction)
            .where(ModerationAction.consultation_id == consultation.id)
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
            .offset((page - 1) * LOG_PAGE)
            .limit(LOG_PAGE + 1)
        )
    )
    return entries[:LOG_PAGE], len(entries) > LOG_PAGE


def sanctions_in_force(person_id: int | None = None, page: int = 1) -> tuple[list[Sanction], bool]:
    """Return one page of the suspensions and bans not lifted nor ended (of one person, or everyone's),
    those ending soonest first and open-ended bans last, and whether another page exists."""
    query = (
        select(Sanction)
        .where(Sanction.lifted.is_(False), or_(Sanction.ends_at.is_(None), Sanction.ends_at > utcnow()))
        .options(joinedload(Sanction.user))
        .order_by(Sanction.ends_at.is_(None), Sanction.ends_at, Sanction.id)
    )
    if person_id is not None:
        query = query.where(Sanction.user_id == person_id)
    rows = list(db.session.scalars(query.offset((page - 1) * SANCTIONS_PAGE).limit(SANCTIONS_PAGE + 1)))
    return rows[:SANCTIONS_PAGE], len(rows) > SANCTIONS_PAGE
