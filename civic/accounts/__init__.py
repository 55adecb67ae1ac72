"""Accounts: people, sign-in, roles, organisations and their representatives."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from civic import connections
from civic.accounts import logins, passwords
from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.extensions import login_manager


def _load_user(user_id: str) -> User | None:
    # Cookies carry "user id:sign-in key": only a sign-in still on the server lets them in.
    ident, _sep, key = user_id.partition(":")
    return logins.load(ident, key)


def _tag_connection() -> str | None:
    """A live connection opened by a signed-in person is closed when their sign-in ends."""
    user = current_participant()
    return logins.connection_tag(user.login_key) if user is not None and user.login_key else None


def _expire_idle_session() -> None:
    """End a browser session (not "remember me") after the configured idle time."""
    if not current_user.is_authenticated:
        return
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen")
    idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
    if not session.get("remember") and last_seen is not None and now - last_seen > idle:
        user = current_participant()
        if user is not None:
            logins.end(user)
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
    connections.add_tagger(_tag_connection)
    app.register_blueprint(bp)
