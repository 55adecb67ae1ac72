"""Opinion-map analysis at scale, beside red-dwarf: 10,000 participants × 1,000 statements, 2,000,000 votes.

    python benchmarks/bench_opinions.py [--participants N] [--statements N] [--votes N] [--skip-red-dwarf]

Prints, for Civic's analysis (civic.deliberation.opinions.analysis) and for red-dwarf's Pol.is pipeline
(run_pipeline, PCA + k-means) on the same votes: the time and the peak memory (tracemalloc) of a full
analysis, and of the update after 1,000 new votes (Civic starts from its last run's state; red-dwarf has
no incremental path and runs again). The votes are synthetic: four opinion groups with their own chance
of agreeing with each statement, each participant seeing a random fifth of the statements. Targets
(issue 20): full analysis under 5 s and no slower than red-dwarf, the update under 1 s. Wall times
depend on what else the machine runs: the CPU time (all threads) is printed beside them.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from civic.deliberation.opinions.analysis import VoteMatrix, analyse

SEED = 20
UPDATE_VOTES = 1_000


def synthetic(
    participants: int, statements: int, votes: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parallel arrays (participant, statement, vote), each pair once, in groups that vote alike."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 4, participants)
    chances = rng.uniform(0.1, 0.9, size=(4, statements))
    per_person = votes // participants
    people = np.repeat(np.arange(participants), per_person)
    # A random fifth of the statements for each person (argsort of random keys: no repeats per person).
    said = np.argsort(rng.random((participants, statements)), axis=1)[:, :per_person].ravel()
    draw = rng.random(people.size)
    agree = chances[groups[people], said]
    value = np.where(draw < agree, 1, np.where(draw < agree + (1 - agree) * 0.8, -1, 0))
    return people, said, value


def measure(label: str, work: Callable[[], Any]) -> tuple[Any, float, float]:
    gc.collect()
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<42} {elapsed:8.2f} s  (CPU {cpu:6.2f} s)   peak {peak / 2**20:8.0f} MB")
    return result, elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--skip-red-dwarf", action="store_true")
    options = parser.parse_args()
    people, said, value = synthetic(options.participants, options.statements, options.votes)
    rng = np.random.default_rng(SEED + 1)
    extra = [
        (int(p), int(s), int(v))
        for p, s, v in zip(
            rng.integers(0, options.participants, UPDATE_VOTES),
            rng.integers(0, options.statements, UPDATE_VOTES),
            rng.choice([-1, 0, 1], UPDATE_VOTES),
            strict=True,
        )
    ]
    print(f"{options.participants} participants × {options.statements} statements, {people.size:,} votes")
    print("Civic (civic.deliberation.opinions.analysis)")
    matrix, build_time, _peak = measure(
        "vote matrix from the votes", lambda: VoteMatrix.from_arrays(people, said, value)
    )
    first, full_time, _peak = measure("full analysis", lambda: analyse(matrix))
    print(f"  {'':<42} {len(first.groups)} groups, silhouette {first.silhouette:.2f}")

    def update() -> Any:
        matrix.record(extra)
        return analyse(matrix, previous=first.state)

    second, update_time, _peak = measure(f"update after {UPDATE_VOTES:,} new votes", update)
    moved = sum(1 for p, g in first.participants.items() if second.participants.get(p) != g)
    print(f"  {'':<42} {moved} participants changed group")
    if options.skip_red_dwarf:
        return
    warnings.filterwarnings("ignore", module="pydantic")  # red-dwarf's models warn on import
    from reddwarf.implementations.polis import run_pipeline

    print("red-dwarf (reddwarf.implementations.polis.run_pipeline, PCA + k-means)")
    records = [
        {"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": 0}
        for p, s, v in zip(people, said, value, strict=True)
    ]
    _result, dwarf_time, _peak = measure(
        "full analysis", lambda: run_pipeline(votes=records, random_state=SEED)
    )
    # red-dwarf takes each pair once: the new votes replace the earlier ones on the same pairs.
    latest = {(r["participant_id"], r["statement_id"]): r for r in records}
    latest.update(
        {(p, s): {"participant_id": p, "statement_id": s, "vote": v, "modified": 1} for p, s, v in extra}
    )
    later = list(latest.values())
    _result, dwarf_update, _peak = measure(
        f"again after {UPDATE_VOTES:,} new votes", lambda: run_pipeline(votes=later, random_state=SEED)
    )
    print(
        f"Civic's full analysis is {dwarf_time / full_time:.1f}× red-dwarf's speed; its update "
        f"{dwarf_update / update_time:.1f}× (targets: full < 5 s and ≥ 1×, update < 1 s: "
        f"{'met' if full_time < 5 and full_time <= dwarf_time and update_time < 1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
