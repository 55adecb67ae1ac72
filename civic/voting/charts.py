"""Bar charts of results as data for HTML: the words and numbers are page text, only the bars are drawn.

Labels and numbers are ordinary HTML text, so they keep the page's font size on a 320 px screen (text in a
scaled SVG shrinks with it). Each bar is a tiny SVG whose rectangle width is a percentage (the CSP allows no
inline styles, and SVG attributes are not styles); bars are decorative, hidden from screen readers, and no
information is carried by colour alone: every bar has its number and outcome in words beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from civic.voting.wording import amount

# Blue for a standing option, green for elected, grey for eliminated (each also written in words).
FILL = {"": "#0a4f8c", "elected": "#1d5e33", "eliminated": "#6b6b6b"}
# Light to dark steps of one hue for ordered scales (scores and grades).
STEPS = (
    "#d9e6f2",
    "#b3cde6",
    "#7fa9d1",
    "#4f86bd",
    "#2765a3",
    "#0a4f8c",
    "#083c6b",
    "#062c4f",
    "#041d34",
    "#020f1a",
    "#000000",
)


def number(value: Any) -> float:
    """Read a tally as the library writes it (int, 'p/q' or a decimal string) for drawing only."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        try:
            return float(Decimal(str(value)))
        except InvalidOperation:
            return 0.0


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a stacked bar: its start and width in percent, its colour and what it stands for."""

    start: float
    width: float
    fill: str
    title: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One option's line in a chart: its label, its number in words, and its bar."""

    label: str
    text: str
    outcome: str = ""
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Legend:
    fill: str
    label: str


def _percent(value: float, biggest: float) -> float:
    return round(100 * value / biggest, 1) if biggest else 0.0


def round_bars(rounds: Sequence[dict[str, Any]]) -> list[tuple[int, list[Bar]]]:
    """Each round's tallies as bars on one scale (the largest tally of all rounds is the full width)."""
    biggest = max((number(v) for r in rounds for _l, v, *_rest in r["rows"] if v is not None), default=0.0)
    charted: list[tuple[int, list[Bar]]] = []
    gone: set[str] = set()  # eliminated in an earlier round: no longer drawn
    chosen: set[str] = set()  # elected in this round or before: stays marked as elected
    for r in rounds:
        bars: list[Bar] = []
        for label, value, _transfer, elected_now, eliminated in r["rows"]:
            if label in gone:
                continue
            if eliminated:
                gone.add(label)
            if elected_now:
                chosen.add(label)
            elected = label in chosen
            state = "elected" if elected else "eliminated" if eliminated else ""
            votes = number(value)
            whole = votes == int(votes)
            text = ngettext(
                "%(count)s vote", "%(count)s votes", int(votes) if whole else 2, count=amount(value)
            )
            outcome = _("elected") if elected else _("eliminated") if eliminated else ""
            segment = Segment(0.0, max(0.5, _percent(votes, biggest)) if votes else 0.0, FILL[state], "")
            bars.append(Bar(label, text, outcome, [segment]))
        charted.append((int(r["number"]), bars))
    return charted


def _step_fill(step: int, steps: int) -> str:
    return STEPS[min(len(STEPS) - 1, round(step * (len(STEPS) - 1) / max(steps - 1, 1)))]


def score_bars(
    labels: Sequence[str],
    texts: Sequence[str],
    distribution: Sequence[Sequence[int]],
    grades: Sequence[str],
) -> tuple[list[Bar], list[Legend]]:
    """Each option's ballots by score as one stacked bar, lowest score on the left, and the legend."""
    total = max((sum(row) for row in distribution), default=0)
    bars: list[Bar] = []
    for label, text, row in zip(labels, texts, distribution, strict=True):
        start = 0.0
        segments: list[Segment] = []
        for step, count in enumerate(row):
            if not count:
                continue
            width = _percent(count, total)
            segments.append(Segment(start, width, _step_fill(step, len(grades)), f"{grades[step]}: {count}"))
            start = round(start + width, 1)
        bars.append(Bar(label, text, "", segments))
    legend = [Legend(_step_fill(step, len(grades)), grade) for step, grade in enumerate(grades)]
    return bars, legend
