"""The /opinions Socket.IO namespace: a results page joins its map's room to hear of a new analysis."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from civic.connections import Namespace
from civic.deliberation.opinions import permissions, runs
from civic.deliberation.opinions.models import OpinionMap
from civic.extensions import db

NAMESPACE = runs.NAMESPACE


class OpinionsNamespace(Namespace):
    def on_join(self, data: Any) -> dict[str, Any]:
        """Follow one map: {"map": id}; answers {"ok": true}, or {"ok": false} for a map one may not see."""
        user = current_user if current_user.is_authenticated else None
        map_id = data.get("map") if isinstance(data, dict) else None
        if not isinstance(map_id, int) or isinstance(map_id, bool) or not 0 < map_id < 2**63:
            return {"ok": False}
        opinion_map = db.session.get(OpinionMap, map_id)
        if opinion_map is None or not permissions.can_view_map(user, opinion_map):
            return {"ok": False}
        join_room(runs.room(opinion_map.id))
        return {"ok": True}
