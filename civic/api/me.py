"""The token's own person: who the API sees."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from civic.api import schemas
from civic.api.base import Unauthorized, blueprint

bp = blueprint("me", "The person a token belongs to")


@bp.route("/me")
class Me(MethodView):
    @bp.arguments(schemas.LangArgs, location="query")
    @bp.response(200, schemas.Me)
    @bp.alt_response(401, schema=schemas.Error)
    @bp.doc(security=[{"bearerAuth": []}])
    def get(self, _args: dict[str, Any]) -> dict[str, Any]:
        """Who this token belongs to, and what it may do."""
        user, token = g.get("api_user"), g.get("api_token")
        if user is None or token is None:
            raise Unauthorized()
        return {"name": user.display_name, "scope": token.scope, "token": token.name}
