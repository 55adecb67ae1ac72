"""Discussion and proposal-list speed: server time and SQL queries for 100 to 10,000 comments or proposals.

Run: `.venv/bin/python benchmarks/bench_discussion.py` (SQLite in a temporary file), and also on
PostgreSQL when TEST_DATABASE_URL or DATABASE_URL names one; `--only proposals` (or `--only discussion`)
runs one part. It prints one line per size:
median and worst server time of rendering the discussion page through the Flask test client, and the
number of SQL queries it cost. Then the same for the
proposal list (sorts, a filter, searches) with 100 and 10,000 proposals.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from civic import create_app  # noqa: E402
from civic.accounts.models import User  # noqa: E402
from civic.consultations.models import Consultation, Phase  # noqa: E402
from civic.deliberation.discussion.models import Comment, Thread, path_segment  # noqa: E402
from civic.deliberation.proposals import search  # noqa: E402
from civic.deliberation.proposals.models import Proposal, Theme  # noqa: E402
from civic.extensions import db  # noqa: E402
from civic.text import render_markdown  # noqa: E402
from civic.timestamps import utcnow  # noqa: E402
from config import normalise_database_url  # noqa: E402

SIZES = (100, 1_000, 10_000)
RUNS = 15
WORDS = [
    "accès",
    "internet",
    "bibliothèque",
    "aînés",
    "quartier",
    "formation",
    "sécurité",
    "courriel",
    "service",
    "public",
    "transport",
    "access",
    "library",
    "elders",
    "training",
    "phone",
    "clinic",
    "booking",
    "support",
    "privacy",
    "neighbourhood",
    "community",
    "centre",
]


def _users(count: int) -> list[User]:
    users = [
        User(
            email=f"bench-{secrets.token_hex(4)}@example.org",
            display_name=f"Personne {i}",
            password_hash="x",  # noqa: S106 - nobody signs in to the benchmark
            session_token=secrets.token_hex(8),
        )
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def _consultation(prefix: str, kind: str, components: str) -> Consultation:
    """An open consultation whose current phase (started yesterday) enables `components`."""
    now = utcnow()
    consultation = Consultation(
        slug=f"{prefix}-{secrets.token_hex(3)}", title_fr="Banc d'essai", status="open"
    )
    consultation.phases.append(
        Phase(
            kind=kind,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=9),
            components=components,
        )
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


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


def _body(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."
        for _ in range(rng.randint(1, 5))
    ]
    if rng.random() < 0.2:
        sentences.append("\n\n- " + "\n- ".join(rng.choice(WORDS) for _ in range(3)))
    if rng.random() < 0.2:
        sentences[0] = "**" + sentences[0] + "**"
    return " ".join(sentences)


def fill_discussion(size: int, seed: int = 4) -> str:
    """Create a consultation whose discussion has `size` comments of realistic depth; return its slug.

    Shape: about a third top-level; replies go to a recent comment, so threads reach depth 6-10 often.
    """
    rng = random.Random(seed)
    users = _users(50)
    now = utcnow()
    consultation = _consultation(f"bench-{size}", "deliberation", "discussion")
    thread = Thread(consultation_id=consultation.id, kind="consultation", target_id=consultation.id)
    db.session.add(thread)
    db.session.flush()
    rendered = [(b, str(render_markdown(b))) for b in (_body(rng) for _ in range(200))]
    made: list[Comment] = []
    by_id: dict[int, Comment] = {}
    tops = 0
    for index in range(size):
        parent = None
        if made and rng.random() < 0.67:
            parent = made[max(0, len(made) - 1 - int(rng.expovariate(0.15)))]
        body, html = rendered[index % len(rendered)]
        comment = Comment(
            thread_id=thread.id,
            consultation_id=consultation.id,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            author_id=users[rng.randrange(len(users))].id,
            body=body,
            body_html=html,
            stance=rng.choice((None, None, "favour", "against", "neutral")),
            created_at=now - timedelta(minutes=size - index),
            helpful_up=rng.randint(0, 5),
            helpful_score=rng.randint(-2, 5),
        )
        db.session.add(comment)
        db.session.flush()
        comment.path = f"{parent.path}/{path_segment(comment.id)}" if parent else path_segment(comment.id)
        comment.root_id = parent.root_id if parent else comment.id
        if parent is not None:
            parent.reply_count += 1
            by_id[comment.root_id].descendant_count += 1
        else:
            tops += 1
        made.append(comment)
        by_id[comment.id] = comment
    thread.comment_count, thread.top_level_count = size, tops
    db.session.commit()
    return consultation.slug


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk fill, as autovacuum does in production."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def measure(app: Flask, path: str, runs: int = RUNS) -> tuple[float, float, int, int]:
    """Return median and worst server time (ms), the number of SQL queries, and the page size in bytes."""
    client = app.test_client()
    client.get(path)  # warm-up: templates compiled, thread created
    times = []
    with counted() as statements:
        response = client.get(path)
    queries = len(statements)
    assert response.status_code == 200, response.status_code
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), queries, len(response.data)


def bench_discussion(app: Flask, label: str) -> None:
    print(f"\n## Discussion page ({label})")
    print(f"{'comments':>9} {'median ms':>10} {'worst ms':>9} {'queries':>8} {'page KB':>8}")
    for size in SIZES:
        with app.app_context():
            slug = fill_discussion(size)
            analyze()
        with app.app_context():
            median, worst, queries, size_bytes = measure(app, f"/c/{slug}/discussion")
            sorted_median, _w, sorted_queries, _s = measure(app, f"/c/{slug}/discussion?sort=helpful", runs=5)
        print(
            f"{size:>9,} {median:>10.1f} {worst:>9.1f} {queries:>8} {size_bytes / 1024:>8.0f}"
            f"   (most helpful: {sorted_median:.1f} ms, {sorted_queries} queries)"
        )


def fill_proposals(size: int, seed: int = 7) -> str:
    """Create a consultation in its proposals phase with `size` published proposals; return its slug.

    Each proposal has its discussion thread, with an exponentially distributed number of comments
    (mean about 6, one in seven without any) counted on the thread and on the proposal, as the
    discussion's services keep them; the comments themselves are not needed by the list.
    """
    rng = random.Random(seed)
    now = utcnow()
    users = _users(200)
    consultation = _consultation(f"bench-p-{size}", "proposals", "proposals discussion")
    themes = [
        Theme(consultation_id=consultation.id, name_fr=f"Thème {i}", name_en=f"Theme {i}") for i in range(8)
    ]
    db.session.add_all(themes)
    db.session.flush()
    for index in range(size):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
        body = _body(rng)
        proposal = Proposal(
            consultation_id=consultation.id,
            author_id=users[rng.randrange(len(users))].id,
            theme_id=themes[rng.randrange(len(themes))].id,
            title=title[:150],
            body=body,
            body_html=str(render_markdown(body)),
            state="published",
            support_count=int(rng.expovariate(0.2)),
            comment_count=int(rng.expovariate(0.15)),
            published_at=now - timedelta(minutes=size - index),
        )
        db.session.add(proposal)
        db.session.flush()
        db.session.add(
            Thread(
                consultation_id=consultation.id,
                kind="proposal",
                target_id=proposal.id,
                owner_id=proposal.author_id,
                comment_count=proposal.comment_count,
                top_level_count=proposal.comment_count,
            )
        )
        search.index(proposal)
        if index % 500 == 0:
            db.session.commit()
    db.session.commit()
    return consultation.slug


def bench_proposals(app: Flask, label: str) -> None:
    print(f"\n## Proposal list and search ({label})")
    print(f"{'proposals':>9} {'page':<28} {'median ms':>10} {'worst ms':>9} {'queries':>8}")
    with app.app_context():
        search.create_index_structures()
    for size in (100, 10_000):
        with app.app_context():
            slug = fill_proposals(size)
            analyze()
        with app.app_context():
            for name, query in [
                ("newest", ""),
                ("most supported", "?sort=supported"),
                ("most discussed", "?sort=discussed"),
                ("most discussed, page 3", "?sort=discussed&page=3"),
                ("random, page 3", "?sort=random&page=3"),
                ("theme filter", "?theme=1"),
                ("search 'bibliothèque'", "?q=biblioth%C3%A8que"),
                ("search 'library access'", "?q=library+access"),
            ]:
                median, worst, queries, _size = measure(app, f"/c/{slug}/proposals{query}", runs=9)
                print(f"{size:>9,} {name:<28} {median:>10.1f} {worst:>9.1f} {queries:>8}")


BENCHES: dict[str, Callable[[Flask, str], None]] = {
    "discussion": bench_discussion,
    "proposals": bench_proposals,
}


def _app(uri: str) -> Flask:
    app = create_app({"CIVIC_ENV": "testing", "SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "civic.bench"})
    with app.app_context():
        db.create_all()
    return app


def run(uri: str, label: str, benches: list[str]) -> None:
    app = _app(uri)
    for name in benches:
        BENCHES[name](app, label)
    with app.app_context():
        db.engine.dispose()  # the PostgreSQL database can then be dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHES), action="append", help="run only this part")
    benches = parser.parse_args().only or list(BENCHES)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", benches)
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if server and server.startswith("postgres"):
        admin = make_url(normalise_database_url(server))
        name = f"civic_bench_{secrets.token_hex(3)}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(admin.set(database=name).render_as_string(hide_password=False), "PostgreSQL", benches)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    else:
        print("\n(PostgreSQL skipped: set TEST_DATABASE_URL to measure it too)")


if __name__ == "__main__":
    main()
