"""Dates read the same everywhere: the month in words (never 12/15/26) and times without seconds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, render_template_string

from civic.moments import day, when

MOMENT = datetime(2026, 12, 15, 21, 30, 45, tzinfo=UTC)  # 16:30:45 in Toronto


@pytest.mark.parametrize(
    ("lang", "style", "expected"),
    [
        ("en", "long", "15 December 2026, 4:30 PM"),
        ("en", "short", "15 Dec 2026, 4:30 PM"),
        ("fr", "long", "15 décembre 2026 à 16 h 30"),
        ("fr", "short", "15 déc. 2026, 16 h 30"),
    ],
)
def test_moments_spell_the_month_and_drop_seconds(app: Flask, lang: str, style: str, expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert when(MOMENT, style).replace("\u202f", " ").replace("\xa0", " ") == expected


@pytest.mark.parametrize("style", ["long", "short"])
def test_a_french_time_never_breaks_across_lines(app: Flask, style: str) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        shown = when(MOMENT, style)
    assert "16\u00a0h\u00a030" in shown and shown.startswith("15\u00a0d")


@pytest.mark.parametrize(("lang", "expected"), [("en", "15 December 2026"), ("fr", "15 décembre 2026")])
def test_days_are_unambiguous(app: Flask, lang: str, expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert day(MOMENT) == expected


@pytest.mark.parametrize("style", ["", "('short')", "('medium')"])
def test_template_filters_use_the_same_words(app: Flask, style: str) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = render_template_string("{{ moment | datetime" + style + " }}", moment=MOMENT)
        assert "/" not in shown and ":45" not in shown and "2026" in shown
