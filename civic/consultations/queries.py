"""Read models for consultation pages."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.consultations.models import Consultation, consultation_moderators
from civic.extensions import db


def visible_query(user: User | None) -> Select[tuple[Consultation]]:
    """Select the consultations this user may see (phases and moderators loaded with them), unordered.

    Moderators: what someone may do in a consultation depends on whether they run it (the home page asks).
    """
    query = select(Consultation).options(
        selectinload(Consultation.phases), selectinload(Consultation.moderators)
    )
    if user is None:
        return query.where(Consultation.status != "draft", Consultation.visibility == "public")
    if not user.is_admin:
        moderated = select(consultation_moderators.c.consultation_id).where(
            consultation_moderators.c.user_id == user.id
        )
        query = query.where(or_(Consultation.status != "draft", Consultation.id.in_(moderated)))
    return query


def visible_consultations(user: User | None) -> list[Consultation]:
    """Return the consultations this user may see, newest first, phases loaded in the same trip."""
    return list(db.session.scalars(visible_query(user).order_by(Consultation.created_at.desc())))
