"""Notifications: in-app notices (and e-mail for those who opted in) about replies, comments, answers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user


def _unread() -> int:
    from civic.notifications.queries import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def _context() -> dict[str, Any]:
    # A function, not a number: the count query runs only on pages that show the header link.
    return {"unread_notifications": _unread}


def init_app(app: Flask) -> None:
    from civic.notifications import models  # noqa: F401 - tables known to Alembic
    from civic.notifications.views import bp

    app.register_blueprint(bp)
    app.context_processor(_context)
