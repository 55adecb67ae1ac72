"""Amendment verbs: propose a replacement of one passage, support it, decide it or put it to a consent poll.

Amendments build on the co-drafted document: they read its text through the drafting services and,
once accepted, are written into it as one more row of its update log.

An amendment replaces one passage of the text. Its place is the base update id and the passage's
offsets in the text as of that update; the edits from that text to the current one (crdt.edits) move
it, so it follows the passage through changes made elsewhere, and it can be applied only while no
edit touched the passage. (pycrdt 0.14's sticky indices mix UTF-8 and UTF-16 offsets inside a block
of non-ASCII text, so they misplace passages of French text: offsets and the base are used instead.)
Open amendments whose passages overlap conflict. Accepting one applies it as one Yjs update credited
to its author; every other open amendment whose passage it touched (every conflicting one) then
becomes "outdated"; the others keep their place.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting import permissions as drafting_permissions
from civic.deliberation.drafting.amendments import decisions, permissions
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentSupport, AmendmentVote
from civic.deliberation.drafting.documents import normalise_text
from civic.deliberation.drafting.errors import DocumentFull
from civic.deliberation.drafting.history.versions import record_version
from civic.deliberation.drafting.log.rows import rebuild, text_at
from civic.deliberation.drafting.log.updates import announce
from civic.deliberation.drafting.models import TITLE_MAX, Document, DocumentUpdate
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.notifications import services as notifications
from civic.notifications.models import Notification
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow
from civic.voting.counting.consent import ConsentBallot, ConsentElection, count_consent
from civic.voting.counting.result import Result

PASSAGE_MAX = 2000
REPLACEMENT_MAX = 5000
REASON_MAX = 2000
ANSWER_MAX = 5000


class AmendmentInvalid(Invalid):
    """Refused amendment input; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AmendmentClosed(Conflict):
    pass


def get_amendment(document: Document, number: int) -> Amendment:
    """The amendment no. `number` of this document (whose reading the caller has checked)."""
    amendment = db.session.scalar(
        select(Amendment).where(Amendment.document_id == document.id, Amendment.number == number)
    )
    if amendment is None:
        raise NotFound()
    return amendment


def _moved(base: str, current: str, start: int, end: int) -> int | None:
    """Where [start, end) of `base` starts in `current`, or None when an edit touched it.

    Edits are (start, end, replacement) in `base` coordinates, in order: those before the passage
    (an insertion right at its start included) shift it; one inside or across it changes it.
    """
    shift = 0
    for edit_start, edit_end, replacement in crdt.edits(base, current):
        if (edit_start < edit_end and edit_end <= start) or (edit_start == edit_end <= start):
            shift += len(replacement) - (edit_end - edit_start)
        elif edit_start >= end:
            break
        else:
            return None
    return start + shift


def _base_text(document_id: int, base: int, cache: dict[int, str]) -> str:
    if base not in cache:
        cache[base] = text_at(document_id, base)[0]
    return cache[base]


def locate(
    amendment: Amendment, current: str, last: int, cache: dict[int, str] | None = None
) -> tuple[int, int] | None:
    """Where the passage is in the current text (as of row `last`), in code points; None once changed.

    `cache` keeps the texts at each base already rebuilt (amendments of one document share a few).
    """
    start, end = amendment.passage_start, amendment.passage_end
    if amendment.base_update_id == last:  # nothing written since it was proposed
        return (start, end) if current[start:end] == amendment.passage else None
    base = _base_text(amendment.document_id, amendment.base_update_id, {} if cache is None else cache)
    if base[start:end] != amendment.passage:  # not as recorded: never apply it blindly
        return None
    moved = _moved(base, current, start, end)
    if moved is None or current[moved : moved + len(amendment.passage)] != amendment.passage:
        return None
    return moved, moved + len(amendment.passage)


def places(current: str, last: int, amendments: list[Amendment]) -> dict[int, tuple[int, int] | None]:
    """Where each open amendment's passage is now (by amendment id); decided ones are left out."""
    cache: dict[int, str] = {}
    return {a.id: locate(a, current, last, cache) for a in amendments if a.status == Amendment.OPEN}


def conflicts(where: dict[int, tuple[int, int] | None]) -> dict[int, list[int]]:
    """For each amendment id, the ids of the others whose passages overlap its own (by place now)."""
    found: dict[int, list[int]] = {amendment_id: [] for amendment_id in where}
    located = sorted((place, amendment_id) for amendment_id, place in where.items() if place is not None)
    for i, ((_start, end), amendment_id) in enumerate(located):
        for (other_start, _other_end), other_id in located[i + 1 :]:
            if other_start >= end:  # sorted by start: no later one can overlap
                break
            found[amendment_id].append(other_id)
            found[other_id].append(amendment_id)
    for ids in found.values():
        ids.sort()
    return found


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
    for _attempt in range(3):
        number = (
            db.session.scalar(select(func.max(Amendment.number)).where(Amendment.document_id == document.id))
            or 0
        ) + 1
        amendment = Amendment(number=number, **fields)
        db.session.add(amendment)
        try:
            db.session.commit()
        except IntegrityError:  # another process took this number: take the next one
            db.session.rollback()
            continue
        return amendment
    raise Conflict()


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


def _clean_answer(answer: str, required: bool) -> str:
    answer = normalise_text(answer).strip()
    if required and not answer:
        raise AmendmentInvalid(_("Write the answer to the author."), "answer")
    if len(answer) > ANSWER_MAX:
        raise AmendmentInvalid(_("An answer has at most %(n)d characters.", n=ANSWER_MAX), "answer")
    return answer


def _ensure_can_decide(user: User | None, amendment: Amendment) -> User:
    """Moderators of the document's consultation decide open amendments of documents not yet final."""
    if user is None or not drafting_permissions.can_manage_documents(user, amendment.document.consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if amendment.document.mode == Document.FINAL:
        raise AmendmentClosed(_("The document is final: its amendments can no longer be decided."))
    if amendment.status != Amendment.OPEN:
        raise AmendmentClosed(_("This amendment has already been decided."))
    return user


def _lock_for_decision(amendment: Amendment, poll_open: bool) -> None:
    """Take the document's row lock, then re-read the amendment: decisions on one document run one at a time.

    Two moderators accepting overlapping amendments at once would otherwise both find their passage
    intact. `poll_open`: the decision closes a consent poll (True) or is taken directly (False).
    """
    db.session.execute(
        update(Document).where(Document.id == amendment.document_id).values(updated_at=utcnow())
    )
    db.session.refresh(amendment)
    if amendment.status != Amendment.OPEN:
        db.session.rollback()
        raise AmendmentClosed(_("This amendment has already been decided."))
    if poll_open and amendment.consent != "open":
        db.session.rollback()
        raise AmendmentClosed(_("This consent poll is not open."))
    if not poll_open and amendment.consent == "open":
        db.session.rollback()
        raise AmendmentClosed(_("A consent poll is deciding this amendment: close it to decide."))


def _notify_author(amendment: Amendment, kind: str, moderator: User) -> Notification | None:
    if amendment.author_id is None or amendment.author_id == moderator.id:
        return None
    document = amendment.document
    return notifications.notify(
        amendment.author_id,
        kind,
        document.consultation_id,
        amendment.url,
        moderator.display_name,
        document.title_fr or document.title_en,
        commit=False,
    )


def _apply(moderator: User, amendment: Amendment, answer: str) -> tuple[int, bytes]:
    """Write the amendment into the text (caller holds the decision lock); return the row id and update."""
    document = amendment.document
    doc, last = rebuild(document.id)
    source = crdt.text_of(doc)
    cache: dict[int, str] = {}
    place = locate(amendment, source, last, cache)
    if place is None:
        db.session.rollback()
        raise AmendmentClosed(
            _("The passage has changed since this amendment was proposed: it can no longer be applied.")
        )
    others = list(
        db.session.scalars(
            select(Amendment).where(
                Amendment.document_id == document.id,
                Amendment.status == Amendment.OPEN,
                Amendment.id != amendment.id,
            )
        )
    )
    start, end = place
    first, final = len(source[:start].encode("utf-8")), len(source[:end].encode("utf-8"))
    text = crdt.body(doc)
    before = doc.get_state()
    with doc.transaction():
        del text[first:final]
        text.insert(first, amendment.replacement)
    limit = current_app.config["DRAFTING_MAX_TEXT_BYTES"]
    if len(text) > limit and len(text) > len(source.encode("utf-8")):
        db.session.rollback()
        raise DocumentFull(
            _("The document would pass its maximum size (%(n)d bytes of text) with this amendment.", n=limit)
        )
    data = doc.get_update(before)
    row = DocumentUpdate(document_id=document.id, data=data, user_id=amendment.author_id)
    db.session.add(row)
    db.session.flush()
    now = utcnow()
    amendment.status, amendment.applied_update_id = Amendment.ACCEPTED, row.id
    amendment.decided_by_id, amendment.decided_at = moderator.id, now
    amendment.answer, amendment.answer_html = answer, str(render_markdown(answer)) if answer else ""
    # Conflicting open amendments (their passage overlaps this one) become outdated; the others keep
    # their base and offsets, which map through this change like through any other edit.
    for other in others:
        where = locate(other, source, last, cache)
        if where is not None and where[0] < end and start < where[1]:
            other.status, other.decided_at = Amendment.OUTDATED, now
    return row.id, data


def _version_name(amendment: Amendment) -> str:
    author = amendment.author.display_name if amendment.author is not None else _("a former participant")
    return _("Amendment no. %(n)d by %(name)s", n=amendment.number, name=author)[:TITLE_MAX]


def _finish_acceptance(amendment: Amendment, notice: Notification | None, row_id: int, data: bytes) -> None:
    document = amendment.document
    announce(document.id, row_id, data)
    if notice is not None:
        notifications.deliver(notice)
    record_version(document, amendment.author, _version_name(amendment))


def accept_amendment(user: User | None, amendment: Amendment, answer: str = "") -> None:
    """Apply the amendment to the text as a new version credited to its author, and tell the author."""
    user = _ensure_can_decide(user, amendment)
    answer = _clean_answer(answer, required=False)
    _lock_for_decision(amendment, poll_open=False)
    row_id, data = _apply(user, amendment, answer)
    notice = _notify_author(amendment, "amendment_accepted", user)
    db.session.commit()
    _finish_acceptance(amendment, notice, row_id, data)
    decisions.decided(amendment)


def reject_amendment(user: User | None, amendment: Amendment, answer: str) -> None:
    """Reject the amendment with an answer to its author (Markdown)."""
    user = _ensure_can_decide(user, amendment)
    answer = _clean_answer(answer, required=True)
    _lock_for_decision(amendment, poll_open=False)
    _reject(user, amendment, answer)
    notice = _notify_author(amendment, "amendment_rejected", user)
    db.session.commit()
    if notice is not None:
        notifications.deliver(notice)
    decisions.decided(amendment)


def _reject(moderator: User, amendment: Amendment, answer: str) -> None:
    amendment.status = Amendment.REJECTED
    amendment.decided_by_id, amendment.decided_at = moderator.id, utcnow()
    amendment.answer, amendment.answer_html = answer, str(render_markdown(answer)) if answer else ""


# ---- consent polls on amendments ----------------------------------------------------------------------


def open_consent(user: User | None, amendment: Amendment) -> None:
    """Put the amendment to a consent poll: participants answer agree, abstain, disagree or block."""
    user = _ensure_can_decide(user, amendment)
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
    user = _ensure_can_decide(user, amendment)
    answer = _clean_answer(answer, required=False)
    _lock_for_decision(amendment, poll_open=True)
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
        row_id, data = _apply(user, amendment, answer)
        notice = _notify_author(amendment, "amendment_accepted", user)
        db.session.commit()
        _finish_acceptance(amendment, notice, row_id, data)
        decisions.decided(amendment)
        return True
    _reject(user, amendment, answer)
    if not applicable:
        amendment.status = Amendment.OUTDATED
    notice = _notify_author(amendment, "amendment_rejected", user)
    db.session.commit()
    if notice is not None:
        notifications.deliver(notice)
    decisions.decided(amendment)
    return False


def amendment_overview(
    document: Document, amendments: list[Amendment]
) -> tuple[str, dict[int, tuple[int, int] | None], dict[int, list[int]]]:
    """The current text, where each open amendment's passage is now, and which open ones overlap."""
    current, last = text_at(document.id)
    where = places(current, last, amendments)
    return current, where, conflicts(where)
