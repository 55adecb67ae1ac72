"""The /voting Socket.IO namespace: a poll page joins its poll's room to hear the ballot count.

Only counts and the chain head are ever sent (ballots.cast_ballot publishes them): never a ballot,
never a partial result.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from civic import realtime
from civic.connections import Namespace
from civic.errors import CivicError
from civic.voting import services


class VotingNamespace(Namespace):
    def on_join(self, data: Any) -> dict[str, Any]:
        """Follow one poll's count: {"poll": id}; answers {"ok": true} or {"error": ...}."""
        user = current_user if current_user.is_authenticated else None
        poll_id = data.get("poll") if isinstance(data, dict) else None
        try:
            poll = services.check_room(poll_id, user)
        except CivicError as error:
            return {"ok": False, "error": error.message}
        join_room(realtime.room("poll", poll))
        return {"ok": True}
