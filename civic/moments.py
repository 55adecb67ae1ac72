"""Dates and times as citizens read them: the day spelled out, never 12/15/26, and no seconds.

Every page and message goes through these two functions (the Jinja filters `datetime` and `date` too),
so a date reads the same everywhere: "15 December 2026, 4:30 PM" / "15 décembre 2026 à 16 h 30".
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale

# (language, style) -> CLDR pattern. "short" keeps the month as a word (abbreviated): never numbers only.
# French times and days hold together with no-break spaces: a line never ends on "17" before "h 36".
MOMENT = {
    ("en", "long"): "d MMMM y, h:mm a",
    ("en", "short"): "d MMM y, h:mm a",
    ("fr", "long"): "d\u00a0MMMM y 'à' H'\u00a0h\u00a0'mm",
    ("fr", "short"): "d\u00a0MMM y, H'\u00a0h\u00a0'mm",
}
DAY = {
    ("en", "long"): "d MMMM y",
    ("en", "short"): "d MMM y",
    ("fr", "long"): "d MMMM y",
    ("fr", "short"): "d MMM y",
}


def _key(style: str) -> tuple[str, str]:
    language = str(get_locale() or "fr").split("_")[0]
    return (language if language in ("en", "fr") else "fr", "short" if style == "short" else "long")


def when(value: datetime, style: str = "long") -> str:
    """A moment in the reader's language and time zone, to the minute."""
    return str(format_datetime(value, MOMENT[_key(style)]))


def day(value: date | datetime, style: str = "long") -> str:
    """A day in the reader's language (and time zone, for a moment)."""
    return str(format_date(value, DAY[_key(style)]))
