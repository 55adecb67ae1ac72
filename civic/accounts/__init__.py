"""Accounts: people, sign-in, roles, organisations and their representatives."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from civic.accounts import passwords
from civic.accounts.models import User
from civic.extensions import db, login_manager


def _load_user(user_id: str) -> User | None:
    ident, _sep, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    # A password change rotates the token, which signs out every other session.
    return user if user is not None and user.session_token == token else None


def _expire_idle_session() -> None:
    """End a browser session (not "remember me") after the configured idle time."""
    if not current_user.is_authenticated:
        return
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen")
    idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
    if not session.get("remember") and last_seen is not None and now - last_seen > idle:
        logout_user()
        session.clear()
        return
    session["last_seen"] = now


def init_app(app: Flask) -> None:
    from civic.accounts.views import bp

    passwords.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"
    app.before_request(_expire_idle_session)
    app.register_blueprint(bp)
