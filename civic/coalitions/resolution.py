"""What happens to endorsements by itself: conditions resolved when their amendment is decided, mandates
that expire.

The amendments package calls `amendment_decided` after each decision commits (registered from
coalitions' init_app through civic.deliberation.drafting.amendments.decisions): every pending condition
on an amendment of that document that is no longer open is resolved — met if the amendment was
accepted, failed otherwise (rejected, not adopted by its consent poll, outdated). `catch_up` does the
same for one position, and records mandates whose expiry date has passed, when its pages are shown: a
decision taken while a listener failed, or a date passing, is written to the history the next time
anyone looks (one query when there is nothing to do).
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import ColumnElement, and_, or_, select

from civic.accounts.models import Membership
from civic.coalitions import tallies
from civic.coalitions.endorsing import SNAPSHOT, announce, local_today
from civic.coalitions.models import (
    CONDITION_FAILED,
    CONDITION_MET,
    FAILED,
    MANDATE_EXPIRED,
    MET,
    PENDING,
    Endorsement,
    EndorsementEvent,
    Position,
    PositionVersion,
)
from civic.consultations.models import Consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.extensions import db
from civic.i18n import localized
from civic.notifications import services as notifications
from civic.timestamps import utcnow


def _due(where: ColumnElement[bool]) -> list[tuple[Endorsement, str | None]]:
    return [
        (endorsement, status)
        for endorsement, status in db.session.execute(
            select(Endorsement, Amendment.status)
            .outerjoin(Amendment, Amendment.id == Endorsement.condition_amendment_id)
            .where(Endorsement.watched.is_(True), Endorsement.active.is_(True), where)
            .order_by(Endorsement.id)
        )
    ]


def _pending_decided() -> ColumnElement[bool]:
    return and_(Endorsement.condition_state == PENDING, Amendment.status != Amendment.OPEN)


def _expired(today: date) -> ColumnElement[bool]:
    return and_(
        Endorsement.mandate_expires.is_not(None),
        Endorsement.mandate_expires < today,
        Endorsement.expiry_noted.is_(False),
    )


def _event(endorsement: Endorsement, kind: str) -> None:
    number = db.session.scalar(
        select(PositionVersion.number).where(PositionVersion.id == endorsement.version_id)
    )
    db.session.add(
        EndorsementEvent(
            endorsement_id=endorsement.id,
            position_id=endorsement.position_id,
            organisation_id=endorsement.organisation_id,
            kind=kind,
            actor_id=None,
            version_number=int(number or 0),
            **{name: getattr(endorsement, name) for name in SNAPSHOT},
        )
    )


def _people(endorsement: Endorsement) -> set[int]:
    if endorsement.user_id is not None:
        return {endorsement.user_id}
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == endorsement.organisation_id,
                Membership.status == Membership.REPRESENTATIVE,
            )
        )
    )


def _apply(due: list[tuple[Endorsement, str | None]], today: date) -> int:
    """Resolve and record what is due, commit, then tell the endorsers and the open pages."""
    if not due:
        return 0
    done: list[tuple[Endorsement, str]] = []
    now = utcnow()
    for endorsement, status in due:
        counted = tallies.key_of(endorsement)
        if endorsement.condition_state == PENDING and status not in (None, Amendment.OPEN):
            met = status == Amendment.ACCEPTED
            endorsement.condition_state = MET if met else FAILED
            endorsement.revision += 1
            endorsement.updated_at = now
            _event(endorsement, CONDITION_MET if met else CONDITION_FAILED)
            done.append((endorsement, "endorsement_condition_met" if met else "endorsement_condition_failed"))
        if (
            endorsement.mandate_expires is not None
            and endorsement.mandate_expires < today
            and not endorsement.expiry_noted
        ):
            endorsement.expiry_noted = True
            endorsement.revision += 1
            _event(endorsement, MANDATE_EXPIRED)
            done.append((endorsement, "endorsement_mandate_expired"))
        endorsement.rewatch()
        tallies.moved(counted, tallies.key_of(endorsement))
    db.session.commit()
    for endorsement, kind in done:
        position = db.session.get(Position, endorsement.position_id)
        consultation = db.session.get(Consultation, position.consultation_id) if position else None
        if position is None or consultation is None:
            continue
        url = url_for("coalitions.position", slug=consultation.slug, position_id=position.id)
        notifications.notify_many(
            _people(endorsement), kind, consultation.id, url, "", localized(position, "title")
        )
        announce(position, endorsement, kind)
    return len(done)


def amendment_decided(amendment: Amendment) -> None:
    """Resolve the pending conditions on the decided amendments of this amendment's document."""
    due = _due(and_(_pending_decided(), Amendment.document_id == amendment.document_id))
    _apply(due, local_today())


def catch_up(position: Position) -> int:
    """Resolve what is due for one position (conditions decided, mandates expired); return how many."""
    today = local_today()
    due = _due(and_(Endorsement.position_id == position.id, or_(_pending_decided(), _expired(today))))
    return _apply(due, today)
