"""Test data builders: users, organisations, consultations with phases."""

from __future__ import annotations

import secrets
from datetime import timedelta

from civic.accounts.models import Membership, Organisation, User
from civic.accounts.passwords import hash_password
from civic.components import PHASE_KINDS
from civic.consultations.models import Consultation, Phase
from civic.deliberation.drafting.models import Document, DocumentEditor, DocumentUpdate
from civic.deliberation.proposals import search
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.timestamps import utcnow

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only


def make_user(
    email: str | None = None, name: str = "Test Person", admin: bool = False, locale: str = "fr"
) -> User:
    user = User(
        email=email or f"user-{secrets.token_hex(4)}@example.org",
        display_name=name,
        password_hash=hash_password(PASSWORD),
        locale=locale,
        is_admin=admin,
        session_token=secrets.token_hex(16),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_organisation(
    representative: User | None = None, name: str = "Groupe test", pending: list[User] | None = None
) -> Organisation:
    organisation = Organisation(
        slug=f"org-{secrets.token_hex(3)}", name=name, description="", description_html=""
    )
    if representative is not None:
        organisation.memberships.append(Membership(user=representative, status=Membership.REPRESENTATIVE))
    for user in pending or []:
        organisation.memberships.append(Membership(user=user, status=Membership.PENDING))
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_consultation(
    slug: str | None = None,
    status: str = "open",
    visibility: str = "public",
    moderators: list[User] | None = None,
    phases: list[tuple[str, int, int]] | None = None,
) -> Consultation:
    """A consultation; phases are (kind, start day, end day) relative to now."""
    consultation = Consultation(
        slug=slug or f"consultation-{secrets.token_hex(3)}",
        title_fr="Consultation d'essai",
        title_en="Test consultation",
        description_fr="Description **française**",
        description_en="English description",
        description_html_fr="<p>Description <strong>française</strong></p>",
        description_html_en="<p>English description</p>",
        status=status,
        visibility=visibility,
    )
    now = utcnow()
    default = [("information", -10, -1), ("proposals", -1, 10), ("voting", 10, 20)]
    for kind, start, end in default if phases is None else phases:
        consultation.phases.append(
            Phase(
                kind=kind,
                starts_at=now + timedelta(days=start),
                ends_at=now + timedelta(days=end),
                components=" ".join(PHASE_KINDS[kind][1]),
            )
        )
    consultation.moderators.extend(moderators or [])
    db.session.add(consultation)
    db.session.commit()
    return consultation


def make_proposal(
    consultation: Consultation,
    author: User,
    title: str = "Des bornes Wi-Fi gratuites",
    body: str = "Dans toutes les **bibliothèques** publiques.",
    state: str = "published",
    supports: int = 0,
) -> Proposal:
    proposal = Proposal(
        consultation_id=consultation.id,
        author_id=author.id,
        title=title,
        body=body,
        body_html=f"<p>{body}</p>",
        state=state,
        published_at=utcnow() if state != "draft" else None,
        support_count=supports,
    )
    db.session.add(proposal)
    db.session.flush()
    search.index(proposal)
    db.session.commit()
    return proposal


def make_document(
    consultation: Consultation,
    creator: User | None = None,
    text: str = "",
    mode: str = "open",
    editors: list[User] | None = None,
    max_editors: int = 150,
) -> Document:
    """A co-drafted document; a starting text is stored as its first update, by its creator."""
    from civic.deliberation.drafting import crdt

    document = Document(
        consultation_id=consultation.id,
        title_fr="Manifeste numérique",
        title_en="Digital manifesto",
        mode=mode,
        max_editors=max_editors,
        created_by_id=creator.id if creator else None,
    )
    document.editors.extend(DocumentEditor(user_id=u.id) for u in editors or [])
    db.session.add(document)
    db.session.flush()
    if text:
        db.session.add(
            DocumentUpdate(
                document_id=document.id,
                data=crdt.initial_update(text),
                user_id=creator.id if creator else None,
            )
        )
    db.session.commit()
    return document
