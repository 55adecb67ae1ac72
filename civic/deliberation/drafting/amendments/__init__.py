"""Amendments to co-drafted documents: propose replacing a passage, support, decide or put to a consent poll.

Built on the drafting package (documents, their text and update log); drafting knows of it only here,
in its init_app wiring, and where the document page shows the amendment counts.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from civic.deliberation.drafting.amendments import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.drafting.amendments.views import bp

    app.register_blueprint(bp)
