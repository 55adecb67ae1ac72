"""Positions put forward for endorsement, their endorsements, and endorsing through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from civic.accounts import services as accounts
from civic.api import pagination, schemas
from civic.api.base import WRITE, api_user, blueprint, writer
from civic.coalitions import endorsing, positions, queries
from civic.coalitions.models import STANCES, Endorsement, Position
from civic.consultations import services as consultations
from civic.errors import Invalid

bp = blueprint("coalitions", "Positions put forward for endorsement, and endorsements")


class PositionDocument(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.Nested(schemas.Bilingual, required=True)
    version = fields.Integer(required=True, metadata={"description": "The current version's number"})
    text = fields.Nested(schemas.Bilingual, required=True, metadata={"description": "Markdown"})
    reference = fields.String(required=True, metadata={"description": "The language whose text prevails"})
    content_hash = fields.String(
        required=True, metadata={"description": "docs/coalitions.md says how to recompute it"}
    )
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    organisations = fields.Dict(required=True, metadata={"description": "Current-version counts by stance"})
    citizens = fields.Dict(required=True, metadata={"description": "Current-version counts by stance"})
    url = fields.String(required=True)


class EndorsementDocument(ma.Schema):
    id = fields.Integer(required=True)
    organisation = fields.String(
        allow_none=True, required=True, metadata={"description": "Slug, for an organisation"}
    )
    verified = fields.Boolean(allow_none=True, required=True)
    name = fields.String(
        required=True, metadata={"description": "The organisation's, or the citizen's if shown"}
    )
    stance = fields.String(required=True)
    statement = fields.String(required=True, metadata={"description": "Markdown"})
    version = fields.Integer(required=True, metadata={"description": "The version endorsed"})
    content_hash = fields.String(required=True, metadata={"description": "Of the text endorsed"})
    condition = fields.Dict(allow_none=True, required=True)
    signatory = fields.Dict(allow_none=True, required=True)
    mandate = fields.Dict(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)


class EndorsementIn(ma.Schema):
    stance = fields.String(required=True, validate=validate.OneOf(STANCES))
    statement = fields.String(load_default="", validate=validate.Length(max=5000))
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "Why the stance changes"},
    )
    organisation = fields.String(
        allow_none=True, metadata={"description": "Slug: endorse in its name (a representative)"}
    )
    show_name = fields.Boolean(
        load_default=False, metadata={"description": "A citizen's name shown with the endorsement"}
    )
    condition = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**63 - 1),
        metadata={"description": "The id of an open amendment of the position's document it depends on"},
    )
    signatory_name = fields.String(load_default="", validate=validate.Length(max=120))
    signatory_role = fields.String(load_default="", validate=validate.Length(max=120))
    mandate_body = fields.String(load_default="", validate=validate.Length(max=120))
    mandate_date = fields.Date(allow_none=True)
    mandate_scope = fields.String(load_default="", validate=validate.Length(max=300))
    mandate_expires = fields.Date(allow_none=True)
    mandate_url = fields.String(load_default="", validate=validate.Length(max=300))
    revision = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=2**31),
        metadata={
            "description": "The endorsement's revision you read (refused if it changed since); omit for the current one"
        },
    )


PositionPage = schemas.page_of(PositionDocument, "PositionPage")
EndorsementPage = schemas.page_of(EndorsementDocument, "EndorsementPage")


def position_document(position: Position, slug: str) -> dict[str, Any]:
    version = positions.current_version(position)
    tally = queries.tally(position)
    return {
        "id": position.id,
        "title": {"fr": position.title_fr, "en": position.title_en},
        "version": version.number,
        "text": {"fr": version.text_fr, "en": version.text_en},
        "reference": version.reference,
        "content_hash": version.content_hash,
        "opens_at": position.opens_at,
        "closes_at": position.closes_at,
        "organisations": tally.by_stance(True),
        "citizens": tally.by_stance(False),
        "url": url_for("coalitions.position", slug=slug, position_id=position.id, _external=True),
    }


def endorsement_document(endorsement: Endorsement, numbers: dict[int, int]) -> dict[str, Any]:
    organisation = endorsement.organisation
    named = organisation is not None or (endorsement.show_name and endorsement.user is not None)
    return {
        "id": endorsement.id,
        "organisation": organisation.slug if organisation else None,
        "verified": organisation.verified if organisation else None,
        "name": organisation.name
        if organisation
        else endorsement.user.display_name
        if named and endorsement.user
        else "",
        "stance": endorsement.stance,
        "statement": endorsement.statement,
        "version": numbers.get(endorsement.version_id, 0),
        "content_hash": endorsement.content_hash,
        "condition": (
            {
                "amendment_id": endorsement.condition_amendment_id,
                "number": endorsement.condition_number,
                "state": endorsement.condition_state,
            }
            if endorsement.condition_number
            else None
        ),
        "signatory": (
            {"name": endorsement.signatory_name, "role": endorsement.signatory_role} if organisation else None
        ),
        "mandate": (
            {
                "body": endorsement.mandate_body,
                "date": endorsement.mandate_date.isoformat() if endorsement.mandate_date else None,
                "scope": endorsement.mandate_scope,
                "expires": endorsement.mandate_expires.isoformat() if endorsement.mandate_expires else None,
                "url": endorsement.mandate_url,
            }
            if organisation
            else None
        ),
        "updated_at": endorsement.updated_at,
    }


def _position(slug: str, position_id: int) -> tuple[Any, Position]:
    user = api_user()
    consultation = consultations.get_consultation(slug, user)
    return consultation, positions.get_position(consultation, position_id, user)


@bp.route("/consultations/<slug>/positions")
class Positions(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, PositionPage)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The campaign's positions, newest first, with their current counts."""
        consultation = consultations.get_consultation(slug, api_user())
        found = pagination.page(
            select(Position).where(Position.consultation_id == consultation.id),
            [Position.created_at, Position.id],
            lambda p: (p.created_at, p.id),
            args.get("cursor"),
            args.get("limit"),
        )
        return {"items": [position_document(p, slug) for p in found.items], "next": found.next}


@bp.route("/consultations/<slug>/positions/<int:position_id>")
class OnePosition(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, PositionDocument)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, position_id: int) -> dict[str, Any]:
        """A position: its current text, content hash, period and counts by stance."""
        return position_document(_position(slug, position_id)[1], slug)


@bp.route("/consultations/<slug>/positions/<int:position_id>/endorsements")
class Endorsements(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, EndorsementPage)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str, position_id: int) -> dict[str, Any]:
        """The position's current endorsements that are public: every organisation's, and the citizens'
        who chose to be named (the others are only counted)."""
        _consultation, position = _position(slug, position_id)
        query = (
            select(Endorsement)
            .options(selectinload(Endorsement.organisation), selectinload(Endorsement.user))
            .where(
                Endorsement.position_id == position.id,
                Endorsement.active.is_(True),
                or_(Endorsement.organisation_id.is_not(None), Endorsement.show_name.is_(True)),
            )
        )
        found = pagination.page(
            query,
            [Endorsement.id],
            lambda e: (e.id,),
            args.get("cursor"),
            args.get("limit"),
            descending=False,
        )
        numbers = queries.version_numbers(position)
        return {"items": [endorsement_document(e, numbers) for e in found.items], "next": found.next}

    @bp.arguments(EndorsementIn)
    @bp.response(201, EndorsementDocument)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(409, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    @bp.doc(**WRITE)
    def post(self, data: dict[str, Any], slug: str, position_id: int) -> dict[str, Any]:
        """Endorse the position's current version, as yourself or (with `organisation`) as its representative;
        or change your stance (with a `reason`)."""
        user = writer()
        consultation, position = _position(slug, position_id)
        organisation = accounts.get_organisation(data["organisation"]) if data.get("organisation") else None
        key = endorsing.endorser_key(user, organisation)
        existing = queries.endorsements_by(position, [key]).get(key)
        base = (
            data["revision"] if data.get("revision") is not None else (existing.revision if existing else 0)
        )
        fields_in = {name: data[name] for name in EndorsementIn().fields if name in data}
        for name in ("organisation", "revision"):
            fields_in.pop(name, None)
        try:
            endorsement = endorsing.endorse(
                user,
                position,
                consultation,
                positions.current_version(position).number,
                endorsing.Endorsing(**fields_in),
                base,
                organisation,
            )
        except endorsing.EndorsementInvalid as error:
            raise Invalid(error.message, details={"json": error.fields}) from None
        return endorsement_document(endorsement, queries.version_numbers(position))
