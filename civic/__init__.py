"""Civic: the application factory. It only wires settings, extensions, packages and blueprints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from config import ROOT, development_secret, from_name, normalise_database_url

if TYPE_CHECKING:  # Flask is imported when an app is made: `python -m civic.voting` runs without it
    from flask import Flask


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Build the app from a settings class name, or from overrides (their CIVIC_ENV names the class).

    Without a name, the CIVIC_ENV environment variable decides (development by default).
    """
    from flask import Flask

    from civic import (
        accounts,
        api,
        assets,
        cli,
        coalitions,
        connections,
        consultations,
        database,
        errors,
        i18n,
        inputs,
        notifications,
        opendata,
        realtime,
        security,
        templating,
        voting,
    )
    from civic.deliberation import discussion, drafting, live, moderation, opinions, proposals
    from civic.extensions import csrf, db, limiter, migrate

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    overrides = config if isinstance(config, dict) else {}
    app.config.from_object(from_name(config if isinstance(config, str) else overrides.get("CIVIC_ENV")))
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        if not app.config.get("GENERATE_SECRET"):
            raise RuntimeError("SECRET_KEY must be set in production (see docs/deploy.md).")
        app.config["SECRET_KEY"] = development_secret()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "civic" / "translations")

    database.init_app(app)
    inputs.init_app(app)  # before any route: their ids use its converter
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    api.init_app(app)  # before errors: flask-smorest registers an error handler that the site's replace
    errors.init_app(app)
    templating.init_app(app)
    assets.init_app(app)
    realtime.init_app(app)
    connections.init_app(app)
    accounts.init_app(app)
    consultations.init_app(app)
    notifications.init_app(app)
    moderation.init_app(app)
    discussion.init_app(app)
    proposals.init_app(app)
    drafting.init_app(app)
    opinions.init_app(app)
    live.init_app(app)
    voting.init_app(app)
    opendata.init_app(app)
    coalitions.init_app(app)
    cli.init_app(app)
    return app
