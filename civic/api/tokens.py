"""Personal API tokens: create (shown once), list, revoke, and find the person a request's token names."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.api.models import ApiToken
from civic.errors import Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank
from civic.timestamps import utcnow

PREFIX = "civic_"  # tokens start with it: a secret scanner (or a person) recognises one in a paste
NAME_MAX = 80
MAX_ACTIVE = 20


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User | None, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token for this person; return it and its plaintext, which is never stored nor shown again."""
    if user is None:
        raise Forbidden()
    name = name.strip()
    if not name or is_blank(name) or len(name) > NAME_MAX:
        raise Invalid(
            _("Name the token (at most %(n)d characters), e.g. the tool that will use it.", n=NAME_MAX)
        )
    if scope not in ApiToken.SCOPES:
        raise Invalid(_("Choose what the token may do."))
    active = db.session.scalar(
        select(func.count()).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE:
        raise Invalid(_("You have %(n)d tokens: revoke one you no longer use first.", n=MAX_ACTIVE))
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        prefix=plaintext[: len(PREFIX) + 6],
        token_hash=_hash(plaintext),
    )
    db.session.add(token)
    db.session.commit()
    return token, plaintext


def of(user: User) -> list[ApiToken]:
    """This person's tokens, active first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(user: User | None, token_id: int) -> ApiToken:
    """Revoke one of this person's tokens at once; another person's token is not found."""
    token = db.session.get(ApiToken, token_id)
    if user is None or token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def bearer(header: str | None) -> tuple[User, ApiToken] | None:
    """The person and token an `Authorization: Bearer …` header names, if the token is live."""
    if not header:
        return None
    kind, _sep, value = header.partition(" ")
    value = value.strip()
    if kind.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(value)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    return (user, token) if user is not None else None
