"""An endorsement's state as its history says it is: each event is a full snapshot, so the state is the
last event's. The endorsement row keeps the same state for fast pages; tests check they agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civic.coalitions.endorsing import SNAPSHOT
from civic.coalitions.models import EndorsementEvent


def replay(events: Sequence[EndorsementEvent]) -> dict[str, Any]:
    """The state after these events (oldest first): the fields of SNAPSHOT, or {} before any event."""
    state: dict[str, Any] = {}
    for event in events:
        state = {name: getattr(event, name) for name in SNAPSHOT}
    return state
