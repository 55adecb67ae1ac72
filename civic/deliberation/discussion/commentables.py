"""What can be discussed, registered per kind by the package that owns it: who may read it, who counts it.

The discussion never imports the packages whose content it discusses (a proposal, a document, an
amendment): each registers its kind here from its init_app.
- `readable(target_id, user)` says whether this person may read the commentable, and so its discussion
  (a draft proposal's notes are its author's). A kind nobody registered is readable by no one: a thread
  is never shown just because its consultation is.
- A commentable that sorts on its number of comments keeps its own copy of it (a proposal's
  `comment_count`, indexed for the "most discussed" list): its listener is called inside the
  transaction that changes the count, before committing, so both numbers move together.
"""

from __future__ import annotations

from collections.abc import Callable

from civic.accounts.models import User

# (target_id, user) -> whether this person may read the commentable (its consultation is checked apart).
Readable = Callable[[int, User | None], bool]
# (target_id, delta): the commentable's id in its own table, and +1 / -1 (or more, for bulk loads).
Listener = Callable[[int, int], None]

# target_id -> whether the commentable takes new comments now (a hidden proposal does not).
Accepting = Callable[[int], bool]

READABLE: dict[str, Readable] = {}
ACCEPTING: dict[str, Accepting] = {}
LISTENERS: dict[str, list[Listener]] = {}


def register(kind: str, readable: Readable, accepting: Accepting | None = None) -> None:
    """Make a kind of content commentable, readable by whom `readable` says, taking new comments when
    `accepting` says so (always, without it); idempotent."""
    READABLE[kind] = readable
    if accepting is not None:
        ACCEPTING[kind] = accepting


def readable(kind: str, target_id: int, user: User | None) -> bool:
    check = READABLE.get(kind)
    return check is not None and check(target_id, user)


def accepting(kind: str, target_id: int) -> bool:
    check = ACCEPTING.get(kind)
    return check is None or check(target_id)


def listen(kind: str, listener: Listener) -> None:
    """Call `listener` whenever a thread of this kind gains or loses visible comments (idempotent)."""
    listeners = LISTENERS.setdefault(kind, [])
    if listener not in listeners:
        listeners.append(listener)


def changed(kind: str, target_id: int, delta: int) -> None:
    """Tell the listeners of this kind, in the caller's transaction (the caller commits)."""
    if delta:
        for listener in LISTENERS.get(kind, ()):
            listener(target_id, delta)
