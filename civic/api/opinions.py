"""Opinion maps: their statements with vote counts, and the last analysis's groups and common ground."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import select

from civic.api import pagination, schemas
from civic.api.base import api_user, blueprint
from civic.consultations import services as consultations
from civic.deliberation.opinions import queries, services
from civic.deliberation.opinions.models import OpinionMap, Statement

bp = blueprint("opinions", "Opinion maps: statements, votes and the groups of the last analysis")


class Counts(ma.Schema):
    agree = fields.Integer(required=True)
    disagree = fields.Integer(required=True)
    passes = fields.Integer(required=True, data_key="pass")


class StatementDocument(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={"description": "Its number in the map (Pol.is's id)"})
    text = fields.String(allow_none=True, required=True, metadata={"description": "None once hidden"})
    hidden_reason = fields.String(allow_none=True, required=True, metadata={"description": "Public"})
    votes = fields.Nested(Counts, required=True)


class MapDocument(ma.Schema):
    id = fields.Integer(required=True)
    question = fields.Nested(schemas.Bilingual, required=True)
    status = fields.String(required=True, metadata={"description": "open or closed"})
    participants = fields.Integer(required=True)
    votes = fields.Integer(required=True)
    url = fields.String(required=True)


class Scored(ma.Schema):
    statement = fields.Integer(required=True, metadata={"description": "A statement's id"})
    overall = fields.Nested(Counts, required=True)
    groups = fields.List(
        fields.Nested(Counts), required=True, metadata={"description": "Per group, in order"}
    )
    consensus = fields.Float(required=True)
    bridging = fields.Float(required=True)
    divisiveness = fields.Float(required=True)


class Distinction(ma.Schema):
    statement = fields.Integer(required=True)
    direction = fields.String(required=True, metadata={"description": "agree or disagree"})
    share = fields.Integer(required=True, metadata={"description": "Percent of the group"})
    others_share = fields.Integer(required=True, metadata={"description": "Percent of everyone else"})


class Group(ma.Schema):
    id = fields.Integer(required=True)
    letter = fields.String(required=True)
    size = fields.Integer(required=True)
    percent = fields.Integer(required=True, metadata={"description": "Of the people grouped"})
    distinctions = fields.List(fields.Nested(Distinction), required=True)


class ResultsDocument(ma.Schema):
    computed_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "None: not yet"})
    participants = fields.Integer(required=True)
    grouped = fields.Integer(required=True, metadata={"description": "People with enough votes to be placed"})
    silhouette = fields.Float(
        allow_none=True, required=True, metadata={"description": "Under 0.3: overlapping"}
    )
    groups = fields.List(fields.Nested(Group), required=True)
    consensus = fields.List(fields.Nested(Scored), required=True)
    bridging = fields.List(fields.Nested(Scored), required=True)
    divisive = fields.List(fields.Nested(Scored), required=True)


MapPage = schemas.page_of(MapDocument, "OpinionMapPage")
StatementPage = schemas.page_of(StatementDocument, "StatementPage")


def _counts(agree: int, disagree: int, passes: int) -> dict[str, int]:
    return {"agree": agree, "disagree": disagree, "passes": passes}


def map_document(opinion_map: OpinionMap, slug: str) -> dict[str, Any]:
    return {
        "id": opinion_map.id,
        "question": {"fr": opinion_map.question_fr, "en": opinion_map.question_en},
        "status": opinion_map.status,
        "participants": opinion_map.participant_count,
        "votes": opinion_map.vote_count,
        "url": url_for("opinions.show", slug=slug, map_id=opinion_map.id, _external=True),
    }


def statement_document(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "number": statement.number,
        "text": None if statement.hidden else statement.body,
        "hidden_reason": statement.hidden_reason if statement.hidden else None,
        "votes": _counts(statement.agree_count, statement.disagree_count, statement.pass_count),
    }


def _scored(row: queries.StatementRow) -> dict[str, Any]:
    def counts(share: queries.Share) -> dict[str, int]:
        return _counts(share.agree, share.disagree, share.passes)

    return {
        "statement": row.statement.id,
        "overall": counts(row.overall),
        "groups": [counts(share) for share in row.groups],
        "consensus": row.consensus,
        "bridging": row.bridging,
        "divisiveness": row.divisiveness,
    }


def _map(slug: str, map_id: int) -> OpinionMap:
    user = api_user()
    return services.get_map(consultations.get_consultation(slug, user), map_id, user)


@bp.route("/consultations/<slug>/opinion-maps")
class Maps(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, MapPage)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The consultation's opinion maps, newest first."""
        consultation = consultations.get_consultation(slug, api_user())
        found = pagination.page(
            select(OpinionMap).where(OpinionMap.consultation_id == consultation.id),
            [OpinionMap.id],
            lambda m: (m.id,),
            args.get("cursor"),
            args.get("limit"),
        )
        return {"items": [map_document(m, slug) for m in found.items], "next": found.next}


@bp.route("/consultations/<slug>/opinion-maps/<int:map_id>")
class OneMap(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, MapDocument)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, map_id: int) -> dict[str, Any]:
        """A map: its question, whether it takes votes, how many people and votes."""
        return map_document(_map(slug, map_id), slug)


@bp.route("/consultations/<slug>/opinion-maps/<int:map_id>/statements")
class Statements(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, StatementPage)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any], slug: str, map_id: int) -> dict[str, Any]:
        """Every statement in the order they were written, with its votes; a hidden one keeps its place and the
        moderators' public reason, without its text."""
        opinion_map = _map(slug, map_id)
        found = pagination.page(
            select(Statement).where(Statement.map_id == opinion_map.id),
            [Statement.number],
            lambda s: (s.number,),
            args.get("cursor"),
            args.get("limit"),
            descending=False,
        )
        return {"items": [statement_document(s) for s in found.items], "next": found.next}


@bp.route("/consultations/<slug>/opinion-maps/<int:map_id>/results")
class Results(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, ResultsDocument)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, map_id: int) -> dict[str, Any]:
        """The last analysis: its groups and what sets each apart, the statements most agree on (consensus),
        those that bring groups together (bridging) and those that divide them (docs/opinions.md)."""
        found = queries.results(_map(slug, map_id), None)
        return {
            "computed_at": found.computed_at,
            "participants": found.participants,
            "grouped": found.grouped,
            "silhouette": found.silhouette,
            "groups": [
                {
                    "id": group.id,
                    "letter": group.letter,
                    "size": group.size,
                    "percent": group.percent,
                    "distinctions": [
                        {
                            "statement": d.row.statement.id,
                            "direction": d.direction,
                            "share": d.share,
                            "others_share": d.others_share,
                        }
                        for d in group.distinctions
                    ],
                }
                for group in found.groups
            ],
            "consensus": [_scored(row) for row in found.consensus],
            "bridging": [_scored(row) for row in found.bridging],
            "divisive": [_scored(row) for row in found.divisive],
        }
