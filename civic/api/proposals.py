"""Proposals: the list (filters and search as on the site), one proposal, writing and supporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView
from sqlalchemy import func

from civic.api import pagination, schemas
from civic.api.base import WRITE, api_user, blueprint, writer
from civic.consultations import services as consultations
from civic.deliberation.proposals import search
from civic.deliberation.proposals import services as proposals
from civic.deliberation.proposals.models import Proposal
from civic.deliberation.proposals.queries import visible_proposals

bp = blueprint("proposals", "Proposals of a consultation: read, search, put forward, support")

_SORTS: dict[str, Callable[[], list[Any]]] = {
    "newest": lambda: [func.coalesce(Proposal.published_at, Proposal.created_at), Proposal.id],
    "supported": lambda: [Proposal.support_count, Proposal.id],
    "discussed": lambda: [Proposal.comment_count, Proposal.id],
}
_KEYS: dict[str, Callable[[Proposal], tuple[Any, ...]]] = {
    "newest": lambda p: (p.published_at or p.created_at, p.id),
    "supported": lambda p: (p.support_count, p.id),
    "discussed": lambda p: (p.comment_count, p.id),
}


def proposal_document(proposal: Proposal) -> dict[str, Any]:
    """A proposal as the site shows it to everyone: hidden ones keep their place, not their text."""
    shown = not proposal.hidden
    return {
        "id": proposal.id,
        "state": proposal.state,
        "title": proposal.title if shown else None,
        "body": proposal.body if shown else None,
        "body_html": proposal.body_html if shown else None,
        "hidden": proposal.hidden,
        "hidden_reason": proposal.hidden_reason if proposal.hidden else None,
        "author": {"name": proposal.author.display_name} if proposal.author and shown else None,
        "organisation": proposal.organisation.slug if proposal.organisation and shown else None,
        "theme": (
            {"fr": proposal.theme.name_fr, "en": proposal.theme.name_en} if proposal.theme and shown else None
        ),
        "supports": proposal.support_count,
        "comments": proposal.comment_count,
        "published_at": proposal.published_at,
        "url": url_for(
            "proposals.show", slug=proposal.consultation.slug, proposal_id=proposal.id, _external=True
        ),
    }


@bp.route("/consultations/<slug>/proposals")
class Proposals(MethodView):
    @bp.etag
    @bp.arguments(schemas.ProposalArgs, location="query")
    @bp.response(200, schemas.ProposalPage)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """A page of the consultation's proposals this person may see, filtered and sorted."""
        user = api_user()
        consultation = consultations.get_consultation(slug, user)
        query = visible_proposals(consultation, user)
        if args.get("theme") is not None:
            query = query.where(Proposal.theme_id == args["theme"])
        if args.get("state"):
            query = query.where(Proposal.state == args["state"])
        condition = search.matching(args.get("q") or "")
        if condition is not None:
            query = query.where(condition)
        sort = args["sort"]
        found = pagination.page(query, _SORTS[sort](), _KEYS[sort], args.get("cursor"), args.get("limit"))
        return {"items": [proposal_document(p) for p in found.items], "next": found.next}

    @bp.arguments(schemas.ProposalIn)
    @bp.response(201, schemas.Proposal)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.doc(**WRITE)
    def post(self, data: dict[str, Any], slug: str) -> dict[str, Any]:
        """Put forward a proposal (published at once, or a private draft with "publish": false)."""
        user = writer()
        consultation = consultations.get_consultation(slug, user)
        proposal = proposals.create_proposal(
            user, consultation, data["title"], data["body"], data.get("theme"), None, publish=data["publish"]
        )
        return proposal_document(proposal)


@bp.route("/consultations/<slug>/proposals/<int:proposal_id>")
class OneProposal(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, schemas.Proposal)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, proposal_id: int) -> dict[str, Any]:
        """One proposal."""
        user = api_user()
        consultation = consultations.get_consultation(slug, user)
        return proposal_document(proposals.get_proposal(consultation, proposal_id, user))


@bp.route("/consultations/<slug>/proposals/<int:proposal_id>/support")
class Support(MethodView):
    @bp.response(200, schemas.Proposal)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.doc(**WRITE)
    def put(self, slug: str, proposal_id: int) -> dict[str, Any]:
        """Support the proposal (once per person)."""
        user = writer()
        proposal = proposals.get_proposal(consultations.get_consultation(slug, user), proposal_id, user)
        proposals.support(user, proposal)
        return proposal_document(proposal)

    @bp.response(200, schemas.Proposal)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.doc(**WRITE)
    def delete(self, slug: str, proposal_id: int) -> dict[str, Any]:
        """Withdraw your support."""
        user = writer()
        proposal = proposals.get_proposal(consultations.get_consultation(slug, user), proposal_id, user)
        proposals.withdraw_support(user, proposal)
        return proposal_document(proposal)
