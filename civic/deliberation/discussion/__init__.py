"""Discussion: threaded comments on anything commentable (a consultation, a proposal, a document)."""

from __future__ import annotations

from flask import Flask

from civic.components import attach
from civic.extensions import socketio


def init_app(app: Flask) -> None:
    from civic.deliberation.discussion import (
        commentables,
        models,  # noqa: F401 - tables known to Alembic
    )
    from civic.deliberation.discussion.events import NAMESPACE, DiscussionNamespace
    from civic.deliberation.discussion.forms import STANCE_LABELS
    from civic.deliberation.discussion.services import (
        can_read_comment,
        load_for_moderation,
        on_moderation,
        on_visibility,
    )
    from civic.deliberation.discussion.views import bp
    from civic.deliberation.moderation import targets

    app.register_blueprint(bp)
    attach("discussion", "discussion.consultation_thread")
    # The thread partial is included by other packages' pages: its labels come with it.
    app.jinja_env.globals["discussion_stances"] = STANCE_LABELS
    targets.register("comment", load_for_moderation, can_read_comment, on_moderation, on_visibility)
    # A consultation's own discussion is as readable as the consultation (checked for every thread).
    commentables.register("consultation", lambda _consultation_id, _user: True)
    # realtime.init_app has just made this app's Socket.IO server: register the namespace on it.
    socketio.on_namespace(DiscussionNamespace(NAMESPACE))
