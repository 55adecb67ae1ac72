"""Amendment verbs: propose a replacement of one passage, support it, decide it or put it to a consent poll.

Amendments build on the co-drafted document: they read its text through the drafting services and,
once accepted, are written into it as one more row of its update log. This module proposes and
supports; deciding (`deciding`), consent polls (`consent`) and places (`placement`) have modules of
their own, whose verbs are also reachable from here, where the views and other packages call them.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.deliberation.drafting.amendments import permissions
from civic.deliberation.drafting.amendments.consent import (
    answer_consent,
    close_consent,
    consent_responses,
    consent_result,
    my_consent,
    open_consent,
)
from civic.deliberation.drafting.amendments.deciding import ANSWER_MAX, accept_amendment, reject_amendment
from civic.deliberation.drafting.amendments.errors import AmendmentClosed, AmendmentInvalid
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentSupport
from civic.deliberation.drafting.amendments.placement import conflicts, locate, places
from civic.deliberation.drafting.documents import normalise_text
from civic.deliberation.drafting.log.rows import text_at
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.numbering import add_numbered
from civic.errors import Conflict, Forbidden, NotFound
from civic.extensions import db
from civic.text import is_blank, render_markdown

__all__ = [
    "ANSWER_MAX",
    "PASSAGE_MAX",
    "REASON_MAX",
    "REPLACEMENT_MAX",
    "AmendmentClosed",
    "AmendmentInvalid",
    "accept_amendment",
    "amendment_overview",
    "amendments_supported_by",
    "answer_consent",
    "close_consent",
    "conflicts",
    "consent_responses",
    "consent_result",
    "get_amendment",
    "locate",
    "my_consent",
    "open_consent",
    "places",
    "propose_amendment",
    "reject_amendment",
    "support_amendment",
    "withdraw_amendment_support",
]

PASSAGE_MAX = 2000
REPLACEMENT_MAX = 5000
REASON_MAX = 2000


def get_amendment(document: Document, number: int) -> Amendment:
    """The amendment no. `number` of this document (whose reading the caller has checked)."""
    amendment = db.session.scalar(
        select(Amendment).where(Amendment.document_id == document.id, Amendment.number == number)
    )
    if amendment is None:
        raise NotFound()
    return amendment


def _find_once(source: str, passage: str) -> int:
    """The position of the passage's only occurrence (overlapping ones count); AmendmentInvalid otherwise."""
    start = source.find(passage)
    if start < 0:
        raise AmendmentInvalid(
            _("This passage is not in the current text: copy it exactly from the text."), "passage"
        )
    occurrences, at = 1, source.find(passage, start + 1)
    while at >= 0:
        occurrences += 1
        at = source.find(passage, at + 1)
    if occurrences > 1:
        raise AmendmentInvalid(
            _(
                "This passage occurs %(n)d times in the text: add a few words before or after it so that "
                "it occurs only once.",
                n=occurrences,
            ),
            "passage",
        )
    return start


def _clean_amendment(passage: str, replacement: str, reason: str) -> tuple[str, str, str]:
    passage, replacement = normalise_text(passage).strip(), normalise_text(replacement).strip()
    reason = normalise_text(reason).strip()
    if not passage:
        raise AmendmentInvalid(_("Give the passage to replace."), "passage")
    if len(passage) > PASSAGE_MAX:
        raise AmendmentInvalid(_("A passage has at most %(n)d characters.", n=PASSAGE_MAX), "passage")
    if not replacement:
        raise AmendmentInvalid(_("Write the text that should replace the passage."), "replacement")
    if len(replacement) > REPLACEMENT_MAX:
        raise AmendmentInvalid(
            _("A replacement has at most %(n)d characters.", n=REPLACEMENT_MAX), "replacement"
        )
    if replacement == passage:
        raise AmendmentInvalid(_("The replacement is the same as the passage."), "replacement")
    if not reason or is_blank(reason):
        raise AmendmentInvalid(_("Explain why you propose this change."), "reason")
    if len(reason) > REASON_MAX:
        raise AmendmentInvalid(_("A reason has at most %(n)d characters.", n=REASON_MAX), "reason")
    return passage, replacement, reason


def propose_amendment(
    user: User | None, document: Document, passage: str, replacement: str, reason: str
) -> Amendment:
    """Propose replacing a passage of the current text (it must occur there exactly once)."""
    if user is None:
        raise Forbidden(_("Please sign in to propose an amendment."))
    if not permissions.can_propose_amendment(user, document):
        raise Forbidden(_("Amendments can be proposed only while the document is open to suggestions."))
    ensure_can_participate(user)
    passage, replacement, reason = _clean_amendment(passage, replacement, reason)
    current, last = text_at(document.id)
    start = _find_once(current, passage)
    fields = {
        "document_id": document.id,
        "author_id": user.id,
        "passage": passage,
        "replacement": replacement,
        "reason": reason,
        "reason_html": str(render_markdown(reason)),
        "base_update_id": last,
        "passage_start": start,
        "passage_end": start + len(passage),
    }
    return add_numbered(
        lambda number: Amendment(number=number, **fields),
        Amendment.number,
        Amendment.document_id == document.id,
    )


def support_amendment(user: User | None, amendment: Amendment) -> None:
    """Add this person's support (one each; not the author's own amendment)."""
    if user is not None and user.id == amendment.author_id:
        raise Conflict(_("You cannot support your own amendment."))
    if user is None or not permissions.can_support_amendment(user, amendment):
        raise AmendmentClosed(_("This amendment cannot be supported now."))
    ensure_can_participate(user)
    db.session.add(AmendmentSupport(amendment_id=amendment.id, user_id=user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("You already support this amendment.")) from None
    # An SQL increment, so two supports committed at once are both counted.
    db.session.execute(
        update(Amendment)
        .where(Amendment.id == amendment.id)
        .values(support_count=Amendment.support_count + 1)
    )
    db.session.commit()


def withdraw_amendment_support(user: User | None, amendment: Amendment) -> None:
    if user is None or not permissions.can_withdraw_amendment_support(user, amendment):
        raise AmendmentClosed(_("Supports of this amendment can no longer change."))
    found = db.session.get(AmendmentSupport, (amendment.id, user.id))
    if found is None:
        raise Conflict(_("You do not support this amendment."))
    db.session.delete(found)
    db.session.execute(
        update(Amendment)
        .where(Amendment.id == amendment.id)
        .values(support_count=Amendment.support_count - 1)
    )
    db.session.commit()


def amendments_supported_by(user: User | None, amendment_ids: list[int]) -> set[int]:
    """Which of these amendments the person supports (one query for a whole page)."""
    if user is None or not amendment_ids:
        return set()
    return set(
        db.session.scalars(
            select(AmendmentSupport.amendment_id).where(
                AmendmentSupport.user_id == user.id, AmendmentSupport.amendment_id.in_(amendment_ids)
            )
        )
    )


def amendment_overview(
    document: Document, amendments: list[Amendment]
) -> tuple[str, dict[int, tuple[int, int] | None], dict[int, list[int]]]:
    """The current text, where each open amendment's passage is now, and which open ones overlap."""
    current, last = text_at(document.id)
    where = places(current, last, amendments)
    return current, where, conflicts(where)
