"""Read models for coalition pages: counts by stance, lists, the timeline, badges, an organisation's activity.

Every page reads a fixed number of queries whatever the number of endorsements: counts are grouped in
the database (two queries), lists are pages (50 rows), the timeline is read backwards from an event id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from civic.accounts.models import Membership, Organisation, User
from civic.coalitions.models import (
    FAILED,
    MET,
    NO_CONDITION,
    PENDING,
    STANCES,
    SUPPORTING,
    CitizenTally,
    Endorsement,
    EndorsementEvent,
    Position,
    PositionVersion,
)
from civic.consultations.models import Consultation
from civic.extensions import db

# A page of a list, and of the timeline: what a phone shows in a few screens, rendered in a few ms.
PAGE = 25
TIMELINE_PAGE = 25
# The signatory sheet lists every organisation on the current version, up to this many.
MAX_SHEET = 20_000
KINDS = ("organisations", "citizens")
VERIFIED = ("yes", "no")


@dataclass
class Group:
    """One line of the grouped counts: how many active endorsements share these traits."""

    organisation: bool
    verified: bool
    current: bool
    stance: str
    condition: str
    named: bool
    count: int


@dataclass
class Tally:
    """A position's active endorsements counted by kind, verification, version, stance and condition."""

    groups: list[Group] = field(default_factory=list)

    def count(
        self,
        organisation: bool | None = None,
        verified: bool | None = None,
        current: bool | None = None,
        stance: str | None = None,
        conditions: tuple[str, ...] | None = None,
        named: bool | None = None,
    ) -> int:
        return sum(
            g.count
            for g in self.groups
            if (organisation is None or g.organisation == organisation)
            and (verified is None or g.verified == verified)
            and (current is None or g.current == current)
            and (stance is None or g.stance == stance)
            and (conditions is None or g.condition in conditions)
            and (named is None or g.named == named)
        )

    def by_stance(self, organisation: bool, verified: bool | None = None) -> dict[str, int]:
        """On the current version, conditions met or none: what each stance stands at."""
        return {s: self.count(organisation, verified, True, s, (NO_CONDITION, MET)) for s in STANCES}

    def pending(self, organisation: bool | None = None) -> int:
        return self.count(organisation, current=True, conditions=(PENDING,))

    def failed(self, organisation: bool | None = None) -> int:
        return self.count(organisation, current=True, conditions=(FAILED,))

    def awaiting(self, organisation: bool) -> int:
        """Endorsements of an earlier version, not yet reconfirmed on the current one."""
        return self.count(organisation, current=False)

    def listed(self, kind: str | None, verified: bool | None, stance: str | None) -> int:
        """How many rows a filtered list has (organisations; named citizens)."""
        if kind == "citizens":
            return self.count(False, stance=stance, named=True)
        return self.count(True, verified, stance=stance)


def tally(position: Position) -> Tally:
    """Count a position's active endorsements (two queries: organisations grouped, citizens' kept counts)."""
    groups = []
    current = position.current_version_id
    rows = db.session.execute(
        select(
            Organisation.verified,
            Endorsement.version_id,
            Endorsement.stance,
            Endorsement.condition_state,
            func.count(),
        )
        .join(Organisation, Organisation.id == Endorsement.organisation_id)
        .where(
            Endorsement.position_id == position.id,
            Endorsement.active.is_(True),
            Endorsement.organisation_id.is_not(None),
        )
        .group_by(
            Organisation.verified, Endorsement.version_id, Endorsement.stance, Endorsement.condition_state
        )
    )
    for verified, version_id, stance, condition, count in rows:
        groups.append(Group(True, bool(verified), version_id == current, stance, condition, True, int(count)))
    # Citizens from their kept counts: a few rows, whatever their number (civic.coalitions.tallies).
    citizens = db.session.execute(
        select(
            CitizenTally.version_id,
            CitizenTally.stance,
            CitizenTally.condition_state,
            CitizenTally.named,
            CitizenTally.count,
        ).where(CitizenTally.position_id == position.id, CitizenTally.count > 0)
    )
    for citizen_version, citizen_stance, citizen_condition, named, citizen_count in citizens:
        groups.append(
            Group(
                False,
                False,
                citizen_version == current,
                citizen_stance,
                citizen_condition,
                bool(named),
                int(citizen_count),
            )
        )
    return Tally(groups)


def badge_count(position: Position) -> int:
    """Verified organisations whose endorsement of the current version stands (endorse, with reservations;
    no condition or a condition met): the number a badge shows."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Endorsement)
            .join(Organisation, Organisation.id == Endorsement.organisation_id)
            .where(
                Endorsement.position_id == position.id,
                Endorsement.active.is_(True),
                Endorsement.organisation_id.is_not(None),
                Endorsement.version_id == position.current_version_id,
                Endorsement.stance.in_(SUPPORTING),
                Endorsement.condition_state.in_((NO_CONDITION, MET)),
                Organisation.verified.is_(True),
            )
        )
        or 0
    )


def versions_of(position: Position) -> list[PositionVersion]:
    return list(
        db.session.scalars(
            select(PositionVersion)
            .where(PositionVersion.position_id == position.id)
            .order_by(PositionVersion.number.desc())
        )
    )


def version_numbers(position: Position) -> dict[int, int]:
    """Version id -> number, for lists that show which version each endorsement is pinned to."""
    return {
        int(i): int(n)
        for i, n in db.session.execute(
            select(PositionVersion.id, PositionVersion.number).where(
                PositionVersion.position_id == position.id
            )
        )
    }


def positions_of(consultation: Consultation) -> list[Position]:
    """The campaign's positions, newest first."""
    return list(
        db.session.scalars(
            select(Position)
            .where(Position.consultation_id == consultation.id)
            .order_by(Position.created_at.desc(), Position.id.desc())
        )
    )


@dataclass
class Row:
    """One endorsement in a list, with its endorser's public name."""

    endorsement: Endorsement
    name: str
    slug: str
    verified: bool


def organisation_rows(
    position: Position,
    verified: bool | None,
    stance: str | None,
    page: int,
    size: int = PAGE,
    version_id: int | None = None,
) -> list[Row]:
    """A page of the position's active organisation endorsements, by organisation name (only those
    pinned to `version_id` when given)."""
    query = (
        select(Endorsement, Organisation.name, Organisation.slug, Organisation.verified)
        .join(Organisation, Organisation.id == Endorsement.organisation_id)
        .where(
            Endorsement.position_id == position.id,
            Endorsement.active.is_(True),
            Endorsement.organisation_id.is_not(None),  # the index's range: citizens are not read
        )
        .order_by(Organisation.name, Organisation.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    if verified is not None:
        query = query.where(Organisation.verified.is_(verified))
    if stance is not None:
        query = query.where(Endorsement.stance == stance)
    if version_id is not None:
        query = query.where(Endorsement.version_id == version_id)
    return [Row(e, name, slug, bool(v)) for e, name, slug, v in db.session.execute(query)]


def citizen_rows(position: Position, stance: str | None, page: int, size: int = PAGE) -> list[Row]:
    """A page of the citizens who chose to be named, newest first."""
    query = (
        select(Endorsement, User.display_name)
        .join(User, User.id == Endorsement.user_id)
        .where(
            Endorsement.position_id == position.id,
            Endorsement.active.is_(True),
            Endorsement.organisation_id.is_(None),
            Endorsement.show_name.is_(True),
        )
        .order_by(Endorsement.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    if stance is not None:
        query = query.where(Endorsement.stance == stance)
    return [Row(e, name, "", False) for e, name in db.session.execute(query)]


@dataclass
class Entry:
    """One line of a timeline: the event, and the public name of who it is about."""

    event: EndorsementEvent
    name: str  # "" for a citizen who chose not to be named
    slug: str
    verified: bool
    actor: str  # who acted for an organisation: shown only to those allowed (permissions)
    position_title_fr: str = ""
    position_title_en: str = ""
    consultation_slug: str = ""


def _timeline_query() -> Any:
    actor = aliased(User)
    citizen = aliased(User)
    return (
        select(
            EndorsementEvent,
            Endorsement.show_name,
            citizen.display_name,
            Organisation.name,
            Organisation.slug,
            Organisation.verified,
            actor.display_name,
        )
        .join(Endorsement, Endorsement.id == EndorsementEvent.endorsement_id)
        .outerjoin(Organisation, Organisation.id == EndorsementEvent.organisation_id)
        .outerjoin(citizen, citizen.id == Endorsement.user_id)
        .outerjoin(actor, actor.id == EndorsementEvent.actor_id)
    )


def _entry(row: Any) -> Entry:
    event, show_name, citizen, org_name, org_slug, verified, actor = row[:7]
    if org_name is not None:
        return Entry(event, org_name, org_slug, bool(verified), actor or "")
    return Entry(event, citizen if show_name and citizen else "", "", False, "")


def timeline(
    position: Position, kind: str | None, before: int | None, size: int = TIMELINE_PAGE
) -> tuple[list[Entry], int | None]:
    """The newest events of the position (before event `before`), and the id to read on from, if more."""
    query = _timeline_query().where(EndorsementEvent.position_id == position.id)
    if kind == "organisations":
        query = query.where(EndorsementEvent.organisation_id.is_not(None))
    elif kind == "citizens":
        query = query.where(EndorsementEvent.organisation_id.is_(None))
    if before is not None:
        query = query.where(EndorsementEvent.id < before)
    rows = list(db.session.execute(query.order_by(EndorsementEvent.id.desc()).limit(size + 1)))
    entries = [_entry(row) for row in rows[:size]]
    return entries, (entries[-1].event.id if len(rows) > size else None)


def history_of(endorsement: Endorsement) -> list[Entry]:
    """Every event of one endorsement, oldest first."""
    rows = db.session.execute(
        _timeline_query()
        .where(EndorsementEvent.endorsement_id == endorsement.id)
        .order_by(EndorsementEvent.id)
    )
    return [_entry(row) for row in rows]


def represented(user: User | None) -> list[Organisation]:
    """The organisations this person represents, by name."""
    if user is None:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Membership.status == Membership.REPRESENTATIVE)
            .order_by(Organisation.name)
        )
    )


def endorsements_by(position: Position, keys: list[str]) -> dict[str, Endorsement]:
    """These endorsers' endorsements of the position, active or not, by endorser key."""
    if not keys:
        return {}
    return {
        e.endorser: e
        for e in db.session.scalars(
            select(Endorsement).where(Endorsement.position_id == position.id, Endorsement.endorser.in_(keys))
        )
    }


def _visible(query: Any, user: User | None) -> Any:
    """Only positions of consultations this visitor may see (open or closed; members-only when signed in)."""
    query = query.where(Consultation.status != "draft")
    if user is None:
        query = query.where(Consultation.visibility == "public")
    return query


@dataclass
class Standing:
    """An organisation's current endorsement of one position, for its profile."""

    endorsement: Endorsement
    position: Position
    consultation_slug: str
    current_number: int
    number: int


def organisation_standings(
    organisation: Organisation, user: User | None, limit: int = PAGE
) -> list[Standing]:
    """The organisation's active endorsements in consultations this visitor may see, newest first."""
    version = aliased(PositionVersion)
    current = aliased(PositionVersion)
    query = (
        select(Endorsement, Position, Consultation.slug, current.number, version.number)
        .join(Position, Position.id == Endorsement.position_id)
        .join(Consultation, Consultation.id == Position.consultation_id)
        .join(version, version.id == Endorsement.version_id)
        .join(current, current.id == Position.current_version_id)
        .where(Endorsement.organisation_id == organisation.id, Endorsement.active.is_(True))
        .order_by(Endorsement.updated_at.desc(), Endorsement.id.desc())
        .limit(limit)
    )
    return [
        Standing(e, p, slug, int(current_number), int(number))
        for e, p, slug, current_number, number in db.session.execute(_visible(query, user))
    ]


def organisation_activity(organisation: Organisation, user: User | None, limit: int = 20) -> list[Entry]:
    """The organisation's latest endorsement events in consultations this visitor may see."""
    query = (
        _timeline_query()
        .add_columns(Position.title_fr, Position.title_en, Consultation.slug)
        .join(Position, Position.id == EndorsementEvent.position_id)
        .join(Consultation, Consultation.id == Position.consultation_id)
        .where(EndorsementEvent.organisation_id == organisation.id)
        .order_by(EndorsementEvent.id.desc())
        .limit(limit)
    )
    entries = []
    for row in db.session.execute(_visible(query, user)):
        entry = _entry(row)
        entry.position_title_fr, entry.position_title_en, entry.consultation_slug = row[7:10]
        entries.append(entry)
    return entries


def export_rows(position: Position) -> Iterator[Any]:
    """Every endorsement of the position, active or revoked, organisations first (by name), then citizens,
    as plain rows (columns only, no objects: 50,000 of them), with the names to show; read a thousand at
    a time (a server-side cursor on PostgreSQL), so an export streams instead of loading them all."""
    return iter(
        db.session.execute(
            select(
                Endorsement.id,
                Endorsement.organisation_id,
                Endorsement.version_id,
                Endorsement.stance,
                Endorsement.active,
                Endorsement.show_name,
                Endorsement.content_hash,
                Endorsement.condition_number,
                Endorsement.condition_state,
                Endorsement.statement,
                Endorsement.signatory_name,
                Endorsement.signatory_role,
                Endorsement.mandate_body,
                Endorsement.mandate_date,
                Endorsement.mandate_scope,
                Endorsement.mandate_expires,
                Endorsement.mandate_url,
                Endorsement.created_at,
                Endorsement.updated_at,
                Organisation.name.label("organisation_name"),
                Organisation.slug.label("organisation_slug"),
                Organisation.verified,
                User.display_name.label("person"),
            )
            .outerjoin(Organisation, Organisation.id == Endorsement.organisation_id)
            .outerjoin(User, User.id == Endorsement.user_id)
            .where(Endorsement.position_id == position.id)
            .order_by(Endorsement.organisation_id.is_(None), Organisation.name, Endorsement.id)
            .execution_options(yield_per=1000)
        )
    )


def expired(endorsement: Endorsement, today: date) -> bool:
    """Whether an organisation's mandate has passed its expiry date (the date itself still counts)."""
    return endorsement.mandate_expires is not None and endorsement.mandate_expires < today
