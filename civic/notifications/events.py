"""Socket.IO namespace /notifications: a signed-in person's pages join their own room to hear their
unread count change (a new reply, an answer, notifications marked read in another tab).

Events carry a number only; the page fetches the sentence in its reader's language from the views.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from civic.accounts.participant import current_participant
from civic.connections import Namespace
from civic.notifications import queries, services


def _user_id(data: Any) -> int | None:
    value = data.get("user") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class NotificationsNamespace(Namespace):
    def on_join(self, data: Any) -> dict[str, Any]:
        """Join the room of the person named in `data`, only if that person is the one signed in."""
        user_id = _user_id(data)
        if user_id is None:
            return {"ok": False, "error": "bad-request"}
        user = current_participant()
        if user is None or user.id != user_id:
            return {"ok": False, "error": "forbidden"}
        join_room(services.user_room(user.id))
        # The count now, so a page that reconnects after missing an event can catch up.
        return {"ok": True, "unread": queries.unread_count(user.id)}

    def on_leave(self, data: Any) -> dict[str, Any]:
        user = current_participant()
        if user is not None:
            leave_room(services.user_room(user.id))
        return {"ok": True}
