"""The API's documents, as marshmallow schemas: what the OpenAPI description shows and what responses hold."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from civic.api.pagination import MAX_LIMIT


class Bilingual(ma.Schema):
    fr = fields.String(metadata={"description": "French text (may be empty: then read the English)"})
    en = fields.String(metadata={"description": "English text (may be empty: then read the French)"})


class ErrorBody(ma.Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable, e.g. not_found, invalid"})
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "For people, in the requested language"})
    details = fields.Raw(metadata={"description": "Per-field messages of an invalid request"})


class Error(ma.Schema):
    error = fields.Nested(ErrorBody, required=True)


class PageArgs(ma.Schema):
    cursor = fields.String(metadata={"description": "The `next` of the previous page"})
    limit = fields.Integer(
        validate=validate.Range(min=1, max=MAX_LIMIT), metadata={"description": "At most 200"}
    )
    lang = fields.String(
        validate=validate.OneOf(["fr", "en"]), metadata={"description": "Language of messages"}
    )


class LangArgs(ma.Schema):
    lang = fields.String(
        validate=validate.OneOf(["fr", "en"]), metadata={"description": "Language of messages"}
    )


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of items: {"items": [...], "next": cursor or null}."""
    return ma.Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": fields.String(
                allow_none=True, required=True, metadata={"description": "Cursor of the next page"}
            ),
        },
        name=name,
    )


class Phase(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    components = fields.List(fields.String(), required=True)
    current = fields.Boolean(required=True)


class Consultation(ma.Schema):
    slug = fields.String(required=True)
    title = fields.Nested(Bilingual, required=True)
    description = fields.Nested(Bilingual, required=True, metadata={"description": "Markdown source"})
    status = fields.String(required=True)
    visibility = fields.String(required=True)
    phases = fields.List(fields.Nested(Phase), required=True)
    url = fields.String(required=True)


class Person(ma.Schema):
    name = fields.String(required=True, metadata={"description": "The public display name"})


class Proposal(ma.Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    title = fields.String(allow_none=True, required=True, metadata={"description": "null when hidden"})
    body = fields.String(
        allow_none=True, required=True, metadata={"description": "Markdown; null when hidden"}
    )
    body_html = fields.String(allow_none=True, required=True, metadata={"description": "Sanitised HTML"})
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True, required=True)
    author = fields.Nested(Person, allow_none=True, required=True)
    organisation = fields.String(allow_none=True, required=True, metadata={"description": "Slug"})
    theme = fields.Nested(Bilingual, allow_none=True, required=True)
    supports = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    url = fields.String(required=True)


class ProposalArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Full-text search"})
    theme = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    state = fields.String(
        validate=validate.OneOf(["published", "evaluating", "accepted", "rejected", "merged", "withdrawn"])
    )
    sort = fields.String(validate=validate.OneOf(["newest", "supported", "discussed"]), load_default="newest")


class ProposalIn(ma.Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=150))
    body = fields.String(
        required=True, validate=validate.Length(min=1, max=10_000), metadata={"description": "Markdown"}
    )
    theme = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**63 - 1))
    publish = fields.Boolean(load_default=True, metadata={"description": "false: a private draft"})


class Comment(ma.Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    depth = fields.Integer(required=True)
    author = fields.Nested(Person, allow_none=True, required=True)
    stance = fields.String(allow_none=True, required=True)
    body = fields.String(
        allow_none=True, required=True, metadata={"description": "null when hidden or deleted"}
    )
    body_html = fields.String(allow_none=True, required=True)
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True, required=True)
    deleted = fields.Boolean(required=True)
    helpful = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    edited_at = fields.DateTime(allow_none=True, required=True)


class CommentIn(ma.Schema):
    body = fields.String(
        required=True, validate=validate.Length(min=1, max=5000), metadata={"description": "Markdown"}
    )
    stance = fields.String(allow_none=True, validate=validate.OneOf(["favour", "against", "neutral"]))
    parent = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**63 - 1))


class PollOption(ma.Schema):
    position = fields.Integer(required=True)
    label = fields.Nested(Bilingual, required=True)
    proposal_id = fields.Integer(allow_none=True, required=True)


class Poll(ma.Schema):
    id = fields.Integer(required=True)
    question = fields.Nested(Bilingual, required=True)
    method = fields.String(required=True)
    ballot_kind = fields.String(
        required=True, metadata={"description": "ranked, approval, scores or consent"}
    )
    seats = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"description": "scheduled, open or closed"})
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    secrecy = fields.String(required=True)
    options = fields.List(fields.Nested(PollOption), required=True)
    voters = fields.Integer(required=True)
    chain = fields.Dict(
        required=True, metadata={"description": "records and head of the signed ballot chain"}
    )
    result = fields.Dict(
        allow_none=True, required=True, metadata={"description": "Once closed: the published result"}
    )
    audit_url = fields.String(
        allow_none=True, required=True, metadata={"description": "Once closed: the audit download"}
    )
    url = fields.String(required=True)


class BallotIn(ma.Schema):
    choice = fields.List(
        fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(max=30),
        metadata={
            "description": "Ranked: option positions, best first. Approval/scores: one number or null per "
            "option. Consent: one of agree, abstain, disagree, block or null per option."
        },
    )


class Receipt(ma.Schema):
    receipt = fields.String(
        required=True, metadata={"description": "Keep it: the audit page finds your ballot by it"}
    )
    position = fields.Integer(required=True)
    record_hash = fields.String(required=True)


class Organisation(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown"})
    website = fields.String(required=True)
    verified = fields.Boolean(required=True)
    url = fields.String(required=True)


class Me(ma.Schema):
    name = fields.String(required=True)
    scope = fields.String(required=True)
    token = fields.String(required=True, metadata={"description": "The token's name"})


ConsultationPage = page_of(Consultation, "ConsultationPage")
ProposalPage = page_of(Proposal, "ProposalPage")
CommentPage = page_of(Comment, "CommentPage")
PollPage = page_of(Poll, "PollPage")
OrganisationPage = page_of(Organisation, "OrganisationPage")
