"""Builders for opinion-map tests: a consultation whose phase enables opinion maps, a map, planted groups."""

from __future__ import annotations

import random

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.opinions import services
from civic.deliberation.opinions.models import OpinionMap, Statement
from civic.extensions import db
from tests.factories import make_consultation, make_user

STATEMENTS = [
    "Du Wi-Fi gratuit dans les bibliothèques",
    "Des ateliers numériques pour les aînés",
    "Un guichet humain pour chaque service en ligne",
    "Moins d'écrans à l'école primaire",
    "Des logiciels libres dans les services publics",
    "La fibre dans chaque village",
    "Des ordinateurs reconditionnés à petit prix",
    "Protéger les données personnelles",
]


def opinions_consultation(
    moderators: list[User] | None = None,
    visibility: str = "public",
    status: str = "open",
    open_now: bool = True,
) -> Consultation:
    """A consultation whose current phase enables opinion maps (and proposals), or not (open_now=False)."""
    consultation = make_consultation(
        status=status, visibility=visibility, moderators=moderators, phases=[("deliberation", -1, 10)]
    )
    consultation.phases[0].components = "opinions proposals discussion" if open_now else "discussion"
    db.session.commit()
    return consultation


def make_map(
    consultation: Consultation | None = None,
    moderator: User | None = None,
    statements: list[str] | None = None,
) -> OpinionMap:
    moderator = moderator or make_user(name="Modératrice")
    if consultation is None:
        consultation = opinions_consultation(moderators=[moderator])
    return services.create_map(
        moderator,
        consultation,
        "Quelle priorité ?",
        "Which priority?",
        True,
        STATEMENTS if statements is None else statements,
    )


def statements_of(opinion_map: OpinionMap) -> list[Statement]:
    return list(Statement.query.filter_by(map_id=opinion_map.id).order_by(Statement.number))


def planted_groups(
    opinion_map: OpinionMap, sizes: tuple[int, ...] = (8, 8), seed: int = 1
) -> list[list[User]]:
    """People in groups that vote alike: group g agrees with statements whose number % groups == g and
    disagrees with the others; everyone agrees with statement 0 (a consensus); a little noise."""
    rng = random.Random(seed)
    groups = []
    statements = statements_of(opinion_map)
    for g, size in enumerate(sizes):
        members = [make_user(name=f"G{g}-{i}") for i in range(size)]
        for person in members:
            for statement in statements:
                if statement.number == 0:
                    value = 1
                else:
                    value = 1 if statement.number % len(sizes) == g else -1
                    if rng.random() < 0.05:
                        value = 0
                services.vote(person, opinion_map, statement.id, value)
        groups.append(members)
    return groups
