"""The demo consultation « Plan numérique pour le Québec », with accounts and organisations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from civic.accounts.models import Membership, Organisation, User
from civic.accounts.passwords import hash_password
from civic.coalitions import demo as coalitions_demo
from civic.components import PHASE_KINDS
from civic.consultations.models import Consultation, Phase
from civic.deliberation.discussion import demo as discussion_demo
from civic.deliberation.drafting import demo as drafting_demo
from civic.deliberation.live import demo as live_demo
from civic.deliberation.opinions import demo as opinions_demo
from civic.deliberation.proposals import demo as proposals_demo
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow
from civic.voting import demo as voting_demo

SLUG = "plan-numerique"
# Demo accounts only, documented in the README; never used outside the demo database.
PASSWORD = "civic-demo-2026"  # noqa: S105
USERS = [
    ("admin@example.org", "Administratrice Civic", "fr", True),
    ("moderatrice@example.org", "Nadia Tremblay", "fr", False),
    ("citoyen@example.org", "Jean-Pierre Gagnon", "fr", False),
    ("citizen@example.org", "Amira Haddad", "en", False),
    ("representant@example.org", "Sophie Lavoie", "fr", False),
]
ORGANISATIONS = [
    (
        "Réseau communautaire numérique de Montréal",
        "reseau-communautaire",
        "Un réseau de centres d'accès communautaire à Internet à Montréal.\n\n"
        "*A network of community internet access centres in Montreal.*",
        "https://example.org/reseau",
        True,
    ),
    (
        "Association des aînés branchés",
        "aines-branches",
        "Accompagne les personnes aînées dans leur vie numérique.",
        "https://example.org/aines",
        False,
    ),
]
DESCRIPTION_FR = """Le Québec a besoin d'un plan numérique pensé **avec** celles et ceux qui le vivent :
personnes aînées, nouvelles arrivantes, personnes à faible revenu ou en situation de handicap.

Cette consultation se déroule en étapes :

1. on s'informe et on partage ses constats ;
2. on dépose des propositions ;
3. on délibère ;
4. on co-rédige le manifeste ;
5. on vote les priorités ;
6. les organisations de la coalition y adhèrent publiquement.

Toutes les étapes fonctionnent sur un vieil ordinateur ou un téléphone, en français et en anglais."""
DESCRIPTION_EN = """Quebec needs a digital plan designed **with** the people who live it: elders, newcomers,
people with low incomes or with disabilities.

This consultation runs in steps:

1. learn and share what you see;
2. put forward proposals;
3. deliberate;
4. co-write the manifesto;
5. vote on priorities;
6. coalition organisations endorse it publicly.

Every step works on an old computer or a phone, in French and in English."""

# Components a phase enables beyond its kind's defaults: the manifesto is co-written while proposals come in.
# The opinion map on the Digital Plan is open at the same time, and tonight's town hall is a live session.
EXTRA_COMPONENTS = {"proposals": ("drafting", "opinions", "live")}
PHASES = [
    ("information", -40, -25),
    ("proposals", -25, 10),
    ("deliberation", 10, 25),
    ("co-drafting", 25, 45),
    ("voting", 45, 55),
    ("endorsement", 55, 70),
    ("report", 70, 90),
]

# Comments on the first demo proposals: (author, markdown, stance, replies).
PROPOSAL_COMMENTS: list[list[discussion_demo.DemoComment]] = [
    [
        (
            "citizen@example.org",
            "Yes — and please no sign-up form: many of our members have no e-mail address.",
            "favour",
            [("citoyen@example.org", "Tout à fait, un simple bouton « J'accepte » suffit.", "favour", [])],
        ),
        (
            "representant@example.org",
            "Il faudra aussi **du soutien** sur place, pas seulement le réseau.",
            "neutral",
            [],
        ),
    ],
    [
        (
            "citoyen@example.org",
            "Excellente idée. Les ateliers devraient aussi couvrir les **arnaques** par texto.",
            "favour",
            [],
        ),
        ("moderatrice@example.org", "Who would train the volunteers? It needs a budget line.", "against", []),
    ],
]


def has_consultations() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Consultation)))


def load() -> str:
    """Create or reset the demo consultation, accounts and organisations; return a summary."""
    emails = [email for email, *_rest in USERS]
    db.session.execute(delete(Consultation).where(Consultation.slug == SLUG))
    db.session.execute(delete(Organisation).where(Organisation.slug.in_([o[1] for o in ORGANISATIONS])))
    db.session.execute(delete(User).where(User.email.in_(emails)))
    db.session.flush()

    password_hash = hash_password(PASSWORD)
    users = {
        email: User(
            email=email,
            display_name=name,
            locale=locale,
            is_admin=admin,
            password_hash=password_hash,
            session_token=secrets.token_hex(16),
            email_confirmed_at=utcnow(),
        )
        for email, name, locale, admin in USERS
    }
    db.session.add_all(users.values())

    organisations = {}
    for name, slug, description, website, verified in ORGANISATIONS:
        organisations[slug] = organisation = Organisation(
            name=name,
            slug=slug,
            description=description,
            description_html=str(render_markdown(description)),
            website=website,
            verified=verified,
        )
        organisation.memberships.append(
            Membership(user=users["representant@example.org"], status=Membership.REPRESENTATIVE)
        )
        db.session.add(organisation)
    # A pending request, so a representative signing in sees how joining works.
    organisations["aines-branches"].memberships.append(
        Membership(user=users["citoyen@example.org"], status=Membership.PENDING)
    )

    now = utcnow().replace(minute=0, second=0, microsecond=0)
    consultation = Consultation(
        slug=SLUG,
        title_fr="Plan numérique pour le Québec",
        title_en="A Digital Plan for Quebec",
        description_fr=DESCRIPTION_FR,
        description_en=DESCRIPTION_EN,
        description_html_fr=str(render_markdown(DESCRIPTION_FR)),
        description_html_en=str(render_markdown(DESCRIPTION_EN)),
        status="open",
        visibility="public",
    )
    for kind, start, end in PHASES:
        consultation.phases.append(
            Phase(
                kind=kind,
                starts_at=now + timedelta(days=start),
                ends_at=now + timedelta(days=end),
                components=" ".join(PHASE_KINDS[kind][1] + EXTRA_COMPONENTS.get(kind, ())),
            )
        )
    consultation.moderators.append(users["moderatrice@example.org"])
    db.session.add(consultation)
    db.session.commit()
    proposals = proposals_demo.load(consultation, users)
    db.session.commit()
    discussion = discussion_demo.load(consultation, users)
    for proposal, comments in zip(proposals, PROPOSAL_COMMENTS, strict=False):
        discussion_demo.add_comments(
            consultation, "proposal", proposal.id, proposal.author_id, users, comments
        )
    polls = voting_demo.load(consultation, users)
    manifesto = drafting_demo.load(consultation, users)
    manifesto += f", {opinions_demo.load(consultation, users)}"  # the summary names both
    coalition = coalitions_demo.load(consultation, users)
    coalition += f", {live_demo.load(consultation, users)}"
    return (
        f"Demo loaded: « {consultation.title_fr} » with {len(PHASES)} phases, "
        f"{len(USERS)} accounts (password {PASSWORD!r}: {', '.join(emails)}), "
        f"{len(ORGANISATIONS)} organisations, {len(proposals)} proposals, {discussion}, {polls}, {manifesto}, "
        f"{coalition}."
    )
