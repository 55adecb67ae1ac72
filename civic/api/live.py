"""Live sessions of a consultation and their published minutes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import fields

from civic.api import schemas
from civic.api.base import api_user, blueprint
from civic.consultations import services as consultations
from civic.deliberation.live import permissions, sessions
from civic.deliberation.live.models import LiveSession
from civic.errors import NotFound

bp = blueprint("live", "Live sessions and their minutes")


class SessionDocument(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.Nested(schemas.Bilingual, required=True)
    starts_at = fields.DateTime(required=True)
    state = fields.String(required=True, metadata={"description": "planned, running or ended"})
    place = fields.String(required=True)
    online_url = fields.String(required=True)
    minutes_published_at = fields.DateTime(allow_none=True, required=True)
    url = fields.String(required=True)


class SessionList(ma.Schema):
    items = fields.List(fields.Nested(SessionDocument), required=True)


class MinutesDocument(ma.Schema):
    session = fields.Integer(required=True)
    lang = fields.String(required=True, metadata={"description": "The language they are written in"})
    text = fields.String(required=True, metadata={"description": "Markdown"})
    html = fields.String(required=True, metadata={"description": "Sanitised HTML"})
    published_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "None: a draft"})
    url = fields.String(required=True)


def session_document(session: LiveSession, slug: str) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": {"fr": session.title_fr, "en": session.title_en},
        "starts_at": session.starts_at,
        "state": session.state,
        "place": session.place,
        "online_url": session.online_url,
        "minutes_published_at": session.minutes_published_at,
        "url": url_for("live.show", slug=slug, session_id=session.id, _external=True),
    }


@bp.route("/consultations/<slug>/sessions")
class Sessions(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, SessionList)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The consultation's sessions: running first, then upcoming (soonest first), then past."""
        consultation = consultations.get_consultation(slug, api_user())
        return {"items": [session_document(s, slug) for s in sessions.sessions_of(consultation)]}


@bp.route("/consultations/<slug>/sessions/<int:session_id>/minutes")
class Minutes(MethodView):
    @bp.etag
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, MinutesDocument)
    @bp.alt_response(403, schema=schemas.Error)
    @bp.alt_response(404, schema=schemas.Error)
    def get(self, _args: dict[str, Any], slug: str, session_id: int) -> dict[str, Any]:
        """A session's minutes once published (the facilitators also read their draft)."""
        user = api_user()
        consultation = consultations.get_consultation(slug, user)
        session = sessions.get_session(consultation, session_id, user)
        if not permissions.can_read_minutes(user, session, consultation):
            raise NotFound(_("The minutes of this session are not published."))
        return {
            "session": session.id,
            "lang": session.minutes_lang,
            "text": session.minutes,
            "html": session.minutes_html,
            "published_at": session.minutes_published_at,
            "url": url_for("live.minutes", slug=slug, session_id=session.id, _external=True),
        }
