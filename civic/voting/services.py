"""Finding polls: one poll a visitor may see, a consultation's polls (counting those due), a socket's room."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.errors import NotFound
from civic.extensions import db
from civic.voting import permissions
from civic.voting.closing import count_if_due
from civic.voting.models import Poll


def get_poll(consultation: Consultation, poll_id: int, user: User | None) -> Poll:
    """Return the consultation's poll if this user may see the consultation; NotFound otherwise."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.consultation_id != consultation.id:
        raise NotFound()
    if not permissions.can_view_poll(user, consultation):
        raise NotFound()
    return poll


def result_of(poll: Poll) -> dict[str, Any] | None:
    """Return the stored result document (result, chain check, counts) once the poll is counted."""
    return json.loads(poll.result_json) if poll.result_json else None


def polls_of(consultation: Consultation) -> list[Poll]:
    """Return a consultation's polls, counting those whose time is up first."""
    polls = list(
        db.session.scalars(
            select(Poll)
            .where(Poll.consultation_id == consultation.id)
            .order_by(Poll.opens_at.desc(), Poll.id)
        )
    )
    for poll in polls:
        count_if_due(poll)
    return polls


def check_room(poll_id: Any, user: User | None) -> int:
    """Return the poll id a socket may follow (its consultation visible to this user), or raise NotFound."""
    if not isinstance(poll_id, int) or isinstance(poll_id, bool):
        raise NotFound()
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise NotFound()
    consultation = db.session.get(Consultation, poll.consultation_id)
    if consultation is None or not permissions.can_view_poll(user, consultation):
        raise NotFound()
    return poll.id
