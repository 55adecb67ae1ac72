"""The JSON API under /api/v1: read what the site shows, write through the same services with a personal
token, described by an OpenAPI 3.1 document generated from the code (flask-smorest)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from civic.api import schemas


class CivicApi(Api):
    """flask-smorest's Api, documenting errors with the site's JSON error document."""

    ERROR_SCHEMA = schemas.Error


rest = CivicApi()


def init_app(app: Flask) -> None:
    """Set the API up; call it before civic.errors.init_app, whose error handlers must win."""
    from civic.api import (  # noqa: F401
        coalitions,
        consultations,
        discussion,
        live,
        me,
        models,
        opinions,
        polls,
        proposals,
        views,
    )

    rest.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Civic's JSON API. Reading needs no token for public consultations; writing needs a "
                    "personal read-write token (Authorization: Bearer civic_…), created on your account page. "
                    'Errors are {"error": {"code", "status", "title", "message"}} in the language '
                    "asked for (?lang=fr|en or Accept-Language)."
                ),
                "license": {"name": "Data: CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            }
        },
    )
    rest.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API token: civic_…"}
    )
    for module in (consultations, proposals, discussion, polls, coalitions, opinions, live, me):
        rest.register_blueprint(module.bp)
    app.register_blueprint(views.bp)
    origins = app.config.get("API_CORS_ORIGINS") or []
    if origins:
        from flask_cors import CORS

        CORS(
            app,
            resources={r"/api/v1/*": {"origins": origins}},
            allow_headers=["Authorization", "Content-Type"],
        )


def openapi() -> dict[str, Any]:
    """The OpenAPI document (as served at /api/v1/openapi.json)."""
    document: dict[str, Any] = rest.spec.to_dict()
    return document
