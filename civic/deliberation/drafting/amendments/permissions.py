"""Who may propose, support, answer a consent poll on, or decide an amendment: pure predicates."""

from __future__ import annotations

from datetime import datetime

from civic.accounts.models import User
from civic.consultations.permissions import runs_consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.permissions import VIEWER, role_for


def can_propose_amendment(user: User | None, document: Document, now: datetime | None = None) -> bool:
    """Propose amendments: signed-in participants, while the document is in suggest mode and its phase open."""
    return user is not None and document.mode == Document.SUGGEST and role_for(user, document, now) != VIEWER


def _takes_part(user: User | None, amendment: Amendment, now: datetime | None) -> bool:
    """Support or answer a poll: an open amendment of a document that is not final, phase open."""
    return (
        user is not None
        and amendment.status == Amendment.OPEN
        and role_for(user, amendment.document, now) != VIEWER
    )


def can_support_amendment(user: User | None, amendment: Amendment, now: datetime | None = None) -> bool:
    """Support someone else's open amendment (its author supports it by proposing it)."""
    return _takes_part(user, amendment, now) and user is not None and user.id != amendment.author_id


def can_withdraw_amendment_support(
    user: User | None, amendment: Amendment, now: datetime | None = None
) -> bool:
    return _takes_part(user, amendment, now)


def can_answer_consent(user: User | None, amendment: Amendment, now: datetime | None = None) -> bool:
    return amendment.consent == "open" and _takes_part(user, amendment, now)


def can_decide_amendment(user: User | None, amendment: Amendment) -> bool:
    """Accept, reject or put to a consent poll: the consultation's moderators, never on a final document."""
    document = amendment.document
    return (
        amendment.status == Amendment.OPEN
        and document.mode != Document.FINAL
        and runs_consultation(user, document.consultation)
    )
