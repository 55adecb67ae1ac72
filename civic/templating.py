"""What every template can use: the locale, dates in the user's zone, built assets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, request, url_for
from flask_babel import get_locale, get_timezone, lazy_pgettext

from civic.components import PHASE_KINDS
from civic.moments import day, when
from civic.text import sanitised
from config import ROOT

DIST = ROOT / "static" / "dist"


def asset(name: str) -> str:
    """Return the URL of a built asset in static/dist, versioned by its modification time."""
    path = DIST / name
    version = int(path.stat().st_mtime) if path.exists() else 0
    return url_for("static", filename=f"dist/{name}", v=version)


# A consultation's status (French: feminine, "consultation"); a poll's is masculine, so each has a context.
STATUS_LABELS = {
    "draft": lazy_pgettext("consultation", "Draft"),
    "open": lazy_pgettext("consultation", "Open"),
    "closed": lazy_pgettext("consultation", "Closed"),
    "archived": lazy_pgettext("consultation", "Archived"),
}


def phase_label(kind: str) -> str:
    return str(PHASE_KINDS[kind][0]) if kind in PHASE_KINDS else kind


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _context() -> dict[str, Any]:
    return {
        "current_locale": str(get_locale() or "fr"),
        "current_path": request.full_path.rstrip("?") if request else "/",
        "asset": asset,
        "phase_label": phase_label,
        "status_label": status_label,
        "timezone_name": str(get_timezone()),
    }


def _datetime(value: datetime, style: str = "long") -> str:
    return when(value, style)


def _date(value: datetime, style: str = "long") -> str:
    return day(value, style)


def init_app(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["sanitised"] = sanitised
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
