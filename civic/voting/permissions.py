"""Who may run polls, vote and see results: pure predicates, tested as a role × action table."""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import Membership, User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_edit_consultation, can_view_consultation
from civic.voting.models import Poll


def poll_state(poll: Poll, now: datetime) -> str:
    """Return "scheduled" before opening, "open" while ballots are taken, "closed" after."""
    if poll.closed_at is not None or now >= poll.closes_at:
        return "closed"
    if now < poll.opens_at:
        return "scheduled"
    return "open"


def can_view_poll(user: User | None, consultation: Consultation) -> bool:
    return can_view_consultation(user, consultation)


def can_manage_polls(user: User | None, consultation: Consultation) -> bool:
    """Create, edit and close polls: the consultation's moderators and administrators."""
    return can_edit_consultation(user, consultation)


def is_eligible(user: User | None, poll: Poll) -> bool:
    """Tell whether this person is on the poll's electoral roll (open or not)."""
    if user is None:
        return False
    if poll.eligibility == "registered":
        return True
    if poll.eligibility == "organisations":
        listed = {o.id for o in poll.organisations}
        return any(
            m.organisation_id in listed and m.status == Membership.REPRESENTATIVE for m in user.memberships
        )
    if poll.eligibility == "invited":
        return any(invitee.id == user.id for invitee in poll.invitees)
    return False


def can_cast(user: User | None, poll: Poll, consultation: Consultation, now: datetime) -> bool:
    return (
        user is not None
        and consultation.status == "open"
        and can_view_consultation(user, consultation)
        and poll_state(poll, now) == "open"
        and is_eligible(user, poll)
    )


def can_close_poll(user: User | None, poll: Poll, consultation: Consultation) -> bool:
    return can_manage_polls(user, consultation) and poll.closed_at is None


def can_see_results(user: User | None, poll: Poll, consultation: Consultation) -> bool:
    """Results and ballots are published once counted, never before (no partial results)."""
    return can_view_consultation(user, consultation) and poll.result_json is not None
