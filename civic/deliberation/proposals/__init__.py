"""Proposals: citizens put forward, support and follow proposals; moderators answer them."""

from __future__ import annotations

from typing import Any

from flask import Flask

from civic import components
from civic.accounts.models import User
from civic.extensions import db


def _load(proposal_id: int) -> Any:
    from civic.deliberation.proposals.models import Proposal

    return db.session.get(Proposal, proposal_id)


def _readable(proposal: Any, user: User | None) -> bool:
    """Whoever may see the proposal's page may read it and its discussion (a draft: its author)."""
    from civic.deliberation.proposals.permissions import can_view_proposal

    return proposal is not None and can_view_proposal(user, proposal)


def _on_moderation(proposal: object, action: str) -> None:
    """A hidden proposal's discussion is locked with it, and opens again when it is restored."""
    from civic.deliberation.proposals.services import lock_discussion

    lock_discussion(proposal, locked=action == "hidden")  # type: ignore[arg-type]


def _on_comment_count(proposal_id: int, delta: int) -> None:
    """Keep the proposal's copy of its discussion's visible-comment count, in the discussion's transaction."""
    from civic.deliberation.proposals.services import count_comments

    count_comments(proposal_id, delta)


def init_app(app: Flask) -> None:
    from civic.deliberation.discussion import commentables
    from civic.deliberation.moderation import targets
    from civic.deliberation.proposals.views import bp

    app.register_blueprint(bp)
    components.attach("proposals", "proposals.index")
    targets.register("proposal", _load, _readable, _on_moderation)
    commentables.register(
        "proposal",
        lambda proposal_id, user: _readable(_load(proposal_id), user),
        accepting=lambda proposal_id: not getattr(_load(proposal_id), "hidden", True),
    )
    commentables.listen("proposal", _on_comment_count)
