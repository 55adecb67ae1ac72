"""Test data builders for coalitions: a campaign with an endorsement period, positions, endorsements."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from civic.accounts.models import Organisation, User
from civic.coalitions import endorsing, positions
from civic.coalitions.models import Endorsement, Position
from civic.consultations.models import Consultation
from civic.deliberation.drafting.models import Document, DocumentVersion
from civic.extensions import db
from civic.timestamps import utcnow
from tests.factories import make_consultation

TEXT_FR = "# Manifeste\n\nL'accès **d'abord**."
TEXT_EN = "# Manifesto\n\nAccess **first**."
# A mandate that passes every check (dated yesterday, no expiry).
MANDATE: dict[str, Any] = {
    "signatory_name": "Claire Dubé",
    "signatory_role": "Présidente",
    "mandate_body": "Conseil d'administration",
    "mandate_scope": "Adhérer au manifeste",
}


def campaign(moderator: User, days: tuple[int, int] = (-1, 10), **kwargs: Any) -> Consultation:
    """An open consultation whose current phase is its endorsement phase."""
    return make_consultation(moderators=[moderator], phases=[("endorsement", *days)], **kwargs)


def make_position(
    consultation: Consultation,
    moderator: User,
    text_fr: str = TEXT_FR,
    text_en: str = TEXT_EN,
    opens_in_days: float = -1,
    closes_in_days: float = 10,
    version: DocumentVersion | None = None,
) -> Position:
    """A position put forward through the service: a moderator's text, or a document version's."""
    now = utcnow()
    source = (
        positions.Source("document", "fr", text_en=text_en, document_version_id=version.id)
        if version is not None
        else positions.Source("text", "fr", text_fr=text_fr, text_en=text_en)
    )
    return positions.create_position(
        moderator,
        consultation,
        "Plan numérique",
        "Digital Plan",
        now + timedelta(days=opens_in_days),
        now + timedelta(days=closes_in_days),
        source,
    )


def make_document_version(document: Document, number: int, text: str, name: str = "") -> DocumentVersion:
    """A version row written directly: coalitions read drafting's models only."""
    version = DocumentVersion(document_id=document.id, number=number, upto_update_id=0, name=name, text=text)
    db.session.add(version)
    db.session.commit()
    return version


def mandate(**changes: Any) -> dict[str, Any]:
    return {**MANDATE, "mandate_date": date.today() - timedelta(days=1), **changes}


def base_of(position: Position, user: User, organisation: Organisation | None = None) -> int:
    found = db.session.scalar(
        select(Endorsement.revision).where(
            Endorsement.position_id == position.id,
            Endorsement.endorser == endorsing.endorser_key(user, organisation),
        )
    )
    return int(found or 0)


def endorse(
    user: User,
    position: Position,
    stance: str = "endorse",
    organisation: Organisation | None = None,
    number: int | None = None,
    **fields: Any,
) -> Endorsement:
    """Endorse through the service, from the endorsement as it stands (as a form filled just now)."""
    consultation = db.session.get(Consultation, position.consultation_id)
    if organisation is not None:
        fields = {**mandate(), **fields}
    data = endorsing.Endorsing(stance=stance, **fields)
    version = number if number is not None else positions.current_version(position).number
    return endorsing.endorse(
        user, position, consultation, version, data, base_of(position, user, organisation), organisation
    )


def revoke(
    user: User,
    position: Position,
    reason: str = "Nous changeons d'avis.",
    organisation: Organisation | None = None,
) -> Endorsement:
    consultation = db.session.get(Consultation, position.consultation_id)
    return endorsing.revoke(
        user, position, consultation, reason, base_of(position, user, organisation), organisation
    )
