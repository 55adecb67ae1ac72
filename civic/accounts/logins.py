"""Sign-ins kept on the server, so that signing out ends every cookie of the session for good.

A browser's session cookie and its "keep me signed in" cookie both carry `user id:login key`
(User.get_id). The key names a Login row; the person is signed in only while that row exists and has not
expired. Signing out deletes the row: a copied session cookie or remember-me cookie then names nothing.
"Sign out everywhere", a password change and a password reset delete all of a person's rows (and
rotate their session token, which ends the reset links sent before and the co-drafting connections
that joined before). Every ending also closes the live connections of the ended sign-ins
(civic.connections.close_tagged), on every server process.

Nothing here is written per request: a row is written when someone signs in and removed when the sign-in
ends (the ballot secrecy notes in docs/polls.md explain why writes next to a vote matter).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from civic import connections
from civic.accounts.models import Login, User
from civic.extensions import db
from civic.timestamps import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def connection_tag(key: str) -> str:
    """The tag of the live connections opened under a sign-in (the key itself never leaves here)."""
    return "login:" + _hash(key)


def _lifetime(remember: bool) -> timedelta:
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_LIFETIME"]


def start(user: User, remember: bool, now: datetime | None = None) -> str:
    """Record a new sign-in of this person and return its key (also set as user.login_key)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    db.session.execute(delete(Login).where(Login.user_id == user.id, Login.expires_at <= now))
    db.session.add(
        Login(
            user_id=user.id,
            key_hash=_hash(key),
            remember=remember,
            created_at=now,
            expires_at=now + _lifetime(remember),
        )
    )
    db.session.commit()
    user.login_key = key
    return key


def load(user_id: str, key: str, now: datetime | None = None) -> User | None:
    """Return the person of a live sign-in (user id and key as the cookies carry them), or None."""
    if not user_id.isdigit() or not key:
        return None
    login = db.session.scalar(select(Login).where(Login.key_hash == _hash(key)))
    if login is None or str(login.user_id) != user_id or login.expires_at <= (now or utcnow()):
        return None
    user = db.session.get(User, login.user_id)
    if user is not None:
        user.login_key = key
    return user


def is_live(user_id: int, key: str) -> bool:
    """Tell whether this sign-in still holds (for connections that outlive a request)."""
    return load(str(user_id), key) is not None


def end(user: User) -> None:
    """End the sign-in the current request came with (signing out)."""
    if user.login_key:
        db.session.execute(delete(Login).where(Login.key_hash == _hash(user.login_key)))
        db.session.commit()
        connections.close_tagged([connection_tag(user.login_key)])


def end_all(user: User) -> int:
    """End every sign-in of this person, everywhere; return how many there were."""
    hashes = list(db.session.scalars(select(Login.key_hash).where(Login.user_id == user.id)))
    db.session.execute(delete(Login).where(Login.user_id == user.id))
    user.session_token = secrets.token_hex(16)
    db.session.commit()
    connections.close_tagged(["login:" + key_hash for key_hash in hashes])
    return len(hashes)


def count(user: User, now: datetime | None = None) -> int:
    """How many live sign-ins this person has (browsers and devices)."""
    return int(
        db.session.scalar(
            select(func.count()).where(Login.user_id == user.id, Login.expires_at > (now or utcnow()))
        )
        or 0
    )
