"""Polls: the list, one poll with its published result once closed, and casting a ballot."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from civic.api import pagination, schemas
from civic.api.base import WRITE, api_user, blueprint, writer
from civic.consultations import services as consultations
from civic.timestamps import utcnow
from civic.voting import ballots, kinds, permissions, services
from civic.voting.closing import count_if_due
from civic.voting.models import Poll

bp = blueprint("polls", "Polls: read them and their published results, cast a ballot")


def poll_document(poll: Poll, slug: str) -> dict[str, Any]:
    """A poll as its page shows it; its result only once it is closed and counted."""
    count_if_due(poll)
    closed = poll.closed_at is not None
    return {
        "id": poll.id,
        "question": {"fr": poll.question_fr, "en": poll.question_en},
        "method": poll.method,
        "ballot_kind": kinds.kind_of(poll),
        "seats": poll.seats,
        "state": permissions.poll_state(poll, utcnow()),
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "secrecy": poll.secrecy,
        "options": [
            {
                "position": o.position,
                "label": {"fr": o.label_fr, "en": o.label_en},
                "proposal_id": o.proposal_id,
            }
            for o in poll.options
        ],
        "voters": poll.voter_count,
        "chain": {"records": poll.chain_length, "head": poll.head_hash},
        "result": services.result_of(poll) if closed else None,
        "audit_url": (
            url_for("voting.download", slug=slug, poll_id=poll.id, fmt="json", _external=True)
            if closed
            else None
        ),
        "url": url_for("voting.show", slug=slug, poll_id=poll.id, _external=True),
    }


@bp.route("/consultations/<slug>/polls")
class Polls(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.PollPage)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The consultation's polls, the most recently opened first."""
        consultation = consultations.get_consultation(slug, api_user())
        query = select(Poll).where(Poll.consultation_id == consultation.id)
        found = pagination.page(
            query,
            [Poll.opens_at, Poll.id],
            lambda p: (p.opens_at, p.id),
            args.get("cursor"),
            args.get("limit"),
        )
        return {"items": [poll_document(p, slug) for p in found.items], "next": found.next}


@bp.route("/consultations/<slug>/polls/<int:poll_id>")
class OnePoll(MethodView):
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, schemas.Poll)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, poll_id: int) -> dict[str, Any]:
        """One poll; once closed, its published result and the address of its audit download."""
        user = api_user()
        return poll_document(
            services.get_poll(consultations.get_consultation(slug, user), poll_id, user), slug
        )


@bp.route("/consultations/<slug>/polls/<int:poll_id>/ballot")
class Ballot(MethodView):
    @bp.arguments(schemas.BallotIn)
    @bp.response(201, schemas.Receipt)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.doc(**WRITE)
    def post(self, data: dict[str, Any], slug: str, poll_id: int) -> dict[str, Any]:
        """Cast your ballot (where the poll allows changes, a new one replaces it); keep the receipt."""
        user = writer()
        consultation = consultations.get_consultation(slug, user)
        poll = services.get_poll(consultation, poll_id, user)
        receipt = ballots.cast_ballot(user, poll, consultation, data["choice"])
        return {"receipt": receipt.code, "position": receipt.position, "record_hash": receipt.record_hash}
