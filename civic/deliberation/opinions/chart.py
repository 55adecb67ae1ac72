"""The opinion map as SVG: one dot per base cluster (its area the people in it), each group's letter at its centre.

The drawing is decorative for screen readers (the page's table says the same in words); groups differ
by colour and by the letter written on them, never by colour alone. A participant placed in a group
sees their own place marked by a black ring and the words "You are here" (the page also says their
group in words).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, MARGIN = 640, 400, 28
PALETTE = ("#1d4e89", "#b3541e", "#2e7d32", "#6a1b9a", "#8d6e00")
UNGROUPED = "#767676"


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    r: float
    colour: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    colour: str


def colour(group: int | None) -> str:
    return PALETTE[group % len(PALETTE)] if group is not None else UNGROUPED


@dataclass(frozen=True, slots=True)
class Marker:
    """The viewer's own place; the words go on the side of the point with more room."""

    x: float
    y: float
    text_x: float
    text_y: float
    anchor: str


def drawing(
    base_clusters: list[dict[str, Any]],
    groups: list[tuple[int, str, tuple[float, float]]],
    me: tuple[float, float] | None = None,
) -> tuple[list[Dot], list[Label], Marker | None]:
    """Place base clusters, group letters and the viewer's place in the WIDTH × HEIGHT box, keeping proportions."""
    points = [(float(b["centre"][0]), float(b["centre"][1])) for b in base_clusters]
    points += [centre for _g, _l, centre in groups]
    if me is not None:
        points.append(me)
    if not points:
        return [], [], None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    scale = min(WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN) / span
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def place(x: float, y: float) -> tuple[float, float]:
        return WIDTH / 2 + (x - mid_x) * scale, HEIGHT / 2 - (y - mid_y) * scale

    largest = max((int(b["size"]) for b in base_clusters), default=1) or 1
    dots = []
    for cluster in base_clusters:
        x, y = place(float(cluster["centre"][0]), float(cluster["centre"][1]))
        radius = 3 + 14 * math.sqrt(int(cluster["size"]) / largest)
        dots.append(Dot(round(x, 1), round(y, 1), round(radius, 1), colour(cluster.get("group"))))
    labels = []
    for group, text, centre in groups:
        x, y = place(*centre)
        labels.append(Label(round(x, 1), round(y, 1), text, colour(group)))
    marker = None
    if me is not None:
        x, y = place(*me)
        left = x > WIDTH / 2
        marker = Marker(
            round(x, 1),
            round(y, 1),
            round(x - 14 if left else x + 14, 1),
            round(min(max(y + 5, 20.0), HEIGHT - 8), 1),
            "end" if left else "start",
        )
    return dots, labels, marker
