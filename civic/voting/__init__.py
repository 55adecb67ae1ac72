"""Voting: polls in a consultation's voting phase, ballots, receipts, hash chain, results and audit.

`civic.voting.counting` is the pure counting library this package calls. Importing this package loads
no Flask, so that `python -m civic.voting` (count, convert, verify) runs without the web app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# The Socket.IO namespace of poll pages (ballot counts and chain heads, never a ballot).
NAMESPACE = "/voting"


def init_app(app: Flask) -> None:
    from civic import components
    from civic.extensions import socketio
    from civic.voting.events import VotingNamespace
    from civic.voting.views import bp

    app.register_blueprint(bp)
    socketio.on_namespace(VotingNamespace(NAMESPACE))
    components.attach("voting", "voting.index")
