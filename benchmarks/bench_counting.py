"""Time civic's counting against pref_voting, votekit and pyrankvote on the same ballot lists (not a test).

Usage: python benchmarks/bench_counting.py [--ballots 100000 1000000] [--methods irv stv schulze ...]
                                           [--libraries civic pyrankvote ...] [--quick] [--timeout S]

Every (library, method, ballot count, ranking kind) runs in a fresh process of its own, so imports and
memory do not interfere. Each process draws the same seeded ballot list (10 candidates; "full" rankings
are random permutations, "truncated" ones random prefixes of length 1..10) as a list of lists of
candidate indices, then times building its own profile from that list *and* counting; civic's time
includes Election.from_rankings. Times are CPU seconds (time.process_time) and wall seconds, the best
of up to 3 runs (fewer when a run takes over 5 s). A peer is run on 1,000,000 ballots only if it took
under --budget seconds on 100,000; a run over --timeout seconds is stopped and shown as "> timeout".
Nothing is extrapolated. civic's peak memory is the tracemalloc peak of one more run (numpy arrays
included); "rss" is the worker process's peak resident size, the ballot list itself included.
Winners are compared with civic's where the library has the method.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

CANDIDATES = 10
SEATS = 3
SEED = 20240
METHODS = ("irv", "stv", "schulze", "ranked-pairs", "borda")
LIBRARIES = ("civic", "pyrankvote", "pref_voting", "votekit", "votekit-fast")
KINDS = ("full", "truncated")
NAMES = [f"C{i}" for i in range(CANDIDATES)]

Rows = list[list[int]]
Winners = list[str]


def ballot_list(ballots: int, kind: str) -> Rows:
    """Return the seeded ballot list: lists of candidate indices, most preferred first."""
    import numpy as np

    rng = np.random.default_rng(SEED + (kind == "truncated"))
    rows: Rows = np.argsort(rng.random((ballots, CANDIDATES)), axis=1).tolist()
    if kind == "truncated":
        lengths = rng.integers(1, CANDIDATES + 1, ballots).tolist()
        rows = [row[:k] for row, k in zip(rows, lengths, strict=True)]
    return rows


# --- one function per library: build the library's profile from `rows`, count, return winners ---------


def civic(method: str, rows: Rows) -> Winners:
    from civic.voting.counting.model import Election
    from civic.voting.counting.registry import count

    election = Election.from_rankings(NAMES, rows, seats=SEATS if method == "stv" else 1)
    return count(method, election).winners


def civic_blt(method: str, path: str) -> Winners:
    from civic.voting.counting.formats.blt import read_blt
    from civic.voting.counting.registry import count

    election = read_blt(path)
    return count(method, election).winners if method != "read" else []


def pyrankvote_count(method: str, rows: Rows) -> Winners:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    people = [Candidate(name) for name in NAMES]
    ballots = [Ballot(ranked_candidates=[people[c] for c in row]) for row in rows]
    if method == "irv":
        result = pyrankvote.instant_runoff_voting(people, ballots)
    else:
        result = pyrankvote.single_transferable_vote(people, ballots, SEATS)
    return [c.name for c in result.get_winners()]


def pref_voting_count(method: str, rows: Rows) -> Winners:
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.margin_based_methods import beat_path, ranked_pairs
    from pref_voting.profiles import Profile
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.scoring_methods import borda, borda_for_profile_with_ties, domination_borda_scores

    full = all(len(row) == CANDIDATES for row in rows)
    if full:
        profile: Any = Profile(rows)
    else:
        # Unranked candidates below ranked ones, tied with each other: civic's reading.
        profile = ProfileWithTies(
            [{c: i + 1 for i, c in enumerate(row)} for row in rows], candidates=list(range(CANDIDATES))
        )
        profile.use_extended_strict_preference()
    if method == "borda" and not full:
        winners = borda_for_profile_with_ties(profile, borda_scores=domination_borda_scores)
    else:
        winners = {"irv": instant_runoff, "schulze": beat_path, "ranked-pairs": ranked_pairs, "borda": borda}[
            method
        ](profile)
    return [NAMES[c] for c in winners]


def votekit_count(method: str, rows: Rows, fast: bool = False) -> Winners:
    from votekit import RankBallot, RankProfile
    from votekit.elections import IRV, STV, Borda, FastSTV, RankedPairs, Schulze

    profile = RankProfile(
        ballots=[RankBallot(ranking=tuple(frozenset({NAMES[c]}) for c in row)) for row in rows],
        candidates=NAMES,
    )
    if method == "stv":
        election: Any = FastSTV(profile, n_seats=SEATS) if fast else STV(profile, n_seats=SEATS)
    else:
        election = {"irv": IRV, "schulze": Schulze, "ranked-pairs": RankedPairs, "borda": Borda}[method](
            profile
        )
    return [name for group in election.get_elected() for name in sorted(group)]


HAS: dict[str, tuple[str, ...]] = {
    "civic": METHODS,
    "pyrankvote": ("irv", "stv"),
    "pref_voting": ("irv", "schulze", "ranked-pairs", "borda"),
    "votekit": ("irv", "stv", "schulze", "ranked-pairs", "borda"),
    "votekit-fast": ("stv",),
}


def runner(library: str) -> Callable[[str, Rows], Winners]:
    if library == "votekit-fast":
        return lambda method, rows: votekit_count(method, rows, fast=True)
    return {
        "civic": civic,
        "pyrankvote": pyrankvote_count,
        "pref_voting": pref_voting_count,
        "votekit": votekit_count,
    }[library]


# --- the worker: one process per measurement -------------------------------------------------------------


def best_of(call: Callable[[], Winners]) -> tuple[float, float, Winners]:
    """Run up to 3 times (stopping once 5 s of CPU are spent); return the best CPU and wall times."""
    cpu = wall = float("inf")
    spent = 0.0
    winners: Winners = []
    for _ in range(3):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        winners = call()
        took = time.process_time() - started_cpu
        cpu, wall = min(cpu, took), min(wall, time.perf_counter() - started_wall)
        spent += took
        if spent > 5:
            break
    return cpu, wall, winners


def worker(library: str, method: str, ballots: int, kind: str, blt: str | None) -> dict[str, Any]:
    import gc

    if blt is not None:
        call: Callable[[], Winners] = lambda: civic_blt(method, blt)  # noqa: E731
    else:
        rows = ballot_list(ballots, kind)
        run = runner(library)
        call = lambda: run(method, rows)  # noqa: E731
    gc.collect()
    cpu, wall, winners = best_of(call)
    out: dict[str, Any] = {"cpu": cpu, "wall": wall, "winners": winners}
    if library == "civic":
        tracemalloc.start()
        call()
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure(
    library: str, method: str, ballots: int, kind: str, timeout: float, blt: str | None = None
) -> dict[str, Any]:
    """Run one measurement in a fresh process; return its result, or {"timeout": s} / {"error": text}."""
    command = [sys.executable, __file__, "--worker", library, method, str(ballots), kind]
    if blt is not None:
        command += ["--blt", blt]
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def write_blt(ballots: int, kind: str, path: Path) -> None:
    rows = ballot_list(ballots, kind)
    lines = [f"{CANDIDATES} {SEATS}"]
    lines += ["1 " + " ".join(str(c + 1) for c in row) + " 0" for row in rows]
    lines += ["0", *(f'"{name}"' for name in NAMES), '"bench_counting"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def shown(result: dict[str, Any]) -> str:
    if "timeout" in result:
        return f"> {result['timeout']:.0f} s"
    if "error" in result:
        return "error"
    if "skipped" in result:
        return "skipped"
    return f"{result['cpu']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES), choices=LIBRARIES)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument(
        "--quick", action="store_true", help="10,000 ballots, civic and pyrankvote/pref_voting"
    )
    parser.add_argument("--timeout", type=float, default=300, help="stop a peer run after this many seconds")
    parser.add_argument("--budget", type=float, default=10, help="run a peer at 1M only if 100k took less")
    parser.add_argument("--no-blt", action="store_true", help="skip the BLT file timing")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--blt", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        library, method, ballots, kind = args.worker
        print(json.dumps(worker(library, method, int(ballots), kind, args.blt)))
        return
    if args.quick:
        args.ballots = [10_000]
        args.libraries = [lib for lib in args.libraries if lib in ("civic", "pyrankvote", "pref_voting")]
    print(f"# bench_counting: {CANDIDATES} candidates, STV {SEATS} seats, seed {SEED}; CPU seconds")
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(
        "| ballots | kind | method | library | cpu s | wall s | peer/civic | civic peak MB | rss MB | winners |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    seen: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for ballots in sorted(args.ballots):
        for kind in args.kinds:
            for method in args.methods:
                ours = measure("civic", method, ballots, kind, args.timeout)
                for library in args.libraries:
                    if method not in HAS[library]:
                        continue
                    if library == "civic":
                        result = ours
                    else:
                        earlier = [
                            v for (lib, m, k, b), v in seen.items() if (lib, m, k) == (library, method, kind)
                        ]
                        too_slow = any("cpu" not in v or v["cpu"] > args.budget for v in earlier)
                        if ballots > 100_000 and too_slow:
                            result = {"skipped": True}
                        else:
                            result = measure(library, method, ballots, kind, args.timeout)
                    seen[(library, method, kind, ballots)] = result
                    ratio = (
                        f"{result['cpu'] / ours['cpu']:.0f}x"
                        if library != "civic" and "cpu" in result and "cpu" in ours
                        else "> " + f"{result['timeout'] / ours['cpu']:.0f}x"
                        if "timeout" in result and "cpu" in ours
                        else ""
                    )
                    agree = ""
                    if "winners" in result and "winners" in ours and library != "civic":
                        agree = "same" if sorted(result["winners"]) == sorted(ours["winners"]) else "DIFFER"
                    elif library == "civic" and "winners" in result:
                        agree = " ".join(result["winners"])
                    wall = f"{result['wall']:.3f}" if "wall" in result else ""
                    peak = f"{result['peak_mb']:.0f}" if "peak_mb" in result else ""
                    rss = f"{result['rss_mb']:.0f}" if "rss_mb" in result else ""
                    note = result.get("error", "")
                    print(
                        f"| {ballots:,} | {kind} | {method} | {library} | {shown(result)} | {wall} | {ratio} "
                        f"| {peak} | {rss} | {agree}{note} |",
                        flush=True,
                    )
    if args.no_blt:
        return
    with tempfile.TemporaryDirectory() as folder:
        for ballots in sorted(args.ballots):
            for kind in args.kinds:
                path = Path(folder) / f"{kind}-{ballots}.blt"
                write_blt(ballots, kind, path)
                for method in ("read", "irv"):
                    result = measure("civic", method, ballots, kind, args.timeout, blt=str(path))
                    label = "read_blt" if method == "read" else "read_blt + irv"
                    wall = f"{result['wall']:.3f}" if "wall" in result else ""
                    peak = f"{result['peak_mb']:.0f}" if "peak_mb" in result else ""
                    rss = f"{result['rss_mb']:.0f}" if "rss_mb" in result else ""
                    size = path.stat().st_size / 2**20
                    print(
                        f"| {ballots:,} | {kind} | {label} ({size:.0f} MB file) | civic | {shown(result)} | {wall} "
                        f"| | {peak} | {rss} | {' '.join(result.get('winners', []))}{result.get('error', '')} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
