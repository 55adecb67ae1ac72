"""Notifications: in-app notices (and e-mail for those who opted in) about replies, comments, answers."""

from __future__ import annotations

from typing import Any

from flask import Flask

from civic.extensions import socketio


def _unread() -> int:
    from civic.accounts.participant import current_participant
    from civic.notifications.queries import unread_count

    user = current_participant()
    return unread_count(user.id) if user is not None else 0


def _digest_wanted() -> bool:
    from civic.accounts.participant import current_participant
    from civic.notifications.services import moderation_digest_wanted

    user = current_participant()
    return user is not None and moderation_digest_wanted(user.id)


def _context() -> dict[str, Any]:
    # Functions, not values: their queries run only on the pages that show them.
    return {"unread_notifications": _unread, "moderation_digest_wanted": _digest_wanted}


def init_app(app: Flask) -> None:
    from civic.notifications import models  # noqa: F401 - tables known to Alembic
    from civic.notifications.events import NotificationsNamespace
    from civic.notifications.services import NAMESPACE
    from civic.notifications.views import bp

    app.register_blueprint(bp)
    app.context_processor(_context)
    # realtime.init_app has made this app's Socket.IO server: the header's live count listens here.
    socketio.on_namespace(NotificationsNamespace(NAMESPACE))
