"""Consultations with their phases, organisations, and the token's own person."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from civic.accounts import services as accounts
from civic.accounts.models import Organisation
from civic.api import pagination, schemas
from civic.api.base import api_user, blueprint
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.consultations.queries import visible_query

bp = blueprint("consultations", "Consultations, their phases, and organisations")


def consultation_document(consultation: Consultation) -> dict[str, Any]:
    current = consultations.current_phase(consultation)
    return {
        "slug": consultation.slug,
        "title": {"fr": consultation.title_fr, "en": consultation.title_en},
        "description": {"fr": consultation.description_fr, "en": consultation.description_en},
        "status": consultation.status,
        "visibility": consultation.visibility,
        "phases": [
            {
                "id": phase.id,
                "kind": phase.kind,
                "starts_at": phase.starts_at,
                "ends_at": phase.ends_at,
                "components": phase.component_names,
                "current": current is not None and phase.id == current.id,
            }
            for phase in consultation.phases
        ],
        "url": url_for("consultations.show", slug=consultation.slug, _external=True),
    }


@bp.route("/consultations")
class Consultations(MethodView):
    @bp.etag
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.ConsultationPage)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The consultations this token's person (or anyone, without a token) may see, newest first."""
        found = pagination.page(
            visible_query(api_user()),
            [Consultation.created_at, Consultation.id],
            lambda c: (c.created_at, c.id),
            args.get("cursor"),
            args.get("limit"),
        )
        return {"items": [consultation_document(c) for c in found.items], "next": found.next}


@bp.route("/consultations/<slug>")
class OneConsultation(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, schemas.Consultation)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str) -> dict[str, Any]:
        """One consultation with its phases (which one is current, and what each enables)."""
        return consultation_document(consultations.get_consultation(slug, api_user()))


def organisation_document(organisation: Organisation) -> dict[str, Any]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "description": organisation.description,
        "website": organisation.website,
        "verified": organisation.verified,
        "url": url_for("accounts.organisation", slug=organisation.slug, _external=True),
    }


@bp.route("/organisations")
class Organisations(MethodView):
    @bp.etag
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.OrganisationPage)
    @bp.alt_response(422, schema=schemas.Error)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The coalition's organisations, by name."""
        found = pagination.page(
            select(Organisation),
            [Organisation.name, Organisation.id],
            lambda o: (o.name, o.id),
            args.get("cursor"),
            args.get("limit"),
            descending=False,
        )
        return {"items": [organisation_document(o) for o in found.items], "next": found.next}


@bp.route("/organisations/<slug>")
class OneOrganisation(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, schemas.Organisation)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str) -> dict[str, Any]:
        """One organisation."""
        return organisation_document(accounts.get_organisation(slug))
