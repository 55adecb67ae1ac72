"""What can be flagged and hidden, registered by kind: each feature package registers its own loader.

A loader takes an id and returns the model instance, or None. The instance has `id`, `consultation_id`,
`author_id`, `hidden`, `hidden_reason`, `moderation_url` and `moderation_excerpt`; optionally
`moderation_thread_id` (its discussion can then be locked from the queue). `readable(obj, user)` says
whether this person may see the content where it stands (its consultation, a draft's author, a comment's
discussion), leaving its moderation aside: hidden content is readable, and shown as hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from civic.accounts.models import User

Loader = Callable[[int], Any]
Readable = Callable[[Any, User | None], bool]
# Called after a hide or restore has been committed, e.g. to announce it on the page in real time.
Listener = Callable[[Any, str], None]
# Called when content becomes hidden (False) or visible again (True), inside the moderation's
# transaction before it commits, e.g. to keep a count of visible comments in step.
VisibilityListener = Callable[[Any, bool], None]


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    loader: Loader
    readable: Readable
    on_change: Listener | None = None
    on_visibility: VisibilityListener | None = None


REGISTRY: dict[str, Target] = {}


def register(
    kind: str,
    loader: Loader,
    readable: Readable,
    on_change: Listener | None = None,
    on_visibility: VisibilityListener | None = None,
) -> None:
    """Make a kind of content flaggable and hideable (idempotent for the same kind)."""
    REGISTRY[kind] = Target(kind, loader, readable, on_change, on_visibility)


def load(kind: str, target_id: int) -> Any:
    """Return the target, or None when the kind is unknown or the target does not exist."""
    target = REGISTRY.get(kind)
    return None if target is None else target.loader(target_id)


def readable(kind: str, obj: Any, user: User | None) -> bool:
    """Tell whether this person may see `obj` where it stands (see the module docstring)."""
    target = REGISTRY.get(kind)
    return target is not None and target.readable(obj, user)


def changed(kind: str, obj: Any, action: str) -> None:
    target = REGISTRY.get(kind)
    if target is not None and target.on_change is not None:
        target.on_change(obj, action)


def visibility_changed(kind: str, obj: Any, visible: bool) -> None:
    """Tell the kind's package that `obj` was just hidden or shown again (in the caller's transaction)."""
    target = REGISTRY.get(kind)
    if target is not None and target.on_visibility is not None:
        target.on_visibility(obj, visible)
