"""Who may do what with proposals: pure predicates, tested as role × state × phase tables."""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation, runs_consultation
from civic.consultations.services import component_enabled
from civic.deliberation.proposals.models import Proposal


def can_create_proposal(user: User | None, consultation: Consultation, now: datetime | None = None) -> bool:
    return (
        user is not None
        and can_view_consultation(user, consultation)
        and component_enabled(consultation, "proposals", now)
    )


def can_view_proposal(user: User | None, proposal: Proposal) -> bool:
    """Drafts are private to their author; everything else is public within the consultation."""
    if not can_view_consultation(user, proposal.consultation):
        return False
    if proposal.state == Proposal.DRAFT:
        return user is not None and user.id == proposal.author_id
    return True


def can_see_hidden_content(user: User | None, proposal: Proposal) -> bool:
    return runs_consultation(user, proposal.consultation)


def can_edit_proposal(user: User | None, proposal: Proposal) -> bool:
    return (
        user is not None
        and user.id == proposal.author_id
        and proposal.state in (Proposal.DRAFT, Proposal.PUBLISHED)
        and not proposal.hidden
    )


def can_publish_proposal(user: User | None, proposal: Proposal, now: datetime | None = None) -> bool:
    return (
        user is not None
        and user.id == proposal.author_id
        and proposal.state == Proposal.DRAFT
        and component_enabled(proposal.consultation, "proposals", now)
    )


def can_support(user: User | None, proposal: Proposal, now: datetime | None = None) -> bool:
    """Signed-in people other than the author, on an open proposal, while the phase allows it."""
    return (
        user is not None
        and user.id != proposal.author_id
        and proposal.state in Proposal.OPEN_STATES
        and not proposal.hidden
        and can_view_consultation(user, proposal.consultation)
        and component_enabled(proposal.consultation, "proposals", now)
    )


def can_withdraw_support(user: User | None, proposal: Proposal, now: datetime | None = None) -> bool:
    return user is not None and component_enabled(proposal.consultation, "proposals", now)


def can_withdraw_proposal(user: User | None, proposal: Proposal) -> bool:
    return user is not None and user.id == proposal.author_id and proposal.state in Proposal.OPEN_STATES


def can_answer(user: User | None, proposal: Proposal) -> bool:
    """Moderators of the consultation and administrators decide and answer."""
    return proposal.state != Proposal.DRAFT and runs_consultation(user, proposal.consultation)


def can_manage_themes(user: User | None, consultation: Consultation) -> bool:
    return runs_consultation(user, consultation)
