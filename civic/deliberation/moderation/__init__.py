"""Moderation: flags, the moderators' queue, hide and restore, sanctions, the public moderation log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from civic.deliberation.moderation import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.moderation.views import bp

    app.register_blueprint(bp)
