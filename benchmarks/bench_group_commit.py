"""CPU and wall time of one co-drafting group-commit batch on PostgreSQL, in a transaction or autocommit.

Run: `.venv/bin/python benchmarks/bench_group_commit.py [--batches 600] [--rows 1,3]` (PostgreSQL at
TEST_DATABASE_URL or DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test: a fresh database
is created and dropped).

As in a served process: eventlet with psycogreen, the group commit's own `_commit` (the hand-written
multi-row INSERT) on one pooled connection, batches one after the other. "transaction" is how batches
were stored until session 5 (BEGIN, INSERT, COMMIT: three round trips); "autocommit" is how they are
now (the INSERT commits by itself: one round trip). The modes alternate, 3 rounds, and the best round
of each is printed, since other work on the machine only ever adds time.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civic.deliberation.drafting.log import group_commit  # noqa: E402
from civic.extensions import db  # noqa: E402
from civic.timestamps import utcnow  # noqa: E402
from tests.scale import harness  # noqa: E402


def timed(
    committer: group_commit.GroupCommit, mode: str, rows: int, batches: int, document_id: int
) -> tuple[float, float]:
    """Microseconds of process CPU and of wall time per batch."""
    statement = committer.statement()
    with db.engine.connect() as connection:
        if mode == "autocommit":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(batches):
            batch = group_commit._Batch()
            batch.rows = [
                {"document_id": document_id, "data": b"\x00\x00", "user_id": None, "created_at": utcnow()}
                for _ in range(rows)
            ]
            committer._commit(connection, statement, batch)
        return (time.process_time() - cpu) / batches * 1e6, (time.perf_counter() - wall) / batches * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=600)
    parser.add_argument("--rows", default="1,3", help="rows per batch, comma-separated")
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    admin_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or args.database
    with harness.fresh_database(admin_url) as url:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        document_id = harness.prepare(app, 1, "x\n").document_id
        with app.app_context():
            committer = group_commit.GroupCommit(app)
            for rows in (int(r) for r in args.rows.split(",")):
                best: dict[str, tuple[float, float]] = {}
                for _ in range(3):
                    for mode in ("transaction", "autocommit"):
                        cpu, wall = timed(committer, mode, rows, args.batches, document_id)
                        old = best.get(mode, (float("inf"), float("inf")))
                        best[mode] = (min(old[0], cpu), min(old[1], wall))
                for mode, (cpu, wall) in best.items():
                    print(f"{rows} row(s) per batch, {mode}: CPU {cpu:.0f} µs, wall {wall:.0f} µs per batch")
            db.engine.dispose()


if __name__ == "__main__":
    main()
