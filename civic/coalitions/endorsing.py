"""Endorsement verbs: give, change, reconfirm or revoke an endorsement, as a citizen or for an organisation.

One verb, `endorse`, gives a first endorsement, changes it (another stance needs a reason), or
reconfirms it on the position's current version; `revoke` withdraws it with a reason. Each writes the
endorsement's current state and one append-only event in the same transaction, then announces the
change to the position's open pages. A form is sent with the revision it was filled from (`base`): an
endorsement changed meanwhile (another tab, another representative) is never overwritten blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic import realtime
from civic.accounts.models import Organisation, User
from civic.accounts.permissions import is_representative
from civic.accounts.sanctions import ensure_can_participate
from civic.coalitions import permissions, queries, tallies
from civic.coalitions.content import normalise
from civic.coalitions.models import (
    CHANGED,
    GIVEN,
    NO_CONDITION,
    PENDING,
    RECONFIRMED,
    RESERVATIONS,
    REVOKED,
    STANCES,
    SUPPORTING,
    UPDATED,
    Endorsement,
    EndorsementEvent,
    Position,
    PositionVersion,
)
from civic.coalitions.positions import NAMESPACE, current_version, position_room
from civic.consultations.models import Consultation
from civic.deliberation.drafting.amendments.models import Amendment
from civic.errors import Conflict, Forbidden, Invalid
from civic.extensions import db
from civic.moments import when
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

STATEMENT_MAX = 2000
REASON_MAX = 1000
NAME_MAX = 120
SCOPE_MAX = 300
URL_MAX = 300
_WEB = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# The fields an endorsement's state is made of: an event copies them all (a full snapshot).
SNAPSHOT = (
    "version_id",
    "content_hash",
    "active",
    "stance",
    "statement",
    "statement_html",
    "show_name",
    "signatory_name",
    "signatory_role",
    "mandate_body",
    "mandate_date",
    "mandate_scope",
    "mandate_expires",
    "mandate_url",
    "condition_amendment_id",
    "condition_number",
    "condition_state",
)


class EndorsementInvalid(Invalid):
    """Refused endorsement input; `fields` maps form fields to their messages (all of them at once)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


class NotRepresentative(Forbidden):
    pass


class PeriodClosed(Conflict):
    pass


class Superseded(Conflict):
    pass


class AlreadyEndorsed(Conflict):
    pass


class ChangedMeanwhile(Conflict):
    pass


@dataclass(frozen=True)
class Endorsing:
    """What an endorser says: the stance and statement, and for an organisation its signatory and mandate."""

    stance: str
    statement: str = ""
    reason: str = ""
    show_name: bool = False
    condition: int | None = None  # an amendment id
    signatory_name: str = ""
    signatory_role: str = ""
    mandate_body: str = ""
    mandate_date: date | None = None
    mandate_scope: str = ""
    mandate_expires: date | None = None
    mandate_url: str = ""


def local_today(now: datetime | None = None) -> date:
    """Today in the site's zone (mandates are dated in it)."""
    return (now or utcnow()).astimezone(ZoneInfo(str(get_timezone()))).date()


def _line(text: str) -> str:
    return " ".join(text.split())


def _text(fields: dict[str, str], name: str, text: str, limit: int, required: str | None) -> str:
    text = normalise(text)
    if is_blank(text):
        text = ""
    if not text and required:
        fields[name] = required
    elif len(text) > limit:
        fields[name] = _("At most %(n)d characters (this one has %(count)d).", n=limit, count=len(text))
    return text


def _condition(
    fields: dict[str, str], position: Position, data: Endorsing, existing: Endorsement | None
) -> tuple[int | None, int | None, str]:
    """The condition's amendment id, number and state; a new condition must be on an open amendment of
    the position's own document."""
    if data.condition is None:
        return None, None, NO_CONDITION
    if existing is not None and existing.active and existing.condition_amendment_id == data.condition:
        return existing.condition_amendment_id, existing.condition_number, existing.condition_state
    amendment = db.session.get(Amendment, data.condition)
    if amendment is None or position.document_id is None or amendment.document_id != position.document_id:
        fields["condition"] = _(
            "A condition can only name an amendment of the document this position was taken from."
        )
        return None, None, NO_CONDITION
    if amendment.status != Amendment.OPEN:
        fields["condition"] = _(
            "Amendment no. %(n)d has already been decided: endorse without this condition.",
            n=amendment.number,
        )
    if data.stance not in SUPPORTING:
        fields["condition"] = _(
            "Only an endorsement (with or without reservations) can depend on an amendment."
        )
    return amendment.id, amendment.number, PENDING


def _mandate(fields: dict[str, str], data: Endorsing, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {
        "signatory_name": _line(
            _text(
                fields,
                "signatory_name",
                data.signatory_name,
                NAME_MAX,
                _("Give the name of the person who signs."),
            )
        ),
        "signatory_role": _line(
            _text(
                fields,
                "signatory_role",
                data.signatory_role,
                NAME_MAX,
                _("Give the signatory's role in the organisation."),
            )
        ),
        "mandate_body": _line(
            _text(
                fields,
                "mandate_body",
                data.mandate_body,
                NAME_MAX,
                _("Say which body decided (board, general assembly…)."),
            )
        ),
        "mandate_scope": _line(
            _text(fields, "mandate_scope", data.mandate_scope, SCOPE_MAX, _("Say what the mandate covers."))
        ),
        "mandate_url": data.mandate_url.strip(),
        "mandate_date": data.mandate_date,
        "mandate_expires": data.mandate_expires,
    }
    if data.mandate_date is None:
        fields["mandate_date"] = _("Give the date of the decision.")
    elif data.mandate_date > today:
        fields["mandate_date"] = _(
            "A mandate cannot be dated in the future (%(date)s): give the date the decision was taken.",
            date=format_date(data.mandate_date, "long"),
        )
    if data.mandate_expires is not None:
        if data.mandate_date is not None and data.mandate_expires < data.mandate_date:
            fields["mandate_expires"] = _("A mandate cannot expire before it was given.")
        elif data.mandate_expires < today:
            fields["mandate_expires"] = _("This mandate has already expired: a current mandate is needed.")
    url = values["mandate_url"]
    if url and (len(url) > URL_MAX or not _WEB.match(url)):
        fields["mandate_url"] = _("The address must start with http:// or https://.")
    return values


def _clean(
    position: Position, data: Endorsing, organisation: bool, existing: Endorsement | None, today: date
) -> dict[str, Any]:
    """Check everything the form says and return the endorsement's new fields; EndorsementInvalid lists
    every field at fault."""
    fields: dict[str, str] = {}
    if data.stance not in STANCES:
        fields["stance"] = _("Choose a stance.")
    required = _("Say what your reservations are.") if data.stance == RESERVATIONS else None
    statement = _text(fields, "statement", data.statement, STATEMENT_MAX, required)
    amendment_id, number, state = _condition(fields, position, data, existing)
    values: dict[str, Any] = {
        "stance": data.stance,
        "statement": statement,
        "statement_html": str(render_markdown(statement)) if statement else "",
        "show_name": bool(data.show_name) and not organisation,
        "condition_amendment_id": amendment_id,
        "condition_number": number,
        "condition_state": state,
    }
    if organisation:
        values.update(_mandate(fields, data, today))
    if fields:
        raise EndorsementInvalid(fields)
    return values


def _ensure_may_act(
    user: User | None,
    position: Position,
    consultation: Consultation,
    organisation: Organisation | None,
    now: datetime,
    sanctions: bool = True,
) -> User:
    if user is None:
        raise Forbidden(_("Please sign in to endorse."))
    if organisation is not None and not is_representative(user, organisation):
        raise NotRepresentative(
            _(
                "You do not represent %(name)s: only its representatives can endorse in its name.",
                name=organisation.name,
            )
        )
    if sanctions:
        ensure_can_participate(user)
    if not permissions.taking_endorsements(position, consultation, now):
        raise PeriodClosed(
            _(
                "Endorsements are taken from %(start)s to %(end)s only.",
                start=when(position.opens_at),
                end=when(position.closes_at),
            )
        )
    return user


def endorser_key(user: User, organisation: Organisation | None) -> str:
    return f"o:{organisation.id}" if organisation is not None else f"u:{user.id}"


def _record(
    endorsement: Endorsement, kind: str, actor: User | None, number: int, now: datetime, reason: str = ""
) -> EndorsementEvent:
    """Append the event that leaves the endorsement as it is now (a full snapshot)."""
    event = EndorsementEvent(
        created_at=now,
        endorsement_id=endorsement.id,
        position_id=endorsement.position_id,
        organisation_id=endorsement.organisation_id,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        version_number=number,
        reason=reason,
        reason_html=str(render_markdown(reason)) if reason else "",
        **{name: getattr(endorsement, name) for name in SNAPSHOT},
    )
    db.session.add(event)
    return event


def _claim(endorsement: Endorsement, base: int) -> None:
    """Move the endorsement to its next revision, if it is still at `base` (another writer loses)."""
    result = db.session.execute(
        update(Endorsement)
        .where(Endorsement.id == endorsement.id, Endorsement.revision == base)
        .values(revision=Endorsement.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        db.session.rollback()
        raise ChangedMeanwhile(
            _(
                "This endorsement changed meanwhile (in another tab or by another representative): read it again below."
            )
        )
    db.session.refresh(endorsement)


def _kind(existing: Endorsement | None, values: dict[str, Any], version: PositionVersion) -> str:
    if existing is None or not existing.active:
        return GIVEN
    if existing.version_id != version.id:
        return RECONFIRMED
    if existing.stance != values["stance"]:
        return CHANGED
    if all(getattr(existing, name) == value for name, value in values.items()):
        raise AlreadyEndorsed(
            _("You already endorse this position in these very words: nothing has changed.")
        )
    return UPDATED


def endorse(
    user: User | None,
    position: Position,
    consultation: Consultation,
    number: int,
    data: Endorsing,
    base: int,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Endorsement:
    """Give, change or reconfirm an endorsement of version `number` (which must be the current one).

    `base` is the endorsement's revision the form was filled from (0: no endorsement then).
    """
    now = now or utcnow()
    user = _ensure_may_act(user, position, consultation, organisation, now)
    version = current_version(position)
    if number != version.number:
        raise Superseded(
            _(
                "Version %(old)d has been replaced by version %(new)d: read the new text before endorsing it.",
                old=number,
                new=version.number,
            )
        )
    key = endorser_key(user, organisation)
    existing = db.session.scalar(
        select(Endorsement).where(Endorsement.position_id == position.id, Endorsement.endorser == key)
    )
    if existing is not None and existing.revision != base:
        if base == 0 and existing.active:
            raise AlreadyEndorsed(
                _("You already endorse this position: your endorsement is shown below, change it there.")
            )
        raise ChangedMeanwhile(
            _(
                "This endorsement changed meanwhile (in another tab or by another representative): read it again below."
            )
        )
    values = _clean(position, data, organisation is not None, existing, local_today(now))
    kind = _kind(existing, values, version)
    reason = normalise(data.reason)
    stance_changes = kind == CHANGED or (
        kind == RECONFIRMED and existing is not None and existing.stance != values["stance"]
    )
    if stance_changes and (not reason or is_blank(reason)):
        raise EndorsementInvalid(
            {"reason": _("Say why your stance changes: it is kept in the public history.")}
        )
    if len(reason) > REASON_MAX:
        raise EndorsementInvalid({"reason": _("At most %(n)d characters.", n=REASON_MAX)})
    values.update(active=True, version_id=version.id, content_hash=version.content_hash, acted_by_id=user.id)
    counted = tallies.key_of(existing)
    if existing is None:
        endorsement = Endorsement(
            position_id=position.id,
            endorser=key,
            organisation_id=organisation.id if organisation else None,
            user_id=None if organisation else user.id,
            revision=1,
            created_at=now,
            updated_at=now,
            **values,
        )
        endorsement.rewatch()
        db.session.add(endorsement)
        try:
            db.session.flush()
        except IntegrityError:  # the same endorser, at the same moment, in another request
            db.session.rollback()
            raise AlreadyEndorsed(
                _("You already endorse this position: your endorsement is shown below.")
            ) from None
    else:
        endorsement = existing
        _claim(endorsement, base)
        mandate_changed = any(
            getattr(endorsement, name) != values.get(name, getattr(endorsement, name))
            for name in ("mandate_date", "mandate_expires")
        )
        for name, value in values.items():
            setattr(endorsement, name, value)
        if mandate_changed:
            endorsement.expiry_noted = False
        endorsement.rewatch()
        endorsement.updated_at = now
    tallies.moved(counted, tallies.key_of(endorsement))
    _record(endorsement, kind, user, version.number, now, reason)
    db.session.commit()
    announce(position, endorsement, kind)
    return endorsement


def revoke(
    user: User | None,
    position: Position,
    consultation: Consultation,
    reason: str,
    base: int,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Endorsement:
    """Withdraw an endorsement (of any version) with a public reason.

    A citizen may take back their own endorsement while suspended or banned (like a support); acting
    for an organisation is a write a sanction stops.
    """
    now = now or utcnow()
    user = _ensure_may_act(
        user, position, consultation, organisation, now, sanctions=organisation is not None
    )
    key = endorser_key(user, organisation)
    endorsement = db.session.scalar(
        select(Endorsement).where(Endorsement.position_id == position.id, Endorsement.endorser == key)
    )
    if endorsement is None or not endorsement.active:
        raise Conflict(_("There is no endorsement of this position to revoke."))
    reason = normalise(reason)
    if not reason or is_blank(reason):
        raise EndorsementInvalid(
            {"reason": _("Say why the endorsement is revoked: it is kept in the public history.")}
        )
    if len(reason) > REASON_MAX:
        raise EndorsementInvalid({"reason": _("At most %(n)d characters.", n=REASON_MAX)})
    if endorsement.revision != base:
        raise ChangedMeanwhile(
            _(
                "This endorsement changed meanwhile (in another tab or by another representative): read it again below."
            )
        )
    _claim(endorsement, base)
    number = db.session.scalar(
        select(PositionVersion.number).where(PositionVersion.id == endorsement.version_id)
    )
    tallies.moved(tallies.key_of(endorsement), None)
    endorsement.active, endorsement.acted_by_id, endorsement.updated_at = False, user.id, now
    _record(endorsement, REVOKED, user, int(number or 0), now, reason)
    db.session.commit()
    announce(position, endorsement, REVOKED)
    return endorsement


def announce(position: Position, endorsement: Endorsement, kind: str) -> None:
    """Tell the position's open pages (coalition page, position page) what changed and the new counts.

    Only what the pages show publicly: a citizen who chose not to be named is sent without a name.
    """
    counts = queries.tally(position)
    name, verified = "", False
    if endorsement.organisation is not None:
        name, verified = endorsement.organisation.name, endorsement.organisation.verified
    elif endorsement.show_name and endorsement.user is not None:
        name = endorsement.user.display_name
    realtime.publish(
        "coalition.endorsement",
        {
            "position": position.id,
            "event": kind,
            "endorsement": endorsement.id,
            "organisation": endorsement.organisation_id is not None,
            "name": name,
            "verified": verified,
            "stance": endorsement.stance,
            "active": endorsement.active,
            "current": endorsement.version_id == position.current_version_id,
            "counts": {
                "organisations": counts.by_stance(True, True),
                "unverified": counts.by_stance(True, False),
                "citizens": counts.by_stance(False),
                "badge": sum(counts.by_stance(True, True)[s] for s in SUPPORTING),
            },
        },
        to=position_room(position.id),
        namespace=NAMESPACE,
    )
