"""Who may follow, take part in and run a live session: pure predicates, tested as role × action tables.

Facilitators are the consultation's moderators and the site's administrators. A session starts only in
a phase that enables live sessions; once started it runs until a facilitator ends it, as a meeting
does, whatever the calendar says meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, runs_consultation
from civic.consultations.services import component_enabled
from civic.deliberation.live.models import LiveSession, Question, QuickPoll


def live_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """The consultation is open and its current phase enables live sessions."""
    return component_enabled(consultation, "live", now)


def can_view_session(user: User | None, consultation: Consultation) -> bool:
    """Follow a session (its page, its projector view): whoever sees the consultation."""
    return can_view_consultation(user, consultation)


def can_facilitate(user: User | None, consultation: Consultation) -> bool:
    """Create, prepare and run sessions: the consultation's moderators and administrators."""
    return runs_consultation(user, consultation)


def can_prepare(user: User | None, session: LiveSession, consultation: Consultation) -> bool:
    """Change the session's details, agenda and prepared polls: until it ends."""
    return can_facilitate(user, consultation) and session.state != LiveSession.ENDED


def can_start(
    user: User | None, session: LiveSession, consultation: Consultation, now: datetime | None = None
) -> bool:
    return (
        can_facilitate(user, consultation)
        and session.state == LiveSession.PLANNED
        and live_open(consultation, now)
    )


def can_run(user: User | None, session: LiveSession, consultation: Consultation) -> bool:
    """The console's actions on a running session (floor, timers, polls, questions, announcements)."""
    return can_facilitate(user, consultation) and session.state == LiveSession.RUNNING


def can_take_part(user: User | None, session: LiveSession, consultation: Consultation) -> bool:
    """Raise a hand, answer a poll, ask: signed in, the consultation open and visible, the session running."""
    return (
        user is not None
        and consultation.status == "open"
        and can_view_consultation(user, consultation)
        and session.state == LiveSession.RUNNING
    )


def can_answer(user: User | None, poll: QuickPoll, session: LiveSession, consultation: Consultation) -> bool:
    return can_take_part(user, session, consultation) and poll.state == QuickPoll.OPEN


def can_support(
    user: User | None, question: Question, session: LiveSession, consultation: Consultation
) -> bool:
    """Support an approved question of someone else."""
    return (
        can_take_part(user, session, consultation)
        and question.state == Question.APPROVED
        and user is not None
        and question.author_id != user.id
    )


def can_edit_minutes(user: User | None, session: LiveSession, consultation: Consultation) -> bool:
    return can_facilitate(user, consultation) and session.state == LiveSession.ENDED


def can_read_minutes(user: User | None, session: LiveSession, consultation: Consultation) -> bool:
    """Published minutes are as public as the consultation; facilitators read their draft."""
    if not can_view_consultation(user, consultation):
        return False
    return session.minutes_published_at is not None or can_edit_minutes(user, session, consultation)
