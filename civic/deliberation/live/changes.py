"""How every change of a session happens: take the session's row, change, log, commit, then announce.

`change(session_id)` opens the change: its first statement raises the session's version, which takes
the row for the rest of the transaction (a row lock on PostgreSQL, the write lock on SQLite), so that
two facilitators' actions, on one process or several, happen one after the other and each sees the
other's result. On success the state built inside the change is committed, then published: nothing is
announced that is not stored. On any error the transaction is rolled back: nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select, update

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.live import broadcast, permissions
from civic.deliberation.live import state as states
from civic.deliberation.live.models import LiveSession, SessionEvent
from civic.errors import Conflict, Forbidden, NotFound
from civic.extensions import db
from civic.timestamps import utcnow

# now: at once, to everyone (the console's actions); soon: gathered with others (participants'
# changes); quiet: only consoles are told (a question awaiting approval).
Publish = Literal["now", "soon", "quiet"]


class SessionEnded(Conflict):
    code = "session_ended"


class NotRunning(Conflict):
    code = "not_running"


@dataclass
class Change:
    """A change under way: the session, locked and fresh, and the events it logs."""

    session: LiveSession
    actor: User | None
    events: list[SessionEvent] = field(default_factory=list)

    def log(self, kind: str, **data: Any) -> None:
        event = SessionEvent(
            session_id=self.session.id,
            at=utcnow(),
            kind=kind,
            actor_id=self.actor.id if self.actor else None,
            data_json=json.dumps(data, ensure_ascii=False, sort_keys=True),
        )
        db.session.add(event)
        self.events.append(event)


def lock(session_id: int) -> LiveSession:
    """Raise the session's version, holding its row until the transaction ends; return it re-read."""
    raised = db.session.execute(
        update(LiveSession).where(LiveSession.id == session_id).values(version=LiveSession.version + 1)
    )
    if raised.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound()
    # What this request read before the lock may be stale: read it all again.
    db.session.expire_all()
    session = db.session.scalar(select(LiveSession).where(LiveSession.id == session_id).with_for_update())
    if session is None:
        raise NotFound()
    return session


@contextmanager
def change(session_id: int, actor: User | None, publish: Publish = "now") -> Iterator[Change]:
    """Change a session in one transaction: locked, committed on success, published after the commit."""
    try:
        current = Change(lock(session_id), actor)
        yield current
        data = states.public_state(current.session) if publish == "now" else None
        version = current.session.version
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    # The version this change made, for the socket's acknowledgement (read later, another change
    # may have come since).
    g.live_version = version
    if data is not None:
        broadcast.state(data)
    elif publish == "soon":
        broadcast.soon(session_id)
    else:
        broadcast.nudge(session_id, version)


def consultation_of(session: LiveSession) -> Consultation:
    consultation = db.session.get(Consultation, session.consultation_id)
    if consultation is None:
        raise NotFound()
    return consultation


def facilitator(user: User | None, session: LiveSession) -> tuple[User, Consultation]:
    """Check that this person runs the session's consultation and may act; return them and it."""
    consultation = consultation_of(session)
    if not permissions.can_view_session(user, consultation):
        raise NotFound()
    if user is None or not permissions.can_facilitate(user, consultation):
        raise Forbidden(_("Only the consultation's moderators run its live sessions."))
    ensure_can_participate(user)
    return user, consultation


def participant(
    user: User | None, session: LiveSession, taking_back: bool = False
) -> tuple[User, Consultation]:
    """Check that this person may take part in the session now; return them and its consultation.

    `taking_back`: the person withdraws what they gave (a raised hand, a support), which a suspension
    or a ban does not stop (civic.accounts.sanctions).
    """
    consultation = consultation_of(session)
    if not permissions.can_view_session(user, consultation):
        raise NotFound()
    if user is None:
        raise Forbidden(_("Please sign in to take part in the session."))
    if not taking_back:
        ensure_can_participate(user)
    running(session)
    if consultation.status != "open":
        raise Forbidden(_("This consultation is not open: it takes no contributions."))
    return user, consultation


def running(session: LiveSession) -> None:
    """Refuse a change that needs the session under way."""
    if session.state == LiveSession.ENDED:
        raise SessionEnded(_("This session has ended."))
    if session.state != LiveSession.RUNNING:
        raise NotRunning(_("This session has not started yet."))


def preparing(session: LiveSession) -> None:
    if session.state == LiveSession.ENDED:
        raise SessionEnded(_("This session has ended: its agenda and polls can no longer change."))
