"""Count every BLT file under a directory with the scotland preset; print files, errors and time.

Usage: python benchmarks/scot_corpus.py CORPUS_DIR [--surplus wig|gregory-last-parcel|meek]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from civic.voting.counting.formats.blt import read_blt
from civic.voting.counting.rules import Surplus, preset
from civic.voting.counting.stv import count_stv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--surplus", default="wig", choices=["wig", "gregory-last-parcel", "meek"])
    args = parser.parse_args()
    surplus: Surplus = args.surplus
    rules = replace(preset("scotland"), surplus=surplus)
    files = sorted(args.corpus.rglob("*.blt"))
    errors: list[tuple[Path, str]] = []
    reading = counting = 0.0
    ballots = 0
    for path in files:
        started = time.perf_counter()
        try:
            election = read_blt(path)
            read = time.perf_counter()
            result = count_stv(election, rules)
            counted = time.perf_counter()
            reading += read - started
            counting += counted - read
            ballots += election.total_ballots
            if len(result.winners) != min(election.seats, len(election.candidates) - len(election.withdrawn)):
                errors.append((path, f"{len(result.winners)} winners for {election.seats} seats"))
        except Exception as error:  # noqa: BLE001 -- a corpus run reports every failure and carries on
            errors.append((path, f"{type(error).__name__}: {error}"))
    print(
        f"files counted: {len(files) - len(errors)} of {len(files)} ({ballots:,} ballots, surplus {surplus})"
    )
    print(f"errors: {len(errors)}")
    for path, message in errors[:20]:
        print(f"  {path}: {message}")
    print(f"time: reading {reading:.2f} s, counting {counting:.2f} s, total {reading + counting:.2f} s")


if __name__ == "__main__":
    main()
