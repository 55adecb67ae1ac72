"""Moderation: flags, the moderators' queue, hide and restore, sanctions, the public moderation log."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app, g


def _waiting() -> Any:
    from civic.accounts.participant import current_participant
    from civic.deliberation.moderation.queries import waiting

    # Once per request whatever calls it: the header asks, a page may ask again.
    if "moderation_waiting" not in g:
        g.moderation_waiting = waiting(current_participant())
    return g.moderation_waiting


def _context() -> dict[str, Any]:
    # A function, not a number: the query runs only on pages that show the header.
    return {"moderation_waiting": _waiting}


def init_app(app: Flask) -> None:
    from civic.cli import group
    from civic.deliberation.moderation import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.moderation.views import bp

    app.register_blueprint(bp)
    app.context_processor(_context)

    @group.command("moderation-digest")
    @click.option(
        "--base-url",
        envvar="CIVIC_BASE_URL",
        default="http://127.0.0.1:5000",
        show_default=True,
        help="The site's public address, for the links in the e-mails (or CIVIC_BASE_URL).",
    )
    def moderation_digest(base_url: str) -> None:
        """E-mail moderators who asked for it the reports made since their last digest (run it daily)."""
        from civic.deliberation.moderation.digest import send_digests

        # The app that runs the command (the group is shared by every app made in one process: the
        # `app` of this closure would be the last one made). The e-mails' links are absolute.
        with current_app.test_request_context("/", base_url=base_url):
            click.echo(f"{send_digests()} digest(s) sent")
