"""Who hears of amendments' decisions: packages that depend on an amendment's fate register a listener.

Amendments never import those packages (coalitions resolve their conditional endorsements this way):
each registers from its init_app. The amendments' services call `decided(amendment)` once a decision
has committed: accepted, rejected, or decided by a consent poll (adopted, not adopted, or outdated
because its passage changed). Accepting one amendment may outdate others of the same document in the
same transaction; listeners are told of the decided amendment only and re-read its document's
amendments when they care about those.

A listener that fails is logged and does not undo the decision (it has committed): listeners must be
able to catch up later on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from civic.deliberation.drafting.amendments.models import Amendment
from civic.extensions import db

Listener = Callable[[Amendment], None]
LISTENERS: list[Listener] = []
log = logging.getLogger(__name__)


def listen(listener: Listener) -> None:
    """Call `listener(amendment)` after each decision on an amendment commits (idempotent)."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def decided(amendment: Amendment) -> None:
    """Tell every listener that this amendment has been decided (after the decision's commit)."""
    for listener in list(LISTENERS):
        try:
            listener(amendment)
        except Exception:  # one listener's failure must not fail the decision, nor the others
            db.session.rollback()
            log.exception("amendment decision listener %r failed for amendment %s", listener, amendment.id)
