"""Moderators decide an amendment: accepted (written into the text as a version credited to its author) or rejected.

Accepting one applies it as one Yjs update credited to its author; every other open amendment whose
passage it touched (every conflicting one) then becomes "outdated"; the others keep their place.
Decisions on one document run one at a time (the document's row lock). Listeners registered in
`decisions` hear of each decision once it has committed.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting import permissions as drafting_permissions
from civic.deliberation.drafting.amendments import decisions
from civic.deliberation.drafting.amendments.errors import AmendmentClosed, AmendmentInvalid
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.amendments.placement import locate
from civic.deliberation.drafting.documents import normalise_text
from civic.deliberation.drafting.errors import DocumentFull
from civic.deliberation.drafting.history.versions import record_version
from civic.deliberation.drafting.log.rows import rebuild
from civic.deliberation.drafting.log.updates import announce
from civic.deliberation.drafting.models import TITLE_MAX, Document, DocumentUpdate
from civic.errors import Forbidden
from civic.extensions import db
from civic.notifications import services as notifications
from civic.notifications.models import Notification
from civic.text import render_markdown
from civic.timestamps import utcnow

ANSWER_MAX = 5000


def clean_answer(answer: str, required: bool) -> str:
    answer = normalise_text(answer).strip()
    if required and not answer:
        raise AmendmentInvalid(_("Write the answer to the author."), "answer")
    if len(answer) > ANSWER_MAX:
        raise AmendmentInvalid(_("An answer has at most %(n)d characters.", n=ANSWER_MAX), "answer")
    return answer


def ensure_can_decide(user: User | None, amendment: Amendment) -> User:
    """Moderators of the document's consultation decide open amendments of documents not yet final."""
    if user is None or not drafting_permissions.can_manage_documents(user, amendment.document.consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if amendment.document.mode == Document.FINAL:
        raise AmendmentClosed(_("The document is final: its amendments can no longer be decided."))
    if amendment.status != Amendment.OPEN:
        raise AmendmentClosed(_("This amendment has already been decided."))
    return user


def lock_for_decision(amendment: Amendment, poll_open: bool) -> None:
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


def notify_author(amendment: Amendment, kind: str, moderator: User) -> Notification | None:
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


def apply(moderator: User, amendment: Amendment, answer: str) -> tuple[int, bytes]:
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


def finish_acceptance(amendment: Amendment, notice: Notification | None, row_id: int, data: bytes) -> None:
    document = amendment.document
    announce(document.id, row_id, data)
    if notice is not None:
        notifications.deliver(notice)
    record_version(document, amendment.author, _version_name(amendment))


def accept_amendment(user: User | None, amendment: Amendment, answer: str = "") -> None:
    """Apply the amendment to the text as a new version credited to its author, and tell the author."""
    user = ensure_can_decide(user, amendment)
    answer = clean_answer(answer, required=False)
    lock_for_decision(amendment, poll_open=False)
    row_id, data = apply(user, amendment, answer)
    notice = notify_author(amendment, "amendment_accepted", user)
    db.session.commit()
    finish_acceptance(amendment, notice, row_id, data)
    decisions.decided(amendment)


def reject_amendment(user: User | None, amendment: Amendment, answer: str) -> None:
    """Reject the amendment with an answer to its author (Markdown)."""
    user = ensure_can_decide(user, amendment)
    answer = clean_answer(answer, required=True)
    lock_for_decision(amendment, poll_open=False)
    reject(user, amendment, answer)
    notice = notify_author(amendment, "amendment_rejected", user)
    db.session.commit()
    if notice is not None:
        notifications.deliver(notice)
    decisions.decided(amendment)


def reject(moderator: User, amendment: Amendment, answer: str) -> None:
    amendment.status = Amendment.REJECTED
    amendment.decided_by_id, amendment.decided_at = moderator.id, utcnow()
    amendment.answer, amendment.answer_html = answer, str(render_markdown(answer)) if answer else ""
