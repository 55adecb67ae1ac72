"""A coalition page costs the same number of queries for 10 endorsements as for 1,000 (the figures for 2,000
organisations and 50,000 citizens are in benchmarks/bench_coalitions.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, insert

from civic.accounts.models import Membership, Organisation, User
from civic.coalitions import positions, tallies
from civic.coalitions.models import Endorsement, EndorsementEvent, Position
from civic.extensions import db
from civic.timestamps import utcnow
from tests.coalitions.factories import campaign, endorse, make_position
from tests.conftest import sign_in
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


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


def fill(position: Position, organisations: int, citizens: int) -> None:
    """Bulk endorsements (as the services would leave them), half named, a few on conditions or revoked."""
    version = positions.current_version(position)
    now = utcnow()
    users = [
        {
            "email": f"p{secrets.token_hex(6)}@example.org",
            "display_name": f"Personne {i}",
            "password_hash": "x",
            "session_token": "t",
        }
        for i in range(organisations + citizens)
    ]
    db.session.execute(insert(User), users)
    ids = [
        u.id for u in db.session.scalars(db.select(User).where(User.email.in_([u["email"] for u in users])))
    ]
    orgs = [
        {"slug": f"o-{secrets.token_hex(5)}", "name": f"Organisation {i:05d}", "verified": i % 3 != 0}
        for i in range(organisations)
    ]
    db.session.execute(insert(Organisation), orgs)
    org_ids = [
        o.id
        for o in db.session.scalars(
            db.select(Organisation).where(Organisation.slug.in_([o["slug"] for o in orgs]))
        )
    ]
    db.session.execute(
        insert(Membership),
        [
            {"user_id": ids[i], "organisation_id": org_id, "status": "representative"}
            for i, org_id in enumerate(org_ids)
        ],
    )
    stances = ["endorse", "endorse", "reservations", "stand_aside", "oppose"]
    rows = []
    for i, org_id in enumerate(org_ids):
        rows.append(
            {
                "endorser": f"o:{org_id}",
                "organisation_id": org_id,
                "signatory_name": "S",
                "signatory_role": "R",
                "mandate_body": "CA",
                "mandate_date": date.today() - timedelta(days=3),
                "mandate_scope": "Tout",
                "stance": stances[i % 5],
                "statement": "Oui" if i % 2 else "",
                "statement_html": "<p>Oui</p>" if i % 2 else "",
                "active": i % 17 != 0,
            }
        )
    for i, user_id in enumerate(ids[organisations:]):
        rows.append(
            {
                "endorser": f"u:{user_id}",
                "user_id": user_id,
                "stance": stances[i % 5],
                "show_name": i % 2 == 0,
                "active": True,
            }
        )
    for row in rows:
        row.update(
            position_id=position.id,
            version_id=version.id,
            content_hash=version.content_hash,
            revision=1,
            created_at=now,
            updated_at=now,
            condition_state="",
        )
    db.session.execute(insert(Endorsement), rows)
    endorsements = db.session.execute(
        db.select(Endorsement.id, Endorsement.organisation_id, Endorsement.stance).where(
            Endorsement.position_id == position.id
        )
    ).all()
    db.session.execute(
        insert(EndorsementEvent),
        [
            {
                "endorsement_id": e_id,
                "position_id": position.id,
                "organisation_id": org_id,
                "kind": "given",
                "version_id": version.id,
                "version_number": version.number,
                "content_hash": version.content_hash,
                "active": True,
                "stance": stance,
                "created_at": now,
            }
            for e_id, org_id, stance in endorsements
        ],
    )
    tallies.recount(position.id)
    db.session.commit()


PAGES = {
    "position": "/c/{slug}/positions/{id}",
    "coalition": "/c/{slug}/coalition",
    "coalition, citizens": "/c/{slug}/coalition?kind=citizens&stance=endorse",
    "coalition, unverified, page 2": "/c/{slug}/coalition?verified=no&upage=2",
    "badge": "/c/{slug}/positions/{id}/badge.svg",
    "organisation": "/organisations/{org}",
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_queries_for_10_as_for_1000_endorsements(app: Flask, page: str) -> None:
    costs = []
    for size in (10, 1000):
        moderator = make_user()
        consultation = campaign(moderator)
        position = make_position(consultation, moderator)
        representative = make_user()
        organisation = make_organisation(representative, name="Suivie")
        endorse(representative, position, organisation=organisation)
        fill(position, size // 4, size - size // 4)
        client = app.test_client()
        sign_in(
            client, representative.email
        )  # the heaviest visitor: their own endorsements, their organisation
        url = PAGES[page].format(slug=consultation.slug, id=position.id, org=organisation.slug)
        assert client.get(url).status_code == 200
        with counted() as statements:
            response = client.get(url)
        assert response.status_code == 200
        costs.append(len(statements))
    assert costs[0] == costs[1], costs
