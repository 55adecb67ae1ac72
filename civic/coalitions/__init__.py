"""Coalitions: positions that organisations and people endorse, with a mandate, pinned to the text they read.

Built on drafting's models and amendments' models (a position's text may come from a document version,
its conditions name that document's amendments), never on drafting's services, views or events:
amendments tell coalitions of their decisions through the listener registry
civic.deliberation.drafting.amendments.decisions, and accounts show an organisation's endorsements
through civic.accounts.profiles.
"""

from __future__ import annotations

from flask import Flask, render_template
from markupsafe import Markup

from civic.accounts.models import Organisation, User


def _organisation_section(organisation: Organisation, user: User | None) -> Markup:
    """The organisation page's section: its current endorsements and its latest activity."""
    from civic.coalitions import permissions, queries, wording
    from civic.coalitions.endorsing import local_today
    from civic.coalitions.forms import STANCE_LABELS

    return Markup(  # noqa: S704 - rendered by Jinja with autoescaping from our own template
        render_template(
            "coalitions/_organisation.html",
            organisation=organisation,
            standings=queries.organisation_standings(organisation, user),
            activity=queries.organisation_activity(organisation, user),
            see_actor=permissions.can_see_acting_representative(user, organisation),
            stance_labels=STANCE_LABELS,
            today=local_today(),
            expired=queries.expired,
            event_text=wording.event_text,
        )
    )


def init_app(app: Flask) -> None:
    from civic import components
    from civic.accounts import profiles
    from civic.coalitions import (
        export_views,  # noqa: F401 - routes on the coalitions blueprint
        forms_views,  # noqa: F401 - routes on the coalitions blueprint
        manage_views,  # noqa: F401 - routes on the coalitions blueprint
        models,  # noqa: F401 - tables known to Alembic
    )
    from civic.coalitions.events import CoalitionsNamespace
    from civic.coalitions.positions import NAMESPACE
    from civic.coalitions.resolution import amendment_decided
    from civic.coalitions.views import bp
    from civic.deliberation.drafting.amendments import decisions
    from civic.extensions import socketio

    app.register_blueprint(bp)
    components.attach("endorsements", "coalitions.coalition")
    decisions.listen(amendment_decided)
    profiles.add_section(_organisation_section)
    socketio.on_namespace(CoalitionsNamespace(NAMESPACE))
