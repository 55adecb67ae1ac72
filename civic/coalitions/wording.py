"""The words coalition pages use for events and period states, in the visitor's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.coalitions.models import (
    CHANGED,
    CONDITION_FAILED,
    CONDITION_MET,
    GIVEN,
    MANDATE_EXPIRED,
    RECONFIRMED,
    REVOKED,
    UPDATED,
)

PERIOD_LABELS = {
    "upcoming": _l("Endorsements not open yet"),
    "open": _l("Endorsements open"),
    "closed": _l("Endorsements closed"),
}


def event_text(kind: str, number: int, amendment: int | None) -> str:
    """What happened, after the endorser's name: "endorsed version 2", "revoked its endorsement"…"""
    if kind == GIVEN:
        return _("endorsed version %(n)d", n=number)
    if kind == CHANGED:
        return _("changed stance on version %(n)d", n=number)
    if kind == UPDATED:
        return _("updated the endorsement of version %(n)d", n=number)
    if kind == RECONFIRMED:
        return _("reconfirmed on version %(n)d", n=number)
    if kind == REVOKED:
        return _("revoked the endorsement of version %(n)d", n=number)
    if kind == CONDITION_MET:
        return _("condition met: amendment no. %(a)d was accepted", a=amendment or 0)
    if kind == CONDITION_FAILED:
        return _("condition not met: amendment no. %(a)d was not accepted", a=amendment or 0)
    if kind == MANDATE_EXPIRED:
        return _("mandate expired")
    return kind


def anonymous() -> str:
    return _("A citizen who chose not to be named")
