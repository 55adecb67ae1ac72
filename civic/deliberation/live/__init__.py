"""Live sessions: a consultation's meetings run from an accessible console, with an agenda, a speakers'
list, timers, quick polls, questions, a projector view and minutes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from civic import components
    from civic.deliberation.live import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.live.console import bp as console_bp
    from civic.deliberation.live.events import NAMESPACE, LiveNamespace
    from civic.deliberation.live.views import bp
    from civic.extensions import socketio

    app.register_blueprint(bp)
    app.register_blueprint(console_bp)
    components.attach("live", "live.index")
    # realtime.init_app has just made this app's Socket.IO server: register the namespace on it.
    socketio.on_namespace(LiveNamespace(NAMESPACE))
