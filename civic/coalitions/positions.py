"""Position verbs: put a text forward for endorsement, change its title or period, republish a new version.

A version's text is copied from its source when it is published (a version of a co-drafted document,
an accepted proposal, or a text the moderator writes) and never changes afterwards. Republishing adds a
version: endorsements stay pinned to the version they endorsed, and every endorser is told at once,
in the site and by e-mail, to read the new text and reconfirm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from civic import realtime
from civic.accounts.models import Membership, User
from civic.accounts.sanctions import ensure_can_participate
from civic.coalitions import permissions
from civic.coalitions.content import content_hash, normalise
from civic.coalitions.models import Endorsement, Position, PositionVersion
from civic.consultations.models import Consultation
from civic.deliberation.drafting.models import Document, DocumentVersion
from civic.deliberation.proposals.models import Proposal
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.i18n import localized
from civic.notifications import services as notifications
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

TITLE_MAX = 200
TEXT_MAX = 100_000
NOTE_MAX = 2000
NAMESPACE = "/coalitions"


class PositionInvalid(Invalid):
    """Refused position input; `fields` maps form fields to their messages."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


@dataclass(frozen=True)
class Source:
    """Where a version's text comes from, and the texts the moderator typed.

    `kind` "document" or "proposal": the source's text becomes the text in the reference language and
    the other language's field is its translation (optional); "text": the moderator's own texts.
    """

    kind: str
    reference: str
    text_fr: str = ""
    text_en: str = ""
    document_version_id: int | None = None
    proposal_id: int | None = None


@dataclass(frozen=True)
class Texts:
    source: str
    text_fr: str
    text_en: str
    reference: str
    label: str
    document_id: int | None
    document_version_id: int | None
    proposal_id: int | None


def position_room(position_id: int) -> str:
    return realtime.room("position", position_id)


def get_position(consultation: Consultation, position_id: int, user: User | None) -> Position:
    """Return the consultation's position if this user may see the consultation; NotFound otherwise."""
    position = db.session.get(Position, position_id)
    if position is None or position.consultation_id != consultation.id:
        raise NotFound()
    if not permissions.can_view_position(user, consultation):
        raise NotFound()
    return position


def current_version(position: Position) -> PositionVersion:
    version = db.session.get(PositionVersion, position.current_version_id)
    if version is None:  # every position is created with its first version
        raise NotFound()
    return version


def _document_source(consultation: Consultation, version_id: int | None) -> tuple[str, str, int, int]:
    """The text, label, document id and version id of a version of one of the consultation's documents."""
    found = (
        db.session.execute(
            select(DocumentVersion, Document)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.id == version_id, Document.consultation_id == consultation.id)
        ).first()
        if version_id is not None
        else None
    )
    if found is None:
        raise PositionInvalid(
            {"document_version": _("Choose a version of one of this consultation's documents.")}
        )
    version, document = found
    title = document.title_fr or document.title_en
    label = _("%(title)s, version %(number)d", title=title, number=version.number)
    if version.name:
        label = f"{label} — {version.name}"
    return version.text, label, document.id, version.id


def _proposal_source(consultation: Consultation, proposal_id: int | None) -> tuple[str, str, int]:
    proposal = db.session.get(Proposal, proposal_id) if proposal_id is not None else None
    if proposal is None or proposal.consultation_id != consultation.id or proposal.state != Proposal.ACCEPTED:
        raise PositionInvalid({"proposal": _("Choose an accepted proposal of this consultation.")})
    return proposal.body, _("Proposal: %(title)s", title=proposal.title), proposal.id


def _texts(consultation: Consultation, source: Source, document_id: int | None) -> Texts:
    """Copy the source's text and check the texts; PositionInvalid names the field at fault."""
    if source.reference not in ("fr", "en"):
        raise PositionInvalid({"reference": _("Choose the language of the reference text.")})
    typed = {"fr": normalise(source.text_fr), "en": normalise(source.text_en)}
    other = "en" if source.reference == "fr" else "fr"
    label, version_id, proposal_id = "", None, None
    if source.kind == "document":
        copied, label, document_id, version_id = _document_source(consultation, source.document_version_id)
    elif source.kind == "proposal":
        copied, label, proposal_id = _proposal_source(consultation, source.proposal_id)
    elif source.kind == "text":
        copied = typed[source.reference]
    else:
        raise PositionInvalid({"source": _("Choose where the text comes from.")})
    if source.kind != "text" and typed[source.reference] and typed[source.reference] != normalise(copied):
        raise PositionInvalid(
            {
                f"text_{source.reference}": _(
                    "The reference text comes from the source you chose: leave this field empty, "
                    "or choose “a text I write” as the source."
                )
            }
        )
    texts = {source.reference: normalise(copied), other: typed[other]}
    if not texts[source.reference] or is_blank(texts[source.reference]):
        raise PositionInvalid({f"text_{source.reference}": _("The reference text is empty.")})
    for language in ("fr", "en"):
        if len(texts[language]) > TEXT_MAX:
            raise PositionInvalid({f"text_{language}": _("A text has at most %(n)d characters.", n=TEXT_MAX)})
        if texts[language] and is_blank(texts[language]):
            texts[language] = ""
    return Texts(
        source.kind, texts["fr"], texts["en"], source.reference, label, document_id, version_id, proposal_id
    )


def _check_title_and_period(
    title_fr: str, title_en: str, opens_at: datetime | None, closes_at: datetime | None
) -> None:
    fields = {}
    if (not title_fr or is_blank(title_fr)) and (not title_en or is_blank(title_en)):
        fields["title_fr"] = _("Give a title in at least one language.")
    for name, value in (("title_fr", title_fr), ("title_en", title_en)):
        if len(value) > TITLE_MAX:
            fields[name] = _("A title has at most %(n)d characters.", n=TITLE_MAX)
    if opens_at is None:
        fields["opens_at"] = _("Give the start of the endorsement period.")
    if closes_at is None:
        fields["closes_at"] = _("Give the end of the endorsement period.")
    elif opens_at is not None and closes_at <= opens_at:
        fields["closes_at"] = _("The endorsement period must end after it starts.")
    if fields:
        raise PositionInvalid(fields)


def _version(
    position: Position, number: int, texts: Texts, note: str, user: User, now: datetime
) -> PositionVersion:
    version = PositionVersion(
        published_at=now,
        position_id=position.id,
        number=number,
        reference=texts.reference,
        text_fr=texts.text_fr,
        text_en=texts.text_en,
        html_fr=str(render_markdown(texts.text_fr)) if texts.text_fr else "",
        html_en=str(render_markdown(texts.text_en)) if texts.text_en else "",
        content_hash=content_hash(texts.text_fr, texts.text_en, texts.reference),
        source=texts.source,
        source_label=texts.label[:300],
        document_version_id=texts.document_version_id,
        proposal_id=texts.proposal_id,
        note=note,
        note_html=str(render_markdown(note)) if note else "",
        published_by_id=user.id,
    )
    db.session.add(version)
    return version


def _ensure_manager(user: User | None, consultation: Consultation) -> User:
    if user is None or not permissions.can_manage_positions(user, consultation):
        raise Forbidden(_("Only the consultation's moderators put positions forward."))
    ensure_can_participate(user)
    return user


def create_position(
    user: User | None,
    consultation: Consultation,
    title_fr: str,
    title_en: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    source: Source,
    now: datetime | None = None,
) -> Position:
    """Put a text forward for endorsement: the position and its version 1, published at once."""
    user = _ensure_manager(user, consultation)
    now = now or utcnow()
    title_fr, title_en = " ".join(title_fr.split()), " ".join(title_en.split())
    _check_title_and_period(title_fr, title_en, opens_at, closes_at)
    texts = _texts(consultation, source, None)
    assert opens_at is not None and closes_at is not None  # checked above  # noqa: S101
    position = Position(
        consultation_id=consultation.id,
        title_fr=title_fr,
        title_en=title_en,
        opens_at=opens_at,
        closes_at=closes_at,
        document_id=texts.document_id,
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(position)
    db.session.flush()
    version = _version(position, 1, texts, "", user, now)
    db.session.flush()
    position.current_version_id = version.id
    db.session.commit()
    return position


def update_position(
    user: User | None,
    consultation: Consultation,
    position: Position,
    title_fr: str,
    title_en: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> None:
    """Change a position's titles or endorsement period (its texts change only by republishing)."""
    _ensure_manager(user, consultation)
    title_fr, title_en = " ".join(title_fr.split()), " ".join(title_en.split())
    _check_title_and_period(title_fr, title_en, opens_at, closes_at)
    assert opens_at is not None and closes_at is not None  # checked above  # noqa: S101
    position.title_fr, position.title_en = title_fr, title_en
    position.opens_at, position.closes_at = opens_at, closes_at
    db.session.commit()


def endorsers_to_tell(position: Position) -> set[int]:
    """The people who speak for the position's current endorsements: citizens and representatives."""
    citizens = db.session.scalars(
        select(Endorsement.user_id).where(
            Endorsement.position_id == position.id,
            Endorsement.active.is_(True),
            Endorsement.user_id.is_not(None),
        )
    )
    representatives = db.session.scalars(
        select(Membership.user_id).where(
            Membership.status == Membership.REPRESENTATIVE,
            Membership.organisation_id.in_(
                select(Endorsement.organisation_id).where(
                    Endorsement.position_id == position.id,
                    Endorsement.active.is_(True),
                    Endorsement.organisation_id.is_not(None),
                )
            ),
        )
    )
    return {int(i) for i in citizens if i is not None} | {int(i) for i in representatives}


def republish_position(
    user: User | None,
    consultation: Consultation,
    position: Position,
    source: Source,
    note: str,
    now: datetime | None = None,
) -> PositionVersion:
    """Publish a new version; endorsements stay on theirs and every endorser is asked to reconfirm."""
    user = _ensure_manager(user, consultation)
    now = now or utcnow()
    note = normalise(note)
    if not note or is_blank(note):
        raise PositionInvalid({"note": _("Say what changed since the previous version.")})
    if len(note) > NOTE_MAX:
        raise PositionInvalid({"note": _("At most %(n)d characters.", n=NOTE_MAX)})
    previous = current_version(position)
    texts = _texts(consultation, source, position.document_id)
    if position.document_id is not None and texts.document_id not in (None, position.document_id):
        raise PositionInvalid(
            {"document_version": _("Choose a version of the document this position was taken from.")}
        )
    if content_hash(texts.text_fr, texts.text_en, texts.reference) == previous.content_hash:
        raise Conflict(
            _("The text is the same as version %(n)d: there is nothing to republish.", n=previous.number)
        )
    version = _version(position, previous.number + 1, texts, note, user, now)
    db.session.flush()
    position.current_version_id = version.id
    if position.document_id is None:
        position.document_id = texts.document_id
    db.session.commit()
    title = localized(position, "title")
    url = url_for("coalitions.position", slug=consultation.slug, position_id=position.id)
    notifications.notify_many(
        endorsers_to_tell(position) - {user.id},
        "position_new_version",
        consultation.id,
        url,
        user.display_name,
        title,
    )
    realtime.publish(
        "coalition.version",
        {"position": position.id, "version": version.number},
        to=position_room(position.id),
        namespace=NAMESPACE,
    )
    return version
