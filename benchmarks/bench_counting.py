"""Time civic's counting against pref_voting, votekit and pyrankvote on the same ballot lists (not a test).

Usage: python benchmarks/bench_counting.py [--ballots 100000 1000000] [--methods irv stv schulze ...]
                                           [--libraries civic pyrankvote ...] [--kinds full truncated]
                                           [--quick] [--timeout S] [--repeats N] [--no-blt]

Every (library, method, ballot count, ranking kind) runs in a fresh process of its own, so imports and
memory do not interfere. Each process draws the same seeded ballot list (10 candidates; "full" rankings
are random permutations, "truncated" ones random prefixes of length 1..10) as a list of tuples of
candidate indices, then times building its own profile from that list *and* counting; civic's time
includes Election.from_rankings. Times are CPU seconds (time.process_time) and wall seconds, the best
of the runs that fit in 5 s of CPU (at least one, at most --repeats, 100), the same budget for every
library. A peer is run on 1,000,000 ballots only if it took under --budget seconds on 100,000; a run
over --timeout seconds is stopped and shown as "> timeout". Nothing is extrapolated.

Memory, per worker process: "civic peak MB" is the tracemalloc peak of one more civic run (numpy arrays
included, the ballot list not); "rss before MB" is the resident size once the library is imported and
the ballot list built, before any timed run; "peak rss MB" is the process's peak resident size (VmHWM)
over its whole life: interpreter, library, ballot list and every timed run (not the tracemalloc run).
Winners are compared with civic's where the library has the method; the issue's targets are checked
at the end against what the run measured.
"""

from __future__ import annotations

import argparse
import importlib
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

Rows = list[tuple[int, ...]]
Winners = list[str]
CHUNK = 1 << 16


def ballot_list(ballots: int, kind: str) -> Rows:
    """Return the seeded ballot list: one tuple of candidate indices per ballot, most preferred first.

    Full rankings are random permutations, truncated ones random prefixes of length 1..10. Tuples
    are the most compact Python sequences of ints (the ints themselves are shared small ints); they
    are made in ballot order, as a reader would make them, and a chunk at a time, so that making the
    list takes little more memory than holding it. (Sharing one tuple among identical rankings would
    save memory on truncated ballots, but every library then walks memory in a scattered order and
    runs slower.) The ballots are those the earlier list-of-lists version drew from the same seed.
    """
    import numpy as np

    rng = np.random.default_rng(SEED + (kind == "truncated"))
    # Drawn chunk by chunk, the random numbers (and so the ballots) are those of one big draw.
    ranks = np.empty((ballots, CANDIDATES), dtype=np.int8)
    for start in range(0, ballots, CHUNK):
        stop = min(start + CHUNK, ballots)
        ranks[start:stop] = np.argsort(rng.random((stop - start, CANDIDATES)), axis=1)
    lengths = (
        rng.integers(1, CANDIDATES + 1, ballots) if kind == "truncated" else np.full(ballots, CANDIDATES)
    )
    rows: Rows = []
    for start in range(0, ballots, CHUNK):
        stop = min(start + CHUNK, ballots)
        rows.extend(
            tuple(row[:k])
            for row, k in zip(ranks[start:stop].tolist(), lengths[start:stop].tolist(), strict=True)
        )
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


# What each library imports: loaded before "rss before" is taken, so that figure includes the library.
# (Only imports: a first count of a few ballots could hang, since Ranked Pairs in pref_voting and votekit
# tries every order of tied margins, and a small profile has many ties.)
MODULES: dict[str, tuple[str, ...]] = {
    "civic": tuple(
        f"civic.voting.counting.{name}" for name in ("registry", "irv", "stv", "condorcet", "borda")
    ),
    "pyrankvote": ("pyrankvote",),
    "pref_voting": (
        "pref_voting.iterative_methods",
        "pref_voting.margin_based_methods",
        "pref_voting.profiles",
        "pref_voting.profiles_with_ties",
        "pref_voting.scoring_methods",
    ),
    "votekit": ("votekit", "votekit.elections"),
    "votekit-fast": ("votekit", "votekit.elections"),
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


def memory_mb(field: str) -> float:
    """Return this process's resident memory now ("VmRSS") or at its peak ("VmHWM"), in MB.

    Read from /proc/self/status: getrusage's ru_maxrss would be wrong here, because a child started
    by vfork (as subprocess does) inherits its parent's peak at exec, so a worker would report the
    driver's peak whenever that is higher (the driver builds the ballot lists it writes as BLT files).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Not Linux: the peak is the best there is (in bytes on macOS, in KB elsewhere).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


# Every library gets the same CPU budget per case: runs are repeated until it is spent (at least one
# run, at most --repeats), and the best is kept, so that a short burst of load on the machine does
# not decide a figure. A fast library simply gets more runs in the same budget.
BUDGET_CPU = 5.0


def best_of(call: Callable[[], Winners], repeats: int) -> tuple[float, float, Winners]:
    """Run until BUDGET_CPU seconds of CPU are spent (at most `repeats` runs); return the best times."""
    cpu = wall = float("inf")
    spent = 0.0
    winners: Winners = []
    for _ in range(repeats):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        winners = call()
        took = time.process_time() - started_cpu
        cpu, wall = min(cpu, took), min(wall, time.perf_counter() - started_wall)
        spent += took
        if spent > BUDGET_CPU:
            break
    return cpu, wall, winners


def worker(
    library: str, method: str, ballots: int, kind: str, blt: str | None, repeats: int
) -> dict[str, Any]:
    import gc

    if blt is not None:
        from civic.voting.counting.formats.blt import read_blt  # noqa: F401 - imported before "before"
        from civic.voting.counting.irv import count_irv  # noqa: F401

        call: Callable[[], Winners] = lambda: civic_blt(method, blt)  # noqa: E731
    else:
        run = runner(library)
        for module in MODULES[library]:
            importlib.import_module(module)
        rows = ballot_list(ballots, kind)
        call = lambda: run(method, rows)  # noqa: E731
    gc.collect()
    # Resident memory before any counting: interpreter, the library and the ballot list (if any).
    before = memory_mb("VmRSS")
    cpu, wall, winners = best_of(call, repeats)
    out: dict[str, Any] = {"cpu": cpu, "wall": wall, "winners": winners}
    # The process's peak, over building the list and every timed run (tracemalloc not yet started).
    out["before_mb"], out["rss_mb"] = before, memory_mb("VmHWM")
    if library == "civic":
        tracemalloc.start()
        call()
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def measure(
    library: str,
    method: str,
    ballots: int,
    kind: str,
    timeout: float,
    repeats: int,
    blt: str | None = None,
) -> dict[str, Any]:
    """Run one measurement in a fresh process; return its result, or {"timeout": s} / {"error": text}."""
    command = [sys.executable, __file__, "--worker", library, method, str(ballots), kind, str(repeats)]
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


def wall(result: dict[str, Any]) -> str:
    return f"{result['wall']:.3f}" if "wall" in result else ""


def memory(result: dict[str, Any]) -> str:
    """Return the memory columns of a result: civic peak, rss before, peak rss."""
    return " | ".join(
        f"{result[key]:.0f}" if key in result else "" for key in ("peak_mb", "before_mb", "rss_mb")
    )


def targets(seen: dict[tuple[str, str, str, int], dict[str, Any]], blt: dict[tuple[str, int], Any]) -> None:
    """Print the issue's targets against what this run measured (only what it measured)."""
    print("\nTargets (issue 3), as measured by this run:")
    for (library, method, kind, ballots), ours in seen.items():
        if library != "civic" or ballots != 100_000 or "cpu" not in ours:
            continue
        peers = {
            lib: v
            for (lib, m, k, b), v in seen.items()
            if lib != "civic" and (m, k, b) == (method, kind, ballots)
        }
        # A peer stopped by the timeout took at least that long: its ratio is a lower bound.
        times: dict[str, float] = {}
        for lib, v in peers.items():
            if "cpu" in v or "timeout" in v:
                times[lib] = float(v["cpu"] if "cpu" in v else v["timeout"])
        if not times:
            continue
        fastest = min(times, key=lambda lib: times[lib])
        ratio = times[fastest] / ours["cpu"]
        verdict = "met" if ratio >= 20 else "NOT met"
        print(f"- 100,000 {kind} {method}: {ratio:.0f}x {fastest} (>= 20x): {verdict}")
    for (library, method, kind, ballots), ours in seen.items():
        if library == "civic" and ballots == 1_000_000 and method in ("irv", "schulze") and "cpu" in ours:
            verdict = "met" if ours["cpu"] < 1 else "NOT met"
            print(f"- 1,000,000 {kind} {method}: {ours['cpu']:.3f} s CPU (< 1 s): {verdict}")
    for (kind, ballots), result in blt.items():
        if ballots == 1_000_000 and "cpu" in result:
            verdict = "met" if result["cpu"] < 3 else "NOT met"
            print(f"- read_blt 1,000,000 {kind}: {result['cpu']:.3f} s CPU (< 3 s): {verdict}")
    counted = [v for (_, _, _, b), v in seen.items() if b == 1_000_000 and "rss_mb" in v]
    civic_rss = [
        v["rss_mb"]
        for (lib, _, _, b), v in seen.items()
        if lib == "civic" and b == 1_000_000 and "rss_mb" in v
    ]
    read_rss = [v["rss_mb"] for (_, b), v in blt.items() if b == 1_000_000 and "rss_mb" in v]
    if counted and civic_rss:
        top = max(civic_rss + read_rss)
        verdict = "met" if top < 300 else "NOT met"
        print(
            f"- peak RSS of civic at 1,000,000 (list and BLT reads included): {top:.0f} MB (< 300 MB): {verdict}"
        )


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
    parser.add_argument(
        "--repeats",
        type=int,
        default=100,
        help="most timed runs per case, within 5 s of CPU (the best is shown)",
    )
    parser.add_argument("--no-blt", action="store_true", help="skip the BLT file timing")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--blt", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        library, method, ballots, kind, repeats = args.worker
        print(json.dumps(worker(library, method, int(ballots), kind, args.blt, int(repeats))))
        return
    if args.quick:
        args.ballots = [10_000]
        args.libraries = [lib for lib in args.libraries if lib in ("civic", "pyrankvote", "pref_voting")]
    print(f"# bench_counting: {CANDIDATES} candidates, STV {SEATS} seats, seed {SEED}; CPU seconds")
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(
        "| ballots | kind | method | library | cpu s | wall s | peer/civic | civic peak MB | rss before MB "
        "| peak rss MB | winners |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    seen: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for ballots in sorted(args.ballots):
        for kind in args.kinds:
            for method in args.methods:
                ours = measure("civic", method, ballots, kind, args.timeout, args.repeats)
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
                            result = measure(library, method, ballots, kind, args.timeout, args.repeats)
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
                    note = result.get("error", "")
                    print(
                        f"| {ballots:,} | {kind} | {method} | {library} | {shown(result)} | {wall(result)} "
                        f"| {ratio} | {memory(result)} | {agree}{note} |",
                        flush=True,
                    )
    blt: dict[tuple[str, int], Any] = {}
    if not args.no_blt:
        with tempfile.TemporaryDirectory() as folder:
            for ballots in sorted(args.ballots):
                for kind in args.kinds:
                    path = Path(folder) / f"{kind}-{ballots}.blt"
                    write_blt(ballots, kind, path)
                    for method in ("read", "irv"):
                        result = measure(
                            "civic", method, ballots, kind, args.timeout, args.repeats, blt=str(path)
                        )
                        if method == "read":
                            blt[(kind, ballots)] = result
                        label = "read_blt" if method == "read" else "read_blt + irv"
                        size = path.stat().st_size / 2**20
                        print(
                            f"| {ballots:,} | {kind} | {label} ({size:.0f} MB file) | civic | {shown(result)} "
                            f"| {wall(result)} | | {memory(result)} "
                            f"| {' '.join(result.get('winners', []))}{result.get('error', '')} |",
                            flush=True,
                        )
    targets(seen, blt)


if __name__ == "__main__":
    main()
