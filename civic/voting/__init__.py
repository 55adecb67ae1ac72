"""Voting: polls in a consultation's voting phase, ballots, receipts, hash chain, results and audit.

`civic.voting.counting` is the pure counting library this package calls.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from civic import components
    from civic.extensions import socketio
    from civic.voting.events import VotingNamespace
    from civic.voting.services import NAMESPACE
    from civic.voting.views import bp

    app.register_blueprint(bp)
    socketio.on_namespace(VotingNamespace(NAMESPACE))
    components.attach("voting", "voting.index")
