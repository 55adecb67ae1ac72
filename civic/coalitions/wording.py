"""The words coalition pages use for events, period states and list items, in the visitor's language.

Lists of endorsements and timelines repeat the same few sentences hundreds of times: `Words` translates
each once per page (a translation lookup costs as much as the rest of an item), and formats dates once
per distinct date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
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
    STANCES,
    UPDATED,
)
from civic.moments import when

PERIOD_LABELS = {
    "upcoming": _l("Endorsements not open yet"),
    "open": _l("Endorsements open"),
    "closed": _l("Endorsements closed"),
}


def event_text(kind: str, number: int, amendment: int | None) -> str:
    """What happened, after the endorser's name: "took a stance on version 2", "revoked their stance…"."""
    if kind == GIVEN:
        return _("took a stance on version %(n)d", n=number)
    if kind == CHANGED:
        return _("changed stance on version %(n)d", n=number)
    if kind == UPDATED:
        return _("updated the details of their stance on version %(n)d", n=number)
    if kind == RECONFIRMED:
        return _("reconfirmed their stance on version %(n)d", n=number)
    if kind == REVOKED:
        return _("revoked their stance on version %(n)d", n=number)
    if kind == CONDITION_MET:
        return _("condition met: amendment no. %(a)d was accepted", a=amendment or 0)
    if kind == CONDITION_FAILED:
        return _("condition not met: amendment no. %(a)d was not accepted", a=amendment or 0)
    if kind == MANDATE_EXPIRED:
        return _("mandate expired")
    return kind


def anonymous() -> str:
    return _("An unnamed citizen")


def _templates() -> dict[str, str]:
    """Every sentence of a list item, translated, with %(name)s-style fields to fill (Jinja's format)."""
    return {
        "verified": _("Verified"),
        "unverified": _("Not verified yet"),
        "history": _("History"),
        "reason": _("Reason:"),
        "anonymous": anonymous(),
        "on": _("on v%(n)d", n=999_001).replace("999001", "%(n)d"),
        "not_yet": _("endorsed v%(old)d — not yet v%(new)d", old=999_001, new=999_002)
        .replace("999001", "%(old)d")
        .replace("999002", "%(new)d"),
        "pending": _("if amendment no. %(n)d is accepted (pending)", n=999_001).replace("999001", "%(n)d"),
        "met": _("condition met: amendment no. %(n)d accepted", n=999_001).replace("999001", "%(n)d"),
        "failed": _("condition not met: amendment no. %(n)d not accepted", n=999_001).replace(
            "999001", "%(n)d"
        ),
        "signed": _("Signed by %(name)s, %(role)s.", name="%(name)s", role="%(role)s"),
        "expired_on": _("Mandate expired on %(date)s", date="%(date)s"),
        "mandate": _(
            "Mandate: %(body)s, %(date)s — %(scope)s.", body="%(body)s", date="%(date)s", scope="%(scope)s"
        ),
    }


@dataclass
class Words:
    """One page's translated sentences, stance names and event texts, and a date formatter that formats
    each distinct date once."""

    text: dict[str, str]
    stances: dict[str, str]
    events: dict[str, str]
    _days: dict[date, str] = field(default_factory=dict)
    _moments: dict[datetime, str] = field(default_factory=dict)

    def day(self, value: date) -> str:
        if value not in self._days:
            self._days[value] = format_date(value, "long")
        return self._days[value]

    def moment(self, value: datetime) -> str:
        if value not in self._moments:
            self._moments[value] = when(value, "short")
        return self._moments[value]

    def event(self, kind: str, number: int, amendment: int | None) -> str:
        return self.events.get(kind, kind) % {"n": number, "a": amendment or 0}


def words(stance_labels: dict[str, Any]) -> Words:
    """Translate, once, what a page of endorsements and events repeats."""
    events = {
        kind: event_text(kind, 999_001, 999_002).replace("999001", "%(n)d").replace("999002", "%(a)d")
        for kind in (
            GIVEN,
            CHANGED,
            UPDATED,
            RECONFIRMED,
            REVOKED,
            CONDITION_MET,
            CONDITION_FAILED,
            MANDATE_EXPIRED,
        )
    }
    return Words(_templates(), {s: str(stance_labels[s]) for s in STANCES}, events)
