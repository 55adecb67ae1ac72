"""Demo polls: an open Schulze poll on the Digital Plan's priorities and a closed, counted STV election.

The priorities poll is created through the service by the demo moderator: two written options, then
the demo consultation's published proposals, each an option linked to its proposal. Ballots are cast
through the service by demo voters (accounts electeur-NN@example.org, reset with the demo), so the demo
has the same chain, receipts and results as real use.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import delete

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow
from civic.voting import ballots, closing, definitions, queries
from civic.voting.models import Poll, PollOption

VOTER_EMAIL = "electeur-{:02d}@example.org"
VOTERS = 24
# Priorities no demo proposal covers, written as options; the demo proposals follow them in the poll.
PRIORITIES = [
    ("Des logiciels libres dans les services publics", "Free software in public services"),
    ("La protection des données personnelles", "Protection of personal data"),
]
MAX_PROPOSALS = 8
CANDIDATES = [
    ("Marie-Claude Bouchard", ""),
    ("Samuel Nguyen", ""),
    ("Fatima Benali", ""),
    ("Louis Tremblay", ""),
    ("Kateri Sioui", ""),
    ("Olivier Roy", ""),
]
PRIORITIES_DESCRIPTION_FR = (
    "Classez les priorités du Plan numérique, de la plus importante à la moins importante. "
    "La plupart viennent des propositions de la consultation : chacune renvoie à sa page. "
    "Le dépouillement suit la **méthode de Schulze** : l'option qui l'emporte sur toutes les autres "
    "en duel, directement ou par une chaîne de victoires, gagne."
)
PRIORITIES_DESCRIPTION_EN = (
    "Rank the priorities of the Digital Plan, from most to least important. "
    "Most come from the consultation's proposals: each links to its page. "
    "The count uses the **Schulze method**: the option that beats every other head to head, directly or "
    "through a chain of wins, is chosen."
)
COMMITTEE_DESCRIPTION_FR = (
    "Élection des trois membres citoyens du comité de suivi, au **vote unique transférable**."
)
COMMITTEE_DESCRIPTION_EN = (
    "Election of the three citizen members of the monitoring committee, by **single transferable vote**."
)


def _voters(users: dict[str, User]) -> list[User]:
    db.session.execute(delete(User).where(User.email.like("electeur-%@example.org")))
    password_hash = users["admin@example.org"].password_hash  # the documented demo password
    voters = [
        User(
            email=VOTER_EMAIL.format(i),
            display_name=f"Électeur·rice {i:02d}",
            locale="fr",
            password_hash=password_hash,
            session_token=secrets.token_hex(16),
            email_confirmed_at=utcnow(),
        )
        for i in range(1, VOTERS + 1)
    ]
    db.session.add_all(voters)
    db.session.commit()
    return voters


def _poll(consultation: Consultation, method: str, labels: list[tuple[str, str]], **fields: object) -> Poll:
    poll = Poll(consultation_id=consultation.id, method=method, seed=secrets.randbelow(2**31), **fields)
    poll.description_html_fr = str(render_markdown(poll.description_fr))
    poll.description_html_en = str(render_markdown(poll.description_en))
    poll.options = [PollOption(position=i, label_fr=fr, label_en=en) for i, (fr, en) in enumerate(labels)]
    db.session.add(poll)
    db.session.commit()
    return poll


def _ranking(rng: random.Random, base: list[int], noise: float, length: int) -> list[int]:
    """A ballot near a base order: each option's place is jittered, then the top `length` kept."""
    jittered = sorted(base, key=lambda option: base.index(option) + rng.uniform(0, noise))
    return jittered[:length]


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Create the demo polls in the demo consultation; return a summary."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    voters = _voters(users)
    now = utcnow().replace(second=0, microsecond=0)
    voting = [p for p in consultation.phases if p.kind == "voting"]
    closes = voting[0].ends_at if voting else now + timedelta(days=30)

    # The proposals the poll form would offer (published, not hidden), most supported first.
    proposals = [pid for pid, _title in queries.proposal_choices(consultation).choices[:MAX_PROPOSALS]]
    priorities = definitions.create_poll(
        users["moderatrice@example.org"],
        consultation,
        definitions.PollData(
            question_fr="Quelles priorités pour le Plan numérique\u202f?",
            question_en="Which priorities for the Digital Plan?",
            description_fr=PRIORITIES_DESCRIPTION_FR,
            description_en=PRIORITIES_DESCRIPTION_EN,
            options_fr="\n".join(fr for fr, _en in PRIORITIES),
            options_en="\n".join(en for _fr, en in PRIORITIES),
            proposal_ids=proposals,
            method="schulze",
            opens_at=now - timedelta(days=2),
            closes_at=closes,
            secrecy="secret",
            allow_changes=True,
        ),
    )
    # Two currents of opinion: most voters put the proposals first, the others the written priorities.
    n = len(priorities.options)
    near, far = list(range(2, n)) + [1, 0], [1, 0, *range(n - 1, 1, -1)]
    for voter in voters[:12]:
        base = near if rng.random() < 0.6 else far
        ballots.cast_ballot(voter, priorities, consultation, _ranking(rng, base, 2.5, rng.randint(3, n)))

    committee = _poll(
        consultation,
        "stv",
        CANDIDATES,
        question_fr="Qui siégera au comité de suivi du Plan\u202f?",
        question_en="Who will sit on the Plan's monitoring committee?",
        description_fr=COMMITTEE_DESCRIPTION_FR,
        description_en=COMMITTEE_DESCRIPTION_EN,
        seats=3,
        opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(hours=1),
        secrecy="secret",
        allow_changes=False,
    )
    for voter in voters:
        base = [0, 1, 2, 3, 4, 5] if rng.random() < 0.5 else [4, 2, 5, 0, 3, 1]
        ballots.cast_ballot(voter, committee, consultation, _ranking(rng, base, 3.0, rng.randint(2, 5)))
    closing.close_poll(users["moderatrice@example.org"], consultation, committee)
    return f"2 polls, {len(proposals)} proposals as options ({len(voters)} demo voters electeur-01..{VOTERS:02d}@example.org)"
