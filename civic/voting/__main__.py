"""Count ballot files, convert between formats and verify a poll's audit download from the command line.

    python -m civic.voting count FILE --method irv [--seats N] [--rules PRESET] [--seed S] [--json]
    python -m civic.voting convert IN OUT
    python -m civic.voting verify DOWNLOAD.json|OPEN-DATA.zip [--receipt CODE] [--public-key HEX]

Unreadable input, a missing file or a bad option prints one line to stderr and exits with status 2;
`verify` exits with status 1 when a check fails, naming each failure. Nothing here loads Flask or
SQLAlchemy: the command checks a download without the site.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from civic.voting.counting import registry
from civic.voting.counting.formats import EXTENSIONS, FormatError, read_any, write_any
from civic.voting.counting.formats.source import Progress
from civic.voting.counting.model import Election, ScoreElection
from civic.voting.counting.report import render
from civic.voting.counting.rules import PRESETS, preset

if TYPE_CHECKING:
    from civic.voting.audit.verify import Report

USAGE_ERROR = 2
CHECK_FAILED = 1
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


# What each check covers, as `verify` prints it.
CHECK_NAMES = {
    "format": "the download is complete and well formed",
    "hashes": "each record matches its SHA-256 hash",
    "links": "each record points to the one before it, positions 1 to n without a gap",
    "signatures": "each record is signed by the server's key",
    "receipts": "each receipt code is the one its record's signature gives",
    "head": "the signed head counts every record and ends with the last one",
    "checkpoints": "every published head is signed and still in the chain; the last is the closing head",
    "recount": "counting the ballots that count again gives the published result",
}


def _print_report(report: Report, name: str) -> None:
    from civic.voting.audit.verify import CHECKS

    print(
        f"{name}: poll {report.poll_id}, {report.records} records, {report.counted} that count, "
        f"{report.checkpoints} checkpoint{'' if report.checkpoints == 1 else 's'}, public key {report.public_key}"
    )
    for check in CHECKS:
        if check == "format" and not report.failed(check):
            continue
        if check == "recount" and not report.recounted and not report.failed(check):
            print(f"  skipped  {CHECK_NAMES[check]} (no result in the download)")
            continue
        print(f"  {'ok' if not report.failed(check) else 'FAILED':7}  {CHECK_NAMES[check]}")
    if report.upgraded:
        print(
            f"  note: {report.upgraded} records were cast before ballots were signed: the server signed them "
            "when it was upgraded, with the receipt codes they had been given"
        )


def _audits(path: Path) -> list[tuple[str, object]]:
    """(name, document) of each audit in the file: one JSON audit download, or every poll's audit in a
    consultation's open-data package (a zip)."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = sorted(
                    n for n in archive.namelist() if n.startswith("polls/") and n.endswith("-audit.json")
                )
                return [(name, json.loads(archive.read(name))) for name in names]
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError) as error:
            _fail(f"{path}: not a readable open-data package ({error})")
    try:
        return [(path.name, json.loads(path.read_text(encoding="utf-8")))]
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except IsADirectoryError:
        _fail(f"{path}: is a directory")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        _fail(f"{path}: not a JSON audit download ({error})")


def _verify(args: argparse.Namespace) -> int:
    # Loaded by this command alone: the signatures' library is not needed to count or convert.
    from civic.voting.audit.records import normalise_receipt
    from civic.voting.audit.verify import verify

    audits = _audits(Path(args.file))
    if not audits:
        print(f"{args.file}: no closed poll in this package: nothing to verify")
        return 0
    code = None
    if args.receipt is not None:
        code = normalise_receipt(args.receipt)
        if code is None:
            _fail(
                f"--receipt {args.receipt!r} is not a receipt code (16 letters and digits, e.g. K7QX-3MPA-RT2W-BN5D)"
            )
    failed = False
    found = None
    for name, document in audits:
        report = verify(document, args.public_key)
        _print_report(report, name)
        failed = failed or not report.ok
        if code is not None and code in report.receipts:
            found = (name, report.receipts[code])
        if report.problems:
            print(f"{len(report.problems)} problem(s) in {name}:", file=sys.stderr)
            for problem in report.problems:
                print(f"  {problem.check}: {problem.detail}", file=sys.stderr)
    if code is not None:
        if found is None:
            print(f"receipt {code}: NOT FOUND among the records: the ballot is missing (tampering?)")
            failed = True
        else:
            name, entry = found
            state = "counted" if entry.counted else "replaced by a later ballot of the same voter"
            print(f"receipt {code}: {name}, record {entry.position}, {state}, choice {entry.choice}")
    print("FAILED" if failed else "all checks passed")
    return CHECK_FAILED if failed else 0


def parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation and tests)."""
    main = _Parser(
        prog="python -m civic.voting",
        description="Count ballots; convert ballot files; verify a poll's audit.",
    )
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
    check = commands.add_parser(
        "verify", help="verify a poll's audit download: chain, signatures, receipts, recount"
    )
    check.add_argument(
        "file", help="a poll's audit download (poll-N-audit.json) or a consultation's open-data zip"
    )
    check.add_argument("--receipt", help="your receipt code: say whether your ballot is there and counted")
    check.add_argument("--public-key", help="the server's public key as the site shows it (64 hex digits)")
    check.set_defaults(run=_verify)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
