"""What an agenda item can be about: a proposal, a document, an amendment or a poll of the same consultation."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from civic.consultations.models import Consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.models import Document
from civic.deliberation.live.models import AgendaItem
from civic.deliberation.proposals.models import Proposal
from civic.errors import Invalid
from civic.extensions import db
from civic.i18n import localized
from civic.voting.models import Poll

KINDS = AgendaItem.LINK_KINDS


def parse(value: str | None) -> tuple[str, int] | None:
    """Read a choice "kind:id" of the agenda form; None for no link; Invalid for anything else."""
    if not value:
        return None
    kind, _sep, ident = value.partition(":")
    if kind not in KINDS or not ident.isascii() or not ident.isdigit() or not 0 < int(ident) < 2**63:
        raise Invalid(_("Choose what the item is about from the list."))
    return kind, int(ident)


def resolve(consultation: Consultation, kind: str, ident: int) -> tuple[str, str]:
    """Return the title and address of a linkable object of this consultation; Invalid otherwise."""
    found = _find(consultation, kind, ident)
    if found is None:
        raise Invalid(
            _(
                "An agenda item can only be about a published proposal, a document, an amendment or a poll of this consultation."
            )
        )
    return found


def _find(consultation: Consultation, kind: str, ident: int) -> tuple[str, str] | None:
    slug = consultation.slug
    if kind == "proposal":
        proposal = db.session.get(Proposal, ident)
        if (
            proposal is None
            or proposal.consultation_id != consultation.id
            or proposal.state not in Proposal.PUBLIC_STATES
            or proposal.hidden
        ):
            return None
        return proposal.title, url_for("proposals.show", slug=slug, proposal_id=proposal.id)
    if kind == "document":
        document = db.session.get(Document, ident)
        if document is None or document.consultation_id != consultation.id:
            return None
        return localized(document, "title"), url_for("drafting.show", slug=slug, document_id=document.id)
    if kind == "amendment":
        amendment = db.session.get(Amendment, ident)
        document = db.session.get(Document, amendment.document_id) if amendment is not None else None
        if amendment is None or document is None or document.consultation_id != consultation.id:
            return None
        title = _(
            "Amendment no. %(number)d to “%(document)s”",
            number=amendment.number,
            document=localized(document, "title"),
        )
        return title, url_for("amendments.show", slug=slug, document_id=document.id, number=amendment.number)
    if kind == "poll":
        poll = db.session.get(Poll, ident)
        if poll is None or poll.consultation_id != consultation.id:
            return None
        return localized(poll, "question"), url_for("voting.show", slug=slug, poll_id=poll.id)
    return None


def choices(consultation: Consultation) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the agenda form offers, grouped by kind: (group label, [(value, label)])."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.consultation_id == consultation.id,
            Proposal.state.in_(Proposal.PUBLIC_STATES),
            Proposal.hidden.is_(False),
        )
        .order_by(Proposal.id)
    )
    documents = list(
        db.session.scalars(
            select(Document).where(Document.consultation_id == consultation.id).order_by(Document.id)
        )
    )
    titles = {d.id: localized(d, "title") for d in documents}
    amendments: list[Amendment] = []
    if titles:
        amendments = list(
            db.session.scalars(
                select(Amendment)
                .where(Amendment.document_id.in_(list(titles)))
                .order_by(Amendment.document_id, Amendment.number)
            )
        )
    polls = db.session.scalars(select(Poll).where(Poll.consultation_id == consultation.id).order_by(Poll.id))
    groups = [
        (_("Proposals"), [(f"proposal:{p.id}", p.title) for p in proposals]),
        (_("Documents"), [(f"document:{d.id}", titles[d.id]) for d in documents]),
        (
            _("Amendments"),
            [
                (
                    f"amendment:{a.id}",
                    _(
                        "Amendment no. %(number)d to “%(document)s”",
                        number=a.number,
                        document=titles[a.document_id],
                    ),
                )
                for a in amendments
            ],
        ),
        (_("Polls"), [(f"poll:{p.id}", localized(p, "question")) for p in polls]),
    ]
    return [(label, options) for label, options in groups if options]


def describe(item: AgendaItem) -> dict[str, Any] | None:
    """The link as the state carries it (saved with the item)."""
    if not item.link_kind:
        return None
    return {"kind": item.link_kind, "title": item.link_title, "url": item.link_url}
