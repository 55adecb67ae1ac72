"""Render a Result as a plain-text report: a round-by-round table, the ties, and the winners."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from civic.voting.counting.result import Number, Result, Round

ROUNDS_PER_BLOCK = 8
_PLACES = 5


def number_text(value: Number) -> str:
    """Show a tally exactly when it has at most five decimals, else rounded with a leading "~"."""
    if isinstance(value, int | Decimal):
        return str(value)
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**_PLACES
    if scaled.denominator == 1:
        exact = Decimal(scaled.numerator).scaleb(-_PLACES).normalize()
        return format(exact, "f")
    # Round half away from zero for display only; the count itself stays exact.
    rounded = (abs(scaled) + Fraction(1, 2)).__floor__() * (1 if value > 0 else -1)
    return "~" + format(Decimal(rounded).scaleb(-_PLACES), "f")


def _rows(rounds: list[Round], candidates: list[str]) -> list[str]:
    names = list(candidates)
    for round_ in rounds:
        names.extend(name for name in round_.tallies if name not in names)
    return names


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = []
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def _round_block(rounds: list[Round], names: list[str]) -> list[str]:
    header = ["Candidate", *(f"Round {r.number}" for r in rounds)]
    body = [
        [name, *(number_text(r.tallies[name]) if name in r.tallies else "" for r in rounds)] for name in names
    ]
    if any(r.exhausted for r in rounds):
        body.append(["Exhausted", *(number_text(r.exhausted) for r in rounds)])
    if any(r.loss for r in rounds):
        body.append(["Lost to rounding", *(number_text(r.loss) for r in rounds)])
    lines = _table(header, body)
    for r in rounds:
        events = []
        if r.elected:
            events.append("elected " + ", ".join(r.elected))
        if r.eliminated:
            events.append("eliminated " + ", ".join(r.eliminated))
        if r.transfers:
            moved = ", ".join(f"{name} {number_text(value)}" for name, value in r.transfers.items())
            events.append("transfers " + moved)
        if r.note:
            events.append(r.note)
        if events:
            lines.append(f"  Round {r.number}: " + "; ".join(events))
    return lines


def _pairwise(result: Result) -> list[str]:
    if not result.pairwise:
        return []
    n = len(result.candidates)
    header = ["Pairwise (row over column)", *(str(i) for i in range(1, n + 1))]
    body = [
        [f"{i}. {name}", *("-" if i == j else str(result.pairwise[i - 1][j - 1]) for j in range(1, n + 1))]
        for i, name in enumerate(result.candidates, 1)
    ]
    return ["", *_table(header, body)]


def render(result: Result) -> str:
    """Return the readable report of one count."""
    rules = result.rules
    ballots = result.ballots
    seats = f", {result.seats} seats" if result.seats != 1 else ""
    lines = [
        f"Method: {result.method}{seats}",
        f"Rules: preset {rules.get('preset', '?')}, tie-break {rules.get('tie_break', '?')}, seed {rules.get('seed', '?')}",
        f"Ballots: {ballots.cast} cast, {ballots.valid} valid, {ballots.set_aside} set aside, {ballots.distinct} distinct",
    ]
    names = _rows(result.rounds, result.candidates)
    for start in range(0, len(result.rounds), ROUNDS_PER_BLOCK):
        lines.append("")
        lines.extend(_round_block(result.rounds[start : start + ROUNDS_PER_BLOCK], names))
    lines.extend(_pairwise(result))
    if result.ties:
        lines.append("")
        lines.append("Ties:")
        lines.extend(
            f"  round {t.round}: {', '.join(t.tied)} tied ({t.purpose}); chose {t.chosen} by {t.how}"
            for t in result.ties
        )
    lines.append("")
    winners = ", ".join(f"{i}. {name}" for i, name in enumerate(result.winners, 1))
    lines.append(f"Winners: {winners}" if result.winners else "Winners: none")
    return "\n".join(lines) + "\n"
