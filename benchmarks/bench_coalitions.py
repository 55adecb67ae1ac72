"""Coalition speed: a position endorsed by 2,000 organisations and 50,000 citizens.

Run: `.venv/bin/python benchmarks/bench_coalitions.py` (SQLite in a temporary file), and also on
PostgreSQL when TEST_DATABASE_URL or DATABASE_URL names a server (a scratch database is created and
dropped). For the position page, the coalition page (a few filters and pages), the badge (and its 304)
and the signatory sheet: median and worst server time through the Flask test client, as a signed-in
representative, and the SQL queries each costs, at 1,000 endorsements and at the full size (the number of
queries must not move). Then the exports, and republishing (one notification per endorser, at once).
`--organisations` and `--citizens` change the size.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.machine import reference_ms  # noqa: E402
from civic import create_app  # noqa: E402
from civic.accounts.models import Membership, Organisation, User  # noqa: E402
from civic.coalitions import positions, tallies  # noqa: E402
from civic.coalitions.models import Endorsement, EndorsementEvent, Position  # noqa: E402
from civic.consultations.models import Consultation, Phase  # noqa: E402
from civic.extensions import db  # noqa: E402
from civic.text import render_markdown  # noqa: E402
from civic.timestamps import utcnow  # noqa: E402
from config import normalise_database_url  # noqa: E402

RUNS = 21
STANCES = ["endorse", "endorse", "endorse", "reservations", "stand_aside", "oppose"]
PASSWORD = "benchmark password"  # noqa: S105 - a throwaway account in a scratch database


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"reference loop {reference_ms():.0f} ms, load average {load}"


def _bulk(model: Any, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


def fill(organisations: int, citizens: int, seed: int = 16) -> tuple[str, int, str, str]:
    """A campaign whose position has this many endorsements, as the services leave them (state and one
    event each; a tenth of organisations unverified, a few conditional, some revoked); return the slug,
    the position id, a representative's e-mail and their organisation's slug."""
    from civic.accounts.passwords import hash_password

    rng = random.Random(seed)
    now = utcnow()
    tag = secrets.token_hex(3)
    moderator = User(
        email=f"mod-{tag}@example.org",
        display_name="Modératrice",
        password_hash="x",  # noqa: S106 - nobody signs in as the benchmark's moderator
        session_token=secrets.token_hex(8),
    )
    representative = User(
        email=f"rep-{tag}@example.org",
        display_name="Représentante",
        password_hash=hash_password(PASSWORD),
        session_token=secrets.token_hex(8),
        email_confirmed_at=now,
    )
    consultation = Consultation(slug=f"bench-{tag}", title_fr="Banc d'essai", status="open")
    consultation.phases.append(
        Phase(
            kind="endorsement",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=9),
            components="endorsements",
        )
    )
    consultation.moderators.append(moderator)
    db.session.add_all([moderator, representative, consultation])
    db.session.commit()
    text_fr = "# Manifeste\n\n" + "\n\n".join(f"Paragraphe {i} : l'accès **d'abord**." for i in range(40))
    position = positions.create_position(
        moderator,
        consultation,
        "Plan numérique",
        "Digital Plan",
        now - timedelta(days=1),
        now + timedelta(days=9),
        positions.Source("text", "fr", text_fr=text_fr, text_en="# Manifesto\n\nAccess **first**."),
    )
    version = positions.current_version(position)
    users = [
        {
            "email": f"b{tag}-{i}@example.org",
            "display_name": f"Personne {i}",
            "password_hash": "x",
            "session_token": "t",
        }
        for i in range(organisations + citizens)
    ]
    _bulk(User, users)
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"b{tag}-%")).order_by(User.id)))
    orgs = [
        {
            "slug": f"o{tag}-{i}",
            "name": f"Organisation {rng.randrange(10**6):06d} {i}",
            "verified": rng.random() > 0.1,
        }
        for i in range(organisations)
    ]
    _bulk(Organisation, orgs)
    org_ids = list(
        db.session.scalars(
            select(Organisation.id).where(Organisation.slug.like(f"o{tag}-%")).order_by(Organisation.id)
        )
    )
    memberships = [
        {"user_id": ids[i], "organisation_id": o, "status": "representative"} for i, o in enumerate(org_ids)
    ]
    mine = Organisation(slug=f"mine-{tag}", name="Organisation suivie", verified=True)
    mine.memberships.append(Membership(user=representative, status=Membership.REPRESENTATIVE))
    db.session.add(mine)
    _bulk(Membership, memberships)
    statement = "Nous adhérons, avec **enthousiasme**."
    html = str(render_markdown(statement))
    common = {
        "position_id": position.id,
        "version_id": version.id,
        "content_hash": version.content_hash,
        "revision": 1,
        "created_at": now,
        "updated_at": now,
        "condition_state": "",
    }
    rows: list[dict[str, Any]] = []
    for org_id in [*org_ids, mine.id]:
        rows.append(
            {
                **common,
                "endorser": f"o:{org_id}",
                "organisation_id": org_id,
                "stance": rng.choice(STANCES),
                **({"statement": statement, "statement_html": html} if rng.random() < 0.5 else {}),
                "signatory_name": "Claire Dubé",
                "signatory_role": "Présidente",
                "mandate_body": "Conseil d'administration",
                "mandate_date": date.today() - timedelta(days=rng.randrange(1, 300)),
                "mandate_scope": "Adhérer au manifeste",
                "active": rng.random() > 0.03,
            }
        )
        pending = rng.random() < 0.02
        rows[-1].update(condition_state="pending" if pending else "", watched=pending)
    for user_id in ids[organisations:]:
        rows.append(
            {
                **common,
                "endorser": f"u:{user_id}",
                "user_id": user_id,
                "stance": rng.choice(STANCES),
                "show_name": rng.random() < 0.4,
                "active": rng.random() > 0.02,
            }
        )
    _bulk(Endorsement, rows)
    events = [
        {
            "endorsement_id": e_id,
            "position_id": position.id,
            "organisation_id": org_id,
            "kind": "given" if active else "revoked",
            "version_id": version.id,
            "version_number": version.number,
            "content_hash": version.content_hash,
            "active": active,
            "stance": stance,
            "created_at": now,
        }
        for e_id, org_id, stance, active in db.session.execute(
            select(Endorsement.id, Endorsement.organisation_id, Endorsement.stance, Endorsement.active)
            .where(Endorsement.position_id == position.id)
            .order_by(Endorsement.id)
        )
    ]
    _bulk(EndorsementEvent, events)
    tallies.recount(position.id)  # what the services keep as they go
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # As autovacuum does after a bulk load: planner statistics, and the visibility map that lets
        # index-only scans skip the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return consultation.slug, position.id, representative.email, mine.slug


def measure(
    client: Any, path: str, runs: int = RUNS, **headers: str
) -> tuple[float, float, float, int, int, int]:
    """Best, median and worst server time (ms), SQL queries, response size (bytes) and status of a page.

    On a machine shared with other work the best run is the page's own cost; the median adds what the
    neighbours took (both are printed, with the reference loop and the load average)."""
    client.get(path, headers=headers)  # warm-up: templates compiled
    with counted() as statements:
        response = client.get(path, headers=headers)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    return (
        min(times),
        statistics.median(times),
        max(times),
        len(statements),
        len(response.data),
        response.status_code,
    )


def _client(app: Flask, email: str) -> Any:
    client = app.test_client()
    client.set_cookie("lang", "fr", domain="civic.bench")
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def pages(slug: str, position_id: int, organisation: str, badge_etag: str | None = None) -> dict[str, str]:
    base = f"/c/{slug}/positions/{position_id}"
    return {
        "position page": base,
        "coalition page": f"/c/{slug}/coalition?position={position_id}",
        "coalition, page 20": f"/c/{slug}/coalition?position={position_id}&page=20",
        "coalition, citizens page 200": f"/c/{slug}/coalition?position={position_id}&kind=citizens&page=200",
        "coalition, opposed, unverified": f"/c/{slug}/coalition?position={position_id}&stance=oppose&verified=no",
        "badge (SVG)": f"{base}/badge.svg",
        "badge (HTML)": f"{base}/badge.html",
        "organisation page": f"/organisations/{organisation}",
    }


def bench(app: Flask, label: str, organisations: int, citizens: int) -> None:
    print(f"\n## {label}: {organisations:,} organisations and {citizens:,} citizens ({_machine()})")
    sizes = [
        (
            organisations * 1000 // (organisations + citizens),
            1000 - organisations * 1000 // (organisations + citizens),
        ),
        (organisations, citizens),
    ]
    results: dict[str, list[tuple[float, float, float, int, int, int]]] = {}
    for orgs, people in sizes:
        with app.app_context():
            started = time.perf_counter()
            slug, position_id, email, organisation = fill(orgs, people)
            filled = time.perf_counter() - started
        with app.app_context():
            client = _client(app, email)
            for name, path in pages(slug, position_id, organisation).items():
                results.setdefault(name, []).append(measure(client, path))
            svg = client.get(f"/c/{slug}/positions/{position_id}/badge.svg")
            results.setdefault("badge, revalidated (304)", []).append(
                measure(
                    app.test_client(),
                    f"/c/{slug}/positions/{position_id}/badge.svg",
                    **{"If-None-Match": svg.headers["ETag"]},
                )
            )
            sheet = measure(client, f"/c/{slug}/positions/{position_id}/sheet", runs=3)
            csv = measure(client, f"/c/{slug}/positions/{position_id}/endorsements.csv", runs=3)
            json_ = measure(client, f"/c/{slug}/positions/{position_id}/endorsements.json", runs=3)
        print(f"(filled {orgs + people:,} endorsements in {filled:.1f} s)")
    print(
        f"{'page':<34} {'best ms':>8} {'median ms':>10} {'worst ms':>9} {'queries 1k':>11} {'queries':>8} {'KB':>6} {'status':>6}"
    )
    for name, (small, full) in results.items():
        best, median, worst, queries, size, status = full
        print(
            f"{name:<34} {best:>8.1f} {median:>10.1f} {worst:>9.1f} {small[3]:>11} {queries:>8} {size / 1024:>6.0f} {status:>6}"
        )
    for name, (best, median, worst, queries, size, _status) in (
        ("signatory sheet (all organisations)", sheet),
        ("CSV export", csv),
        ("JSON export", json_),
    ):
        print(
            f"{name:<34} {best:>8.1f} {median:>10.1f} {worst:>9.1f} {'':>11} {queries:>8} {size / 1024:>6.0f}"
        )
    with app.app_context():
        position = db.session.get(Position, position_id)
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        moderator = consultation.moderators[0]  # type: ignore[union-attr]
        with app.test_request_context("/"):
            started = time.perf_counter()
            positions.republish_position(
                moderator,
                consultation,
                position,
                positions.Source("text", "fr", text_fr="Version deux"),
                "Tout change",
            )
            took = time.perf_counter() - started
    print(f"republishing, every endorser notified at once: {took * 1000:.0f} ms")
    print(f"(after: {_machine()})")


def _app(uri: str) -> Flask:
    app = create_app(
        {
            "CIVIC_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SERVER_NAME": "civic.bench",
            "RATELIMIT_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
            "ARGON2_PARALLELISM": 1,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def run(uri: str, label: str, organisations: int, citizens: int) -> None:
    app = _app(uri)
    bench(app, label, organisations, citizens)
    with app.app_context():
        db.engine.dispose()  # the PostgreSQL database can then be dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--citizens", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args.organisations, args.citizens)
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if server and server.startswith("postgres"):
        admin = make_url(normalise_database_url(server))
        name = f"civic_bench_{secrets.token_hex(3)}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(
                admin.set(database=name).render_as_string(hide_password=False),
                "PostgreSQL",
                args.organisations,
                args.citizens,
            )
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    else:
        print("\n(PostgreSQL skipped: set TEST_DATABASE_URL to measure it too)")


if __name__ == "__main__":
    main()
