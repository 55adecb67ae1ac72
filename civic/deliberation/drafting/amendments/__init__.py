"""Amendments to co-drafted documents: propose replacing a passage, support, decide or put to a consent poll.

Built on the drafting package (documents, their text and update log); drafting knows of it only here,
in its init_app wiring, and where the document page shows the amendment counts.
"""

from __future__ import annotations

from flask import Flask

from civic.accounts.models import User
from civic.extensions import db


def _readable(amendment_id: int, user: User | None) -> bool:
    """An amendment's discussion is as readable as its document."""
    from civic.deliberation.drafting.amendments.models import Amendment
    from civic.deliberation.drafting.permissions import can_view_document

    amendment = db.session.get(Amendment, amendment_id)
    return amendment is not None and can_view_document(user, amendment.document)


def init_app(app: Flask) -> None:
    from civic.deliberation.discussion import commentables
    from civic.deliberation.drafting.amendments import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.drafting.amendments.views import bp

    app.register_blueprint(bp)
    commentables.register("amendment", _readable)
