"""Time a poll's audit, which checks everything on each view, for N ballots (not a test).

Usage: python benchmarks/bench_audit.py [--ballots 10000] [--database-url URL] [--repeats 3]

Builds a closed Schulze poll of 8 options in a fresh database (SQLite in a temporary folder unless
--database-url names another, e.g. a scratch PostgreSQL database): N signed records written with the
server's own record code, then closed and counted by the service. Then times, best of --repeats (wall
seconds): the verification alone (pure: hashes, links, Ed25519 signatures, receipts, head, checkpoints,
recount), first with no signature checked yet in the process, then with the checks remembered (the
bytes are the same: see civic.voting.audit.records.signature_valid), the audit download's document built
from the database, the whole audit page (GET, rendering every ballot: first view, then later ones), the
page with a receipt look-up, and `python -m civic.voting verify` on the download (a new process).
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OPTIONS = ["Accès", "Formation", "Services", "Logiciels", "Données", "Santé", "Transport", "Culture"]


def _best(repeats: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _build(n: int) -> tuple[Any, str, str]:
    from civic.accounts.models import User
    from civic.consultations.models import Consultation
    from civic.extensions import db
    from civic.timestamps import utcnow
    from civic.voting import chain, closing
    from civic.voting.audit.records import canonical_choice, genesis_hash
    from civic.voting.models import Ballot, Poll, PollOption

    now = utcnow()
    moderator = User(
        email="bench@example.org",
        display_name="Bench",
        password_hash=secrets.token_hex(8),
        is_admin=True,
        session_token=secrets.token_hex(8),
    )
    consultation = Consultation(slug="bench", title_fr="Banc", status="open", visibility="public")
    db.session.add_all([moderator, consultation])
    db.session.commit()
    poll = Poll(
        consultation_id=consultation.id,
        question_fr="Banc d'essai",
        method="schulze",
        seed=1,
        opens_at=now.replace(year=now.year - 1),
        closes_at=now.replace(year=now.year + 1),
    )
    poll.options = [PollOption(position=i, label_fr=label) for i, label in enumerate(OPTIONS)]
    db.session.add(poll)
    db.session.commit()
    rng = random.Random(2026)  # noqa: S311 - benchmark data
    previous, rows = genesis_hash(poll.id), []
    for position in range(1, n + 1):
        ranking = rng.sample(range(len(OPTIONS)), rng.randint(1, len(OPTIONS)))
        choice = canonical_choice(ranking)
        record = chain.new_record(poll.id, position, choice, None, previous)
        rows.append(
            {
                "id": record.ballot_id,
                "poll_id": poll.id,
                "position": position,
                "choice": choice,
                "receipt": record.receipt,
                "previous_hash": previous,
                "record_hash": record.record_hash,
                "signature": record.signature,
                "record_format": 1,
            }
        )
        previous = record.record_hash
    db.session.execute(insert(Ballot), rows)
    db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(
            chain_length=n,
            head_hash=previous,
            head_signature=chain.sign_head(poll.id, n, previous),
            voter_count=n,
        )
    )
    db.session.commit()
    closing.close_poll(moderator, consultation, db.session.get(Poll, poll.id))
    return db.session.get(Poll, poll.id), consultation.slug, rows[n // 2]["receipt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from civic import create_app
    from civic.extensions import db
    from civic.voting import exports
    from civic.voting.audit.records import signature_valid
    from civic.voting.audit.verify import verify

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {"CIVIC_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "bench.test"}
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            start = time.perf_counter()
            poll, slug, receipt = _build(args.ballots)
            print(
                f"{args.ballots} ballots written, signed, closed and counted in {time.perf_counter() - start:.1f} s"
            )
            document = exports.audit_document(poll)
            public_key = document["public_key"]
            report = verify(document, public_key)
            assert report.ok and report.records == args.ballots, report.problems[:3]

            def cold() -> None:
                signature_valid.cache_clear()  # as on a process's first view of the poll
                verify(document, public_key)

            figures = {
                "verify (pure), first view": _best(args.repeats, cold),
                "verify (pure), signatures known": _best(args.repeats, lambda: verify(document, public_key)),
                "document from the database": _best(args.repeats, lambda: exports.audit_document(poll)),
            }
            client = app.test_client()
            page = f"/c/{slug}/polls/{poll.id}/audit"

            def get(path: str) -> None:
                response = client.get(path)
                assert response.status_code == 200, response.status_code

            signature_valid.cache_clear()
            figures["audit page, first view"] = _best(1, lambda: get(page))
            figures["audit page"] = _best(args.repeats, lambda: get(page))
            figures["audit page with a look-up"] = _best(
                args.repeats, lambda: get(f"{page}?receipt={receipt}")
            )
            download = Path(folder) / "audit.json"
            download.write_text(json.dumps(document))
            command = [sys.executable, "-m", "civic.voting", "verify", str(download)]
            figures["python -m civic.voting verify"] = _best(
                args.repeats, lambda: subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            )
            size = download.stat().st_size
            db.session.remove()  # its transaction would hold locks that DROP waits for
            db.drop_all()
    print(f"audit download: {size / 1e6:.1f} MB")
    for name, seconds in figures.items():
        print(f"{name:32} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
