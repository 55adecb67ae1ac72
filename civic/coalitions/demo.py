"""The demo coalition: the Digital Plan manifesto becomes a position that organisations and citizens endorse.

Everything goes through the services, dated over the last days as it would have happened: version 1
(the manifesto as submitted for discussion) is put forward, organisations and citizens endorse it, one
organisation revokes with a reason, version 2 is published (endorsers are asked to reconfirm), one
organisation reconfirms, others endorse version 2, one of them on condition that an amendment of the
manifesto is accepted. The demo representative (representant@example.org) speaks for two of the
organisations: one reconfirmed, one still pinned to version 1, so that signing in shows the reconfirm
step. The demo's extra accounts (coalition-NN@example.org) and organisations are reset with the demo.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from civic.accounts.models import Membership, Organisation, User
from civic.coalitions import endorsing, positions
from civic.coalitions.models import Endorsement, Position
from civic.consultations.models import Consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.models import Document, DocumentUpdate, DocumentVersion
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow

MODERATOR = "moderatrice@example.org"
REPRESENTATIVE = "representant@example.org"
ACCOUNT_EMAIL = "coalition-{:02d}@example.org"
# (name, slug, description, verified, the representative's display name)
ORGANISATIONS = [
    (
        "Bibliothèques solidaires du Québec",
        "bibliotheques-solidaires",
        "Un regroupement de bibliothèques publiques.",
        True,
        "Hélène Côté",
    ),
    (
        "Coop Accès Montérégie",
        "coop-acces-monteregie",
        "Une coopérative d'accès à Internet en région.",
        True,
        "Marc Bélanger",
    ),
    (
        "Collectif Handicap et numérique",
        "collectif-handicap-numerique",
        "Pour un numérique accessible à toutes et à tous.",
        True,
        "Aïcha Diallo",
    ),
]
# Demo citizens: (display name, named on the page, stance on version 2 or None when only on version 1).
CITIZENS = [
    ("Lucie Pelletier", True, "endorse"),
    ("Robert Fortin", False, "endorse"),
    ("Mei Chen", True, "reservations"),
    ("Yves Gauthier", False, "endorse"),
    ("Fatou Ndiaye", False, "stand_aside"),
    ("Pierre Lévesque", True, "oppose"),
    ("Nathalie Roy", False, "endorse"),
    ("Daniel Morin", False, None),
]
TITLE_FR = "Plan numérique pour le Québec"
TITLE_EN = "A Digital Plan for Quebec"
AMENDMENT_PASSAGE = (
    "Un réseau sans fil public et gratuit dans chaque municipalité de plus de 5 000 habitants."
)
AMENDMENT_REPLACEMENT = (
    "Un réseau sans fil public et gratuit dans chaque municipalité, quelle que soit sa taille."
)
AMENDMENT_REASON = "Les petites municipalités rurales sont celles qui en ont le plus besoin."


def _accounts(users: dict[str, User], count: int) -> list[User]:
    db.session.execute(delete(User).where(User.email.like("coalition-%@example.org")))
    password_hash = users["admin@example.org"].password_hash  # the documented demo password
    names = [o[4] for o in ORGANISATIONS] + [c[0] for c in CITIZENS]
    accounts = [
        User(
            email=ACCOUNT_EMAIL.format(i + 1),
            display_name=names[i],
            locale="fr",
            password_hash=password_hash,
            session_token=secrets.token_hex(16),
            email_confirmed_at=utcnow(),
        )
        for i in range(count)
    ]
    db.session.add_all(accounts)
    db.session.commit()
    return accounts


def _organisations(accounts: list[User]) -> list[Organisation]:
    db.session.execute(delete(Organisation).where(Organisation.slug.in_([o[1] for o in ORGANISATIONS])))
    made = []
    for (name, slug, description, verified, _rep), account in zip(ORGANISATIONS, accounts, strict=False):
        organisation = Organisation(
            name=name,
            slug=slug,
            description=description,
            description_html=str(render_markdown(description)),
            website=f"https://example.org/{slug}",
            verified=verified,
        )
        organisation.memberships.append(Membership(user=account, status=Membership.REPRESENTATIVE))
        db.session.add(organisation)
        made.append(organisation)
    db.session.commit()
    return made


def _manifesto(consultation: Consultation) -> tuple[Document, list[DocumentVersion]]:
    document = db.session.scalar(
        select(Document).where(Document.consultation_id == consultation.id).order_by(Document.id).limit(1)
    )
    if document is None:
        raise ValueError("the demo coalition needs the manifesto (load the drafting demo first)")
    versions = list(
        db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    if len(versions) < 2:
        raise ValueError("the demo coalition needs two versions of the manifesto")
    return document, versions


def _english(text: str) -> str:
    """The manifesto is written in both languages, French first: its English half is the translation."""
    return text.split("\n---\n", 1)[1].strip() if "\n---\n" in text else ""


def _amendment(document: Document, author: User, text: str) -> Amendment:
    """An open amendment of the manifesto (written directly: coalitions use amendments' models only)."""
    start = text.find(AMENDMENT_PASSAGE)
    if start < 0:
        raise ValueError("demo amendment passage not in the manifesto")
    last = db.session.scalar(
        select(func.max(DocumentUpdate.id)).where(DocumentUpdate.document_id == document.id)
    )
    number = (
        db.session.scalar(select(func.max(Amendment.number)).where(Amendment.document_id == document.id)) or 0
    ) + 1
    amendment = Amendment(
        document_id=document.id,
        number=number,
        author_id=author.id,
        passage=AMENDMENT_PASSAGE,
        replacement=AMENDMENT_REPLACEMENT,
        reason=AMENDMENT_REASON,
        reason_html=str(render_markdown(AMENDMENT_REASON)),
        base_update_id=last or 0,
        passage_start=start,
        passage_end=start + len(AMENDMENT_PASSAGE),
    )
    db.session.add(amendment)
    db.session.commit()
    return amendment


def _base(position: Position, user: User, organisation: Organisation | None) -> int:
    found = db.session.scalar(
        select(Endorsement.revision).where(
            Endorsement.position_id == position.id,
            Endorsement.endorser == endorsing.endorser_key(user, organisation),
        )
    )
    return int(found or 0)


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Create the demo position with its endorsements; return a summary."""
    with current_app.test_request_context("/"):  # notifications name the position's address
        return _load(consultation, users)


def _load(consultation: Consultation, users: dict[str, User]) -> str:
    moderator, representative = users[MODERATOR], users[REPRESENTATIVE]
    accounts = _accounts(users, len(ORGANISATIONS) + len(CITIZENS))
    made = _organisations(accounts)
    reps = dict(zip([o.slug for o in made], accounts, strict=False))
    citizens = accounts[len(ORGANISATIONS) :]
    mine = {
        o.slug: o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.slug.in_(["reseau-communautaire", "aines-branches"]))
        )
    }
    document, versions = _manifesto(consultation)
    first, second = versions[-2], versions[-1]
    now = utcnow().replace(second=0, microsecond=0)
    endorsement = [p for p in consultation.phases if p.kind == "endorsement"]
    closes = endorsement[0].ends_at if endorsement else now + timedelta(days=30)
    day = timedelta(days=1)

    position = positions.create_position(
        moderator,
        consultation,
        TITLE_FR,
        TITLE_EN,
        now - 10 * day,
        closes,
        positions.Source("document", "fr", text_en=_english(first.text), document_version_id=first.id),
        now=now - 9 * day,
    )

    def act(
        user: User,
        at: timedelta,
        stance: str = "endorse",
        organisation: Organisation | None = None,
        **fields: Any,
    ) -> None:
        if organisation is not None:
            fields = {
                "signatory_name": user.display_name,
                "signatory_role": fields.pop("role", "Présidente"),
                "mandate_body": fields.pop("body", "Conseil d'administration"),
                "mandate_date": date.today() - timedelta(days=30),
                "mandate_scope": "Adhérer au Plan numérique pour le Québec et à ses versions révisées",
                **fields,
            }
        endorsing.endorse(
            user,
            position,
            consultation,
            positions.current_version(position).number,
            endorsing.Endorsing(stance=stance, **fields),
            _base(position, user, organisation),
            organisation,
            now=now - at,
        )

    act(
        representative,
        8 * day,
        organisation=mine["reseau-communautaire"],
        role="Directrice générale",
        statement="Le manifeste reprend nos trois demandes : l'accès au comptoir, les deux langues, la formation.",
    )
    act(
        representative,
        7 * day,
        "reservations",
        organisation=mine["aines-branches"],
        role="Coordonnatrice",
        body="Assemblée générale",
        mandate_expires=date.today() + timedelta(days=200),
        statement="Nous adhérons, mais **les formations** doivent aussi se donner à domicile pour les personnes "
        "qui ne se déplacent plus.",
    )
    coop = made[1]
    act(reps[coop.slug], 7 * day, organisation=coop, statement="Pour un accès égal en région.")
    act(
        users["citizen@example.org"],
        6 * day,
        show_name=True,
        statement="As a newcomer, this is what I needed.",
    )
    for index, (_name, named, _stance) in enumerate(CITIZENS[:4]):
        act(citizens[index], (6 - index * 0.5) * day, show_name=named)
    act(citizens[7], 5 * day)
    endorsing.revoke(
        reps[coop.slug],
        position,
        consultation,
        "Notre conseil a décidé d'attendre la version qui couvrira **les municipalités rurales**.",
        _base(position, reps[coop.slug], coop),
        coop,
        now=now - 4 * day,
    )

    positions.republish_position(
        moderator,
        consultation,
        position,
        positions.Source("document", "fr", text_en=_english(second.text), document_version_id=second.id),
        "Ajout des **prochaines étapes** et du réseau sans fil public; les services publics « passent en ligne, "
        "souvent sans autre choix ».\n\n*Added the next steps and public wireless access.*",
        now=now - 2 * day,
    )
    act(
        representative,
        1 * day,
        organisation=mine["reseau-communautaire"],
        role="Directrice générale",
        statement="Le manifeste reprend nos trois demandes : l'accès au comptoir, les deux langues, la formation.",
    )
    library = made[0]
    amendment = _amendment(document, users["citoyen@example.org"], second.text)
    act(
        reps[library.slug],
        1 * day,
        organisation=library,
        condition=amendment.id,
        role="Secrétaire générale",
        statement="Nous adhérons si le réseau sans fil couvre aussi les petites municipalités.",
    )
    collective = made[2]
    act(
        reps[collective.slug],
        20 * timedelta(hours=1),
        "reservations",
        organisation=collective,
        statement="Il manque un engagement sur l'**accessibilité** des sites publics (WCAG 2.2 AA).",
    )
    act(
        users["citoyen@example.org"],
        18 * timedelta(hours=1),
        show_name=True,
        statement="Enfin un plan qui pense aux gens sans adresse courriel.",
    )
    for index, (_name, named, stance) in enumerate(CITIZENS[:7]):
        if stance is not None:
            fields: dict[str, Any] = (
                {"statement": "Il faut aussi penser au coût des appareils."}
                if stance == "reservations"
                else {}
            )
            if index < 4 and stance != "endorse":  # a changed stance on reconfirming says why
                fields["reason"] = "Après lecture de la version 2."
            act(citizens[index], (16 - index) * timedelta(hours=1), stance, show_name=named, **fields)
    count = db.session.scalar(
        select(func.count()).select_from(Endorsement).where(Endorsement.position_id == position.id)
    )
    return f"the manifesto as a position with 2 versions and {count} endorsements"
