"""Server-rendered SVG charts of results, each with a title, a description and a table next to it.

Every piece of text is escaped by Markup.format; colours are SVG attributes (the CSP allows no inline
styles), and no information is carried by colour alone: every bar is labelled with its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

BAR = 18
GAP = 6
LABEL_WIDTH = 200
PLOT_WIDTH = 360
WIDTH = LABEL_WIDTH + PLOT_WIDTH + 60
COLOURS = ("#0a4f8c", "#1d5e33", "#8a4b00", "#6b2c91", "#a3140f", "#00626b")
# Light to dark steps of one hue for ordered scales (scores and grades), darkest text-safe.
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


def _svg(ident: str, title: str, desc: str, height: int, body: Markup) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" aria-labelledby="{i}-title {i}-desc">'
        '<title id="{i}-title">{t}</title><desc id="{i}-desc">{d}</desc>{b}</svg>'
    ).format(w=WIDTH, h=height, i=ident, t=title, d=desc, b=body)


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def rounds_chart(ident: str, rounds: Sequence[dict[str, Any]], labels_by_round: bool = True) -> Markup:
    """Draw each round's tallies as horizontal bars, rounds one under the other."""
    biggest = (
        max((number(v) for r in rounds for _l, v, *_rest in r["rows"] if v is not None), default=0.0) or 1.0
    )
    parts: list[Markup] = []
    y = 0
    for r in rounds:
        y += 22
        parts.append(
            Markup('<text x="0" y="{y}" class="chart-heading" font-weight="700">{t}</text>').format(
                y=y - 6, t=_("Round %(n)d", n=r["number"])
            )
        )
        for label, value, _transfer, elected, eliminated in r["rows"]:
            amount = number(value)
            width = max(1, round(PLOT_WIDTH * amount / biggest)) if amount else 0
            mark = " ✓" if elected else " ✗" if eliminated else ""
            parts.append(
                Markup(
                    '<text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"></rect>'
                    '<text x="{vx}" y="{ty}">{value}{mark}</text>'
                ).format(
                    lx=LABEL_WIDTH - 8,
                    ty=y + BAR - 4,
                    label=_short(label),
                    x=LABEL_WIDTH,
                    y=y,
                    w=width,
                    h=BAR,
                    fill=COLOURS[1] if elected else "#767676" if eliminated else COLOURS[0],
                    vx=LABEL_WIDTH + width + 6,
                    value=value,
                    mark=mark,
                )
            )
            y += BAR + GAP
    description = _(
        "Votes of each option in each round; ✓ marks an option elected, ✗ one eliminated. "
        "The table below gives the same figures."
    )
    return _svg(ident, _("Votes per round"), description, y + 8, Markup("").join(parts))


def distribution_chart(
    ident: str,
    labels: Sequence[str],
    scale: Sequence[int],
    distribution: Sequence[Sequence[int]],
    grades: Sequence[str],
) -> Markup:
    """Draw each option's scores as one stacked bar, lowest score on the left, with a legend."""
    total = max((sum(row) for row in distribution), default=0) or 1
    parts: list[Markup] = []
    y = 4
    for label, row in zip(labels, distribution, strict=True):
        x = float(LABEL_WIDTH)
        parts.append(
            Markup('<text x="{lx}" y="{ty}" text-anchor="end">{label}</text>').format(
                lx=LABEL_WIDTH - 8, ty=y + BAR - 4, label=_short(label)
            )
        )
        for step, count in enumerate(row):
            if not count:
                continue
            width = PLOT_WIDTH * count / total
            fill = STEPS[min(len(STEPS) - 1, round(step * (len(STEPS) - 1) / max(len(scale) - 1, 1)))]
            parts.append(
                Markup(
                    '<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" fill="{fill}" stroke="#ffffff">'
                    "<title>{t}</title></rect>"
                ).format(x=x, y=y, w=width, h=BAR, fill=fill, t=f"{grades[step]}: {count}")
            )
            x += width
        y += BAR + GAP
    y += 8
    for step, grade in enumerate(grades):
        fill = STEPS[min(len(STEPS) - 1, round(step * (len(STEPS) - 1) / max(len(scale) - 1, 1)))]
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="14" height="14" fill="{fill}" stroke="#1b1b1b"></rect>'
                '<text x="{tx}" y="{ty}">{g}</text>'
            ).format(x=LABEL_WIDTH, y=y, fill=fill, tx=LABEL_WIDTH + 20, ty=y + 12, g=grade)
        )
        y += 20
    description = _(
        "For each option, the ballots giving each score, lowest on the left. The table below gives the figures."
    )
    return _svg(ident, _("Distribution of scores"), description, y + 4, Markup("").join(parts))
