"""Callbacks told when a thread's number of visible comments changes, registered per kind of commentable.

A commentable that sorts on its number of comments keeps its own copy of it (a proposal's
`comment_count`, indexed for the "most discussed" list). The discussion never imports the packages whose
content it discusses: they register a callback here from their init_app, and the discussion services call
it inside the transaction that changes the count, before committing, so both numbers move together.
"""

from __future__ import annotations

from collections.abc import Callable

# (target_id, delta): the commentable's id in its own table, and +1 / -1 (or more, for bulk loads).
Listener = Callable[[int, int], None]

LISTENERS: dict[str, list[Listener]] = {}


def register(kind: str, listener: Listener) -> None:
    """Call `listener` whenever a thread of this kind gains or loses visible comments (idempotent)."""
    listeners = LISTENERS.setdefault(kind, [])
    if listener not in listeners:
        listeners.append(listener)


def changed(kind: str, target_id: int, delta: int) -> None:
    """Tell the listeners of this kind, in the caller's transaction (the caller commits)."""
    if delta:
        for listener in LISTENERS.get(kind, ()):
            listener(target_id, delta)
