"""Browsers a person has signed in from, so that others' wrong passwords cannot lock them out.

The sign-in limits count failures per address and per network address. Someone who floods a person's
address with wrong passwords would then stop that person from signing in at all. A browser that once
signed in as someone carries a signed cookie saying so (a keyed tag per person, up to a few people on a
shared computer, never their ids or addresses). For that person, from that browser, failures are
counted per browser instead: the flood is slowed and the person still gets in.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from civic.accounts.models import User

COOKIE = "civic_device"
PEOPLE = 8  # tags kept per browser (a community centre's computer serves many people)
MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="civic.device")


def _tag(user: User) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"civic.device:{user.id}".encode(), hashlib.sha256).hexdigest()[:16]


def _tags(request: Request) -> list[str]:
    value = request.cookies.get(COOKIE)
    if not value:
        return []
    try:
        tags = _serializer().loads(value)
    except BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def known(request: Request, user: User | None) -> bool:
    """Tell whether this browser has signed in as this person before."""
    return user is not None and _tag(user) in _tags(request)


def key(request: Request) -> str:
    """What the limits count a known browser's failures by: the browser's cookie (one per browser)."""
    return "device:" + hashlib.sha256(request.cookies.get(COOKIE, "").encode()).hexdigest()


def remember(request: Request, response: Response, user: User) -> None:
    """Add this person to the browser's cookie (most recent first)."""
    tags = [_tag(user), *(t for t in _tags(request) if t != _tag(user))][:PEOPLE]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(tags),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )
