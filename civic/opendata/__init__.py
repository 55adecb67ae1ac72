"""Open data: each consultation's Frictionless data package (stable addresses, a licence, a data card)
and a research export for administrators."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    from civic.cli import group
    from civic.opendata import campaign  # noqa: F401  (registers the campaign's tables)
    from civic.opendata.views import bp

    app.register_blueprint(bp)

    @group.command("open-data")
    @click.argument("slug", required=False)
    def open_data(slug: str | None) -> None:
        """Make every public consultation's open-data package again (run it nightly), or one's."""
        from sqlalchemy import select

        from civic.consultations.models import Consultation
        from civic.extensions import db
        from civic.opendata import package, services
        from civic.timestamps import utcnow

        query = select(Consultation).where(
            Consultation.status != "draft", Consultation.visibility == "public"
        )
        if slug:
            query = query.where(Consultation.slug == slug)
        for consultation in db.session.scalars(query):
            started = utcnow()
            services.store(consultation, package.build(consultation), started)
            click.echo(f"{consultation.slug}: made")
