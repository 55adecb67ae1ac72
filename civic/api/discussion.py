"""Discussions: a consultation's and a proposal's comments, in thread order, and writing one."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from civic.api import pagination, schemas
from civic.api.base import WRITE, api_user, blueprint, writer
from civic.consultations import services as consultations
from civic.deliberation.discussion import services as discussion
from civic.deliberation.discussion.models import Comment, Thread
from civic.deliberation.proposals import services as proposals

bp = blueprint("discussion", "Comments: read a discussion in thread order, post and reply")


def comment_document(comment: Comment) -> dict[str, Any]:
    """A comment as everyone sees it: hidden and deleted ones keep their place (and the public reason)."""
    shown = comment.visible
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": {"name": comment.author.display_name} if shown and comment.author else None,
        "stance": comment.stance if shown else None,
        "body": comment.body if shown else None,
        "body_html": comment.body_html if shown else None,
        "hidden": comment.hidden,
        "hidden_reason": comment.hidden_reason if comment.hidden and not comment.deleted else None,
        "deleted": comment.deleted,
        "helpful": comment.helpful_score,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


def _thread(slug: str, kind: str, target_id: int | None) -> Thread:
    """The discussion of a consultation (kind "consultation") or of one of its proposals, if readable."""
    user = api_user()
    consultation = consultations.get_consultation(slug, user)
    if kind == "proposal" and target_id is not None:
        proposal = proposals.get_proposal(consultation, target_id, user)
        thread = discussion.thread_for(consultation, "proposal", proposal.id, owner_id=proposal.author_id)
    else:
        thread = discussion.thread_for(consultation, "consultation", consultation.id)
    discussion.consultation_of(thread, user)
    return thread


def _page(thread: Thread, args: dict[str, Any]) -> dict[str, Any]:
    query = select(Comment).where(Comment.thread_id == thread.id).options(joinedload(Comment.author))
    found = pagination.page(
        query, [Comment.path], lambda c: (c.path,), args.get("cursor"), args.get("limit"), False
    )
    return {"items": [comment_document(c) for c in found.items], "next": found.next}


def _post(thread: Thread, data: dict[str, Any]) -> dict[str, Any]:
    comment = discussion.post_comment(writer(), thread, data["body"], data.get("stance"), data.get("parent"))
    return comment_document(comment)


@bp.route("/consultations/<slug>/comments")
class ConsultationComments(MethodView):
    @bp.etag
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.CommentPage)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The consultation's own discussion, in thread order (each reply after its parent)."""
        return _page(_thread(slug, "consultation", None), args)

    @bp.arguments(schemas.CommentIn)
    @bp.response(201, schemas.Comment)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.doc(**WRITE)
    def post(self, data: dict[str, Any], slug: str) -> dict[str, Any]:
        """Comment in the consultation's discussion, or reply to one of its comments (`parent`)."""
        return _post(_thread(slug, "consultation", None), data)


@bp.route("/consultations/<slug>/proposals/<int:proposal_id>/comments")
class ProposalComments(MethodView):
    @bp.etag
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.CommentPage)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str, proposal_id: int) -> dict[str, Any]:
        """A proposal's discussion, in thread order (each reply after its parent)."""
        return _page(_thread(slug, "proposal", proposal_id), args)

    @bp.arguments(schemas.CommentIn)
    @bp.response(201, schemas.Comment)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.doc(**WRITE)
    def post(self, data: dict[str, Any], slug: str, proposal_id: int) -> dict[str, Any]:
        """Comment on a proposal, or reply to one of its comments (`parent`)."""
        return _post(_thread(slug, "proposal", proposal_id), data)
