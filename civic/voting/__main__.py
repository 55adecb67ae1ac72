"""Count ballot files and convert between formats from the command line.

    python -m civic.voting count FILE --method irv [--seats N] [--rules PRESET] [--seed S] [--json]
    python -m civic.voting convert IN OUT

Unreadable input, a missing file or a bad option prints one line to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from civic.voting.counting import registry
from civic.voting.counting.formats import EXTENSIONS, FormatError, read_any, write_any
from civic.voting.counting.formats.source import Progress
from civic.voting.counting.model import Election, ScoreElection
from civic.voting.counting.report import render
from civic.voting.counting.rules import PRESETS, preset

USAGE_ERROR = 2
# Below this size a file reads too quickly for a progress bar to be worth drawing.
PROGRESS_MIN_BYTES = 8 << 20
_BAR_WIDTH = 30


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's own usage errors also exit 2; print one line, like every other input error.
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(USAGE_ERROR)


def _progress_bar(path: Path, stream: TextIO) -> Progress | None:
    """Return a callback drawing a progress bar on `stream`, or None when it is not a terminal."""
    if not stream.isatty():
        return None
    try:
        if path.stat().st_size < PROGRESS_MIN_BYTES:
            return None
    except OSError:
        return None

    def draw(done: int, total: int) -> None:
        filled = _BAR_WIDTH * done // total if total else _BAR_WIDTH
        percent = 100 * done // total if total else 100
        stream.write(f"\rreading {path.name} [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {percent:3d}%")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def _read(name: str) -> Election | ScoreElection:
    path = Path(name)
    try:
        return read_any(path, _progress_bar(path, sys.stderr))
    except FormatError as error:
        _fail(f"{name}: {error}")
    except IsADirectoryError:
        _fail(f"{name}: is a directory")
    except FileNotFoundError:
        _fail(f"{name}: no such file")
    except OSError as error:
        _fail(f"{name}: {error.strerror or error}")


def _count(args: argparse.Namespace) -> int:
    election = _read(args.file)
    try:
        rules = preset(args.rules)
    except KeyError as error:
        _fail(str(error.args[0]))
    if args.seed is not None:
        rules = rules.with_seed(args.seed)
    if args.seats is not None and args.seats < 1:
        _fail(f"--seats must be at least 1, not {args.seats}")
    try:
        result = registry.count(args.method, election, rules, args.seats)
    except (registry.MethodUnavailable, registry.WrongBallots) as error:
        _fail(str(error))
    except ValueError as error:
        # A method refusing its input (too few candidates for the seats, an empty scale...).
        _fail(f"cannot count {args.file} with {args.method}: {error}")
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        if election.title:
            sys.stdout.write(f"{election.title}\n")
        sys.stdout.write(render(result))
    return 0


def _convert(args: argparse.Namespace) -> int:
    election = _read(args.input)
    try:
        write_any(election, args.output)
    except FormatError as error:
        _fail(f"{args.output}: {error}")
    except OSError as error:
        _fail(f"{args.output}: {error.strerror or error}")
    return 0


def parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation and tests)."""
    main = _Parser(prog="python -m civic.voting", description="Count ballots; convert ballot files.")
    commands = main.add_subparsers(dest="command", required=True, parser_class=_Parser)
    count = commands.add_parser("count", help="count a ballot file and print the rounds")
    count.add_argument("file", help=f"ballot file ({', '.join(EXTENSIONS)})")
    count.add_argument("--method", required=True, choices=list(registry.METHODS), help="counting method")
    count.add_argument("--seats", type=int, help="seats to fill (default: the file's, else 1)")
    count.add_argument("--rules", default="default", choices=sorted(PRESETS), help="rules preset")
    count.add_argument("--seed", type=int, help="seed for ties decided by lot (default: the preset's)")
    count.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    count.set_defaults(run=_count)
    convert = commands.add_parser("convert", help="convert a ballot file to another format, by extension")
    convert.add_argument("input", help="file to read")
    convert.add_argument("output", help="file to write; its extension picks the format")
    convert.set_defaults(run=_convert)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
