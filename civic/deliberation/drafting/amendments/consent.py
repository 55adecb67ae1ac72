"""Consent polls on amendments: participants answer agree, abstain, disagree or block; closing decides."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.deliberation.drafting.amendments import decisions, permissions
from civic.deliberation.drafting.amendments.deciding import (
    apply,
    clean_answer,
    ensure_can_decide,
    finish_acceptance,
    lock_for_decision,
    notify_author,
    reject,
)
from civic.deliberation.drafting.amendments.errors import AmendmentClosed, AmendmentInvalid
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentVote
from civic.deliberation.drafting.amendments.placement import locate
from civic.deliberation.drafting.log.rows import text_at
from civic.extensions import db
from civic.notifications import services as notifications
from civic.voting.counting.consent import ConsentBallot, ConsentElection, count_consent
from civic.voting.counting.result import Result


def open_consent(user: User | None, amendment: Amendment) -> None:
    """Put the amendment to a consent poll: participants answer agree, abstain, disagree or block."""
    user = ensure_can_decide(user, amendment)
    if amendment.consent:
        raise AmendmentClosed(_("This amendment already has a consent poll."))
    amendment.consent = "open"
    db.session.commit()


def answer_consent(user: User | None, amendment: Amendment, response: str) -> None:
    """Record or change this person's answer in the amendment's consent poll."""
    if user is None or not permissions.can_answer_consent(user, amendment):
        raise AmendmentClosed(_("This consent poll is not open."))
    ensure_can_participate(user)
    if response not in AmendmentVote.RESPONSES:
        raise AmendmentInvalid(_("Choose an answer."), "response")
    vote = db.session.get(AmendmentVote, (amendment.id, user.id))
    if vote is None:
        db.session.add(AmendmentVote(amendment_id=amendment.id, user_id=user.id, response=response))
        try:
            db.session.commit()
            return
        except IntegrityError:  # answered meanwhile in another tab: change that answer
            db.session.rollback()
            vote = db.session.get(AmendmentVote, (amendment.id, user.id))
            if vote is None:
                raise
    vote.response = response
    db.session.commit()


def consent_responses(amendment: Amendment) -> dict[str, int]:
    """How many people gave each answer (every answer present, zeros included)."""
    counts = dict.fromkeys(AmendmentVote.RESPONSES, 0)
    rows = db.session.execute(
        select(AmendmentVote.response, func.count())
        .where(AmendmentVote.amendment_id == amendment.id)
        .group_by(AmendmentVote.response)
    )
    for response, count in rows:
        counts[response] = int(count)
    return counts


def consent_result(amendment: Amendment) -> Result:
    """Count the poll with the counting library's consent method (one block stops it; agree > object)."""
    name = str(amendment.number)
    ballots = [
        ConsentBallot((response,), count)  # type: ignore[arg-type]
        for response, count in consent_responses(amendment).items()
        if count
    ]
    return count_consent(ConsentElection(proposals=[name], ballots=ballots))


def my_consent(user: User | None, amendment: Amendment) -> str | None:
    if user is None:
        return None
    vote = db.session.get(AmendmentVote, (amendment.id, user.id))
    return vote.response if vote is not None else None


def close_consent(user: User | None, amendment: Amendment, answer: str = "") -> bool:
    """Count the poll and decide: the amendment is applied if it passes, rejected otherwise.

    Returns whether it was applied. One that passes but whose passage changed while the poll ran
    cannot be applied: it becomes outdated (the poll must still end with a decision).
    """
    user = ensure_can_decide(user, amendment)
    answer = clean_answer(answer, required=False)
    lock_for_decision(amendment, poll_open=True)
    passes = bool(consent_result(amendment).winners)
    applicable = not passes or locate(amendment, *text_at(amendment.document_id)) is not None
    if not answer:
        counts = consent_responses(amendment)
        summary = _(
            "Consent poll: %(agree)d agree, %(abstain)d abstain, %(disagree)d disagree, %(block)d block.",
            **counts,
        )
        if not applicable:
            verdict = _("The amendment is adopted, but its passage changed meanwhile: it cannot be applied.")
        elif passes:
            verdict = _("The amendment is adopted.")
        else:
            verdict = _("The amendment is not adopted.")
        answer = f"{summary} {verdict}"
    amendment.consent = "closed"
    if passes and applicable:
        row_id, data = apply(user, amendment, answer)
        notice = notify_author(amendment, "amendment_accepted", user)
        db.session.commit()
        finish_acceptance(amendment, notice, row_id, data)
        decisions.decided(amendment)
        return True
    reject(user, amendment, answer)
    if not applicable:
        amendment.status = Amendment.OUTDATED
    notice = notify_author(amendment, "amendment_rejected", user)
    db.session.commit()
    if notice is not None:
        notifications.deliver(notice)
    decisions.decided(amendment)
    return False
