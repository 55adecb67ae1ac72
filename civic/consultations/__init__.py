"""Consultations: phases, the components each phase enables, moderators."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from civic.consultations.views import bp

    app.register_blueprint(bp)
