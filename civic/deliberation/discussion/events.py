"""Socket.IO namespace /discussion: a page joins its thread's room to hear new comments, edits and hides.

Events carry ids only; each client then fetches the comment as HTML through the fragment view, so
what it receives is rendered for its reader (language, permissions) and hidden text never travels.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from civic.accounts.participant import current_participant
from civic.connections import Namespace
from civic.deliberation.discussion import services
from civic.errors import CivicError

NAMESPACE = services.NAMESPACE


def _thread_id(data: Any) -> int | None:
    value = data.get("thread") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class DiscussionNamespace(Namespace):
    def on_join(self, data: Any) -> dict[str, Any]:
        """Join a thread's room if this viewer may read its consultation; answer with the outcome."""
        thread_id = _thread_id(data)
        if thread_id is None:
            return {"ok": False, "error": "bad-request"}
        try:
            services.readable_thread(thread_id, current_participant())
        except CivicError:
            return {"ok": False, "error": "not-found"}
        join_room(services.thread_room(thread_id))
        return {"ok": True}

    def on_leave(self, data: Any) -> dict[str, Any]:
        thread_id = _thread_id(data)
        if thread_id is not None:
            leave_room(services.thread_room(thread_id))
        return {"ok": True}
