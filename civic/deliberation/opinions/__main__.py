"""Analyse a Pol.is export from the command line.

    python -m civic.deliberation.opinions analyse DIR [--json]

DIR holds comments.csv and votes.csv and/or participants-votes.csv. With --json the result is printed
as {"participants": {...}, "groups": [...], "consensus": [...], "statements": [...], ...}; without, a
short report. An unreadable export prints one line to stderr and exits with status 2. Nothing here
loads Flask or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from civic.deliberation.opinions.analysis import Analysis, VoteMatrix, analyse
from civic.deliberation.opinions.analysis.polis import MODERATED_OUT, Export, ExportError, read_folder

USAGE_ERROR = 2
LETTERS = "ABCDEFGHIJ"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def run(export: Export) -> Analysis:
    """Analyse an export: its moderated-out comments count for nothing."""
    matrix = VoteMatrix.from_votes(export.votes, [c.id for c in export.comments])
    return analyse(matrix, excluded=[c.id for c in export.comments if c.moderated == MODERATED_OUT])


def _report(export: Export, result: Analysis) -> str:
    bodies = {c.id: " ".join(c.body.split()) for c in export.comments}
    grouped = sum(1 for g in result.participants.values() if g is not None)
    lines = [f"{len(result.participants)} participants, {grouped} in {len(result.groups)} groups"]
    for group in result.groups:
        lines.append(f"\nGroup {LETTERS[group.id]} ({group.size} people):")
        for item in group.representative:
            lines.append(
                f"  {item.direction} {round(100 * item.share)}%: {bodies.get(item.statement, '')[:100]}"
            )
    lines.append("\nConsensus:")
    for statement, score in result.consensus:
        lines.append(f"  {score:.2f} {bodies.get(statement, '')[:100]}")
    lines.append("\nDivisive:")
    for statement, score in result.divisive:
        lines.append(f"  {score:.2f} {bodies.get(statement, '')[:100]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m civic.deliberation.opinions", description="Analyse a Pol.is export.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("analyse", help="groups, consensus and statement scores of an export")
    command.add_argument(
        "folder", help="a Pol.is export folder (comments.csv, votes.csv or participants-votes.csv)"
    )
    command.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args(argv)
    try:
        export = read_folder(Path(options.folder))
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    result = run(export)
    if options.json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_report(export, result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
