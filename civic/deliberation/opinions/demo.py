"""The demo opinion map on the Digital Plan: statements, and a few hundred synthetic participants in groups.

The participants are not accounts (the demo's people can vote themselves): each belongs to one of three
leanings with its own chance of agreeing with each statement, votes on about three quarters of the
statements, and the random draws come from a fixed seed, so every reset gives the same map. The
analysis runs once at the end, as the background runner would after the votes.
"""

from __future__ import annotations

import random

from sqlalchemy import insert

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.opinions import runs, services
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Participant, Statement
from civic.extensions import db
from civic.timestamps import utcnow

SEED = 2026
PARTICIPANTS = 320
SEEN = 0.75
# Three leanings and their share of participants: access first, privacy first, digital first.
LEANINGS = (0.45, 0.30, 0.25)
# (statement, chance of agreeing in each leaning)
STATEMENTS = [
    ("Chaque service public en ligne doit garder une option au téléphone ou en personne.", (0.92, 0.9, 0.7)),
    ("Les sites gouvernementaux doivent être écrits en langage clair.", (0.9, 0.9, 0.88)),
    (
        "Les plateformes publiques doivent être accessibles aux personnes handicapées, sans exception.",
        (0.92, 0.9, 0.85),
    ),
    ("Il faut former gratuitement les personnes aînées au numérique.", (0.9, 0.75, 0.8)),
    ("Les bibliothèques devraient offrir un accès Internet gratuit et sans inscription.", (0.9, 0.7, 0.75)),
    ("Toutes les démarches administratives devraient se faire en ligne d'ici 2030.", (0.2, 0.1, 0.9)),
    ("Le papier doit rester accepté pour toutes les démarches.", (0.85, 0.8, 0.15)),
    ("La reconnaissance faciale devrait être interdite dans les lieux publics.", (0.3, 0.95, 0.2)),
    ("Une identité numérique unique devrait donner accès à tous les services.", (0.6, 0.05, 0.88)),
    ("L'État devrait utiliser des logiciels libres plutôt que des logiciels commerciaux.", (0.3, 0.92, 0.35)),
    ("Les données des citoyens ne doivent jamais quitter le Québec.", (0.35, 0.95, 0.3)),
    ("L'intelligence artificielle peut améliorer les services publics.", (0.6, 0.08, 0.9)),
    ("L'Internet haute vitesse est un droit, comme l'électricité.", (0.92, 0.65, 0.75)),
    (
        "Les entreprises technologiques devraient financer l'inclusion numérique par une taxe.",
        (0.8, 0.75, 0.3),
    ),
    ("Un ordinateur reconditionné devrait être offert aux ménages à faible revenu.", (0.9, 0.7, 0.6)),
    ("Les écoles devraient enseigner la programmation dès le primaire.", (0.5, 0.3, 0.88)),
    ("Les cellulaires devraient être interdits à l'école primaire.", (0.5, 0.9, 0.2)),
    ("Le gouvernement devrait publier ses données ouvertes dans des formats simples.", (0.7, 0.85, 0.88)),
    ("Public Wi-Fi should never require an e-mail address.", (0.85, 0.8, 0.55)),
    ("Online forms should save your progress so you can finish later.", (0.8, 0.6, 0.9)),
]


def _vote(rng: random.Random, agree: float) -> int:
    draw = rng.random()
    if draw < agree:
        return 1
    return -1 if draw < agree + (1 - agree) * 0.8 else 0


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Open the map as the demo moderator, add the synthetic votes, analyse once; return a summary."""
    moderator = users["moderatrice@example.org"]
    opinion_map: OpinionMap = services.create_map(
        moderator,
        consultation,
        "Qu'est-ce qui devrait guider le Plan numérique ?",
        "What should guide the Digital Plan?",
        True,
        [text for text, _chances in STATEMENTS],
    )
    statements = sorted(Statement.query.filter_by(map_id=opinion_map.id), key=lambda s: s.number)
    rng = random.Random(SEED)  # noqa: S311 - synthetic demo votes, the same at every reset
    now = utcnow()
    db.session.execute(
        insert(Participant),
        [
            {"map_id": opinion_map.id, "external_id": f"demo:{n:03d}", "created_at": now}
            for n in range(PARTICIPANTS)
        ],
    )
    people = {p.external_id: p.id for p in Participant.query.filter_by(map_id=opinion_map.id)}
    votes = []
    counts = {s.id: [0, 0, 0] for s in statements}
    for n in range(PARTICIPANTS):
        leaning = rng.choices(range(len(LEANINGS)), weights=LEANINGS)[0]
        for statement, (_text, chances) in zip(statements, STATEMENTS, strict=True):
            if rng.random() > SEEN:
                continue
            value = _vote(rng, chances[leaning])
            counts[statement.id][{1: 0, -1: 1, 0: 2}[value]] += 1
            votes.append(
                {
                    "map_id": opinion_map.id,
                    "statement_id": statement.id,
                    "participant_id": people[f"demo:{n:03d}"],
                    "value": value,
                    "important": rng.random() < 0.1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    db.session.execute(insert(OpinionVote), votes)
    for statement in statements:
        statement.agree_count, statement.disagree_count, statement.pass_count = counts[statement.id]
        statement.important_count = sum(
            1 for v in votes if v["statement_id"] == statement.id and v["important"]
        )
    opinion_map.participant_count, opinion_map.vote_count, opinion_map.changed_at = (
        PARTICIPANTS,
        len(votes),
        now,
    )
    db.session.commit()
    runs.run_analysis(opinion_map.id)
    return f"an opinion map with {len(statements)} statements and {len(votes)} votes from {PARTICIPANTS} participants"
