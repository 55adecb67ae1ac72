"""What every API blueprint shares: who is asking (a personal token, never a browser's cookies), the
language of its answers, its rate limit, and the scope a write needs."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from civic.accounts.models import User
from civic.api import tokens
from civic.api.models import ApiToken
from civic.errors import CivicError
from civic.extensions import csrf, limiter


class Unauthorized(CivicError):
    status = 401
    code = "unauthorized"


class ReadOnlyToken(CivicError):
    status = 403
    code = "read_only_token"


def _identify() -> None:
    """Resolve the request's token; the API ignores the session cookie, so no page can be made to write
    through it (CSRF) and every answer depends on the token alone."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    g.forced_locale = asked if asked in languages else request.accept_languages.best_match(languages) or "fr"
    header = request.headers.get("Authorization")
    found = tokens.bearer(header)
    if header and found is None:
        raise Unauthorized(_("This API token is not valid, or it was revoked."))
    g.api_user, g.api_token = found if found else (None, None)


def api_user() -> User | None:
    """The person whose token the request carries, or None (anonymous: public data only)."""
    user: User | None = g.get("api_user")
    return user


def writer() -> User:
    """The person whose read-write token the request carries; 401 without a token, 403 for a read token."""
    user, token = g.get("api_user"), g.get("api_token")
    if user is None or token is None:
        raise Unauthorized(_("Writing needs a personal API token (see your account page)."))
    if token.scope != ApiToken.READ_WRITE:
        raise ReadOnlyToken(_("This token may only read. Create a read-write token to write."))
    return user


def _limit_key() -> str:
    # Limits are checked before the blueprint identifies the token: count by the header itself (a hash:
    # the key never holds the token); requests without one by address.
    header = request.headers.get("Authorization")
    if header:
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return f"api-ip:{request.remote_addr}"


def _limits() -> str:
    return str(current_app.config["API_LIMITS"])


def _address_limits() -> str:
    return str(current_app.config["API_ADDRESS_LIMITS"])


def blueprint(name: str, description: str) -> Blueprint:
    """An API blueprint under /api/v1: token identity, language, limits, no CSRF (no cookies are used)."""
    bp = Blueprint(f"api_{name}", __name__, url_prefix="/api/v1", description=description)
    bp.before_request(_identify)
    csrf.exempt(bp)
    limiter.limit(_limits, key_func=_limit_key)(bp)
    # And per address, whatever the tokens (made-up ones included).
    limiter.limit(_address_limits)(bp)
    return bp


# How an operation that writes is described in the OpenAPI document.
WRITE: dict[str, Any] = {"security": [{"bearerAuth": []}]}
