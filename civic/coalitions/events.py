"""The /coalitions Socket.IO namespace: a coalition or position page joins its position's room to hear new
endorsements, changes, revocations and versions (endorsing.announce and positions.republish_position
publish them). Only what the pages show publicly is ever sent.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from civic.coalitions import permissions
from civic.coalitions.models import Position
from civic.coalitions.positions import position_room
from civic.connections import Namespace
from civic.consultations.models import Consultation
from civic.extensions import db


def check_room(position_id: Any, user: Any) -> int | None:
    """The position id a socket may follow (its consultation visible to this person), else None."""
    if not isinstance(position_id, int) or isinstance(position_id, bool):
        return None
    position = db.session.get(Position, position_id)
    if position is None:
        return None
    consultation = db.session.get(Consultation, position.consultation_id)
    if consultation is None or not permissions.can_view_position(user, consultation):
        return None
    return int(position.id)


class CoalitionsNamespace(Namespace):
    def on_join(self, data: Any) -> dict[str, Any]:
        """Follow one position: {"position": id}; answers {"ok": true} or {"ok": false}."""
        user = current_user._get_current_object() if current_user.is_authenticated else None
        position_id = check_room(data.get("position") if isinstance(data, dict) else None, user)
        if position_id is None:
            return {"ok": False}
        join_room(position_room(position_id))
        return {"ok": True}
