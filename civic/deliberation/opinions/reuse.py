"""A statement taken further in one step: a proposal, an amendment to a document, a live session's agenda item.

Each goes through its own package's service (its permission, sanction check and validation); this
only checks that the person runs the consultation and that the statement is shown.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.amendments.services import propose_amendment
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import agenda
from civic.deliberation.live.models import AgendaItem, LiveSession
from civic.deliberation.opinions import permissions
from civic.deliberation.opinions.models import Statement
from civic.deliberation.proposals.models import Proposal
from civic.deliberation.proposals.services import create_proposal
from civic.errors import Forbidden, Invalid
from civic.extensions import db


def _ensure_can_reuse(user: User | None, statement: Statement) -> None:
    if not permissions.can_reuse_statement(user, statement):
        raise Forbidden(_("Only the consultation's moderators take a statement further."))
    ensure_can_participate(user)


def to_proposal(user: User | None, statement: Statement, title: str, body: str) -> Proposal:
    """Publish a proposal made of the statement (title and text as the moderator adjusted them)."""
    _ensure_can_reuse(user, statement)
    return create_proposal(user, statement.map.consultation, title, body, publish=True)


def documents_for_amendments(consultation: Consultation) -> list[Document]:
    """The consultation's documents open to amendments (in suggest mode)."""
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.consultation_id == consultation.id, Document.mode == Document.SUGGEST)
            .order_by(Document.id)
        )
    )


def to_amendment(
    user: User | None,
    statement: Statement,
    document_id: int | None,
    passage: str,
    replacement: str,
    reason: str,
) -> Amendment:
    """Suggest an amendment to a document of the consultation that carries the statement."""
    _ensure_can_reuse(user, statement)
    document = db.session.get(Document, document_id) if document_id is not None else None
    if document is None or document.consultation_id != statement.consultation_id:
        raise Invalid(_("Choose a document of this consultation."))
    return propose_amendment(user, document, passage, replacement, reason)


def sessions_for_agenda(consultation: Consultation) -> list[LiveSession]:
    """The consultation's live sessions whose agenda can still change (not ended), soonest first."""
    return list(
        db.session.scalars(
            select(LiveSession)
            .where(LiveSession.consultation_id == consultation.id, LiveSession.state != LiveSession.ENDED)
            .order_by(LiveSession.starts_at, LiveSession.id)
        )
    )


def to_agenda_item(
    user: User | None,
    statement: Statement,
    session_id: int | None,
    title: str,
    minutes: int | None,
    lang: str,
) -> AgendaItem:
    """Put the statement on a live session's agenda (its title in the moderator's language `lang`)."""
    _ensure_can_reuse(user, statement)
    session = db.session.get(LiveSession, session_id) if session_id is not None else None
    if session is None or session.consultation_id != statement.consultation_id:
        raise Invalid(_("Choose a live session of this consultation."))
    titles = {"title_fr": title, "title_en": ""} if lang == "fr" else {"title_fr": "", "title_en": title}
    return agenda.add_item(user, session, agenda.ItemData(minutes=minutes or 0, **titles))
