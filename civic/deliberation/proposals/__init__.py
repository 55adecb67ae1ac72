"""Proposals: citizens put forward, support and follow proposals; moderators answer them."""

from __future__ import annotations

from flask import Flask

from civic import components
from civic.extensions import db


def _load(proposal_id: int) -> object | None:
    from civic.deliberation.proposals.models import Proposal

    return db.session.get(Proposal, proposal_id)


def init_app(app: Flask) -> None:
    from civic.deliberation.moderation import targets
    from civic.deliberation.proposals.views import bp

    app.register_blueprint(bp)
    components.attach("proposals", "proposals.index")
    targets.register("proposal", _load)
