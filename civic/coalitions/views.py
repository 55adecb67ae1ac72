"""Coalition pages to read: the campaign's coalition page, a position, a version, an endorsement's history,
the printable signatory sheet. The forms (coalitions/forms_views.py), the moderators' pages
(manage_views.py) and the exports and badges (export_views.py) share this blueprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from civic import inputs
from civic.accounts.models import Organisation, User
from civic.accounts.participant import current_participant
from civic.coalitions import permissions, queries, resolution, wording
from civic.coalitions.endorsing import endorser_key, local_today
from civic.coalitions.forms import STANCE_HINTS, STANCE_LABELS
from civic.coalitions.models import STANCES, Endorsement, Position, PositionVersion
from civic.coalitions.positions import current_version, get_position
from civic.consultations.models import Consultation
from civic.consultations.services import get_consultation
from civic.errors import NotFound
from civic.extensions import db
from civic.timestamps import utcnow

bp = Blueprint("coalitions", __name__, url_prefix="/c/<slug>")
# On the position page: the latest organisations, the whole list being on the coalition page.
LATEST = 10


def load(slug: str, position_id: int) -> tuple[Consultation, Position]:
    user = current_participant()
    consultation = get_consultation(slug, user)
    return consultation, get_position(consultation, position_id, user)


@dataclass
class Filters:
    """The coalition page's filters, read from the query string (anything unknown means "all")."""

    stance: str | None
    verified: bool | None
    kind: str | None

    @classmethod
    def read(cls, args: Any) -> Filters:
        stance = args.get("stance")
        verified = args.get("verified")
        kind = args.get("kind")
        return cls(
            stance if stance in STANCES else None,
            {"yes": True, "no": False}.get(verified) if verified in queries.VERIFIED else None,
            kind if kind in queries.KINDS else None,
        )

    def args(self) -> dict[str, str]:
        found = {"stance": self.stance, "kind": self.kind}
        if self.verified is not None:
            found["verified"] = "yes" if self.verified else "no"
        return {k: v for k, v in found.items() if v}


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def common(consultation: Consultation, position: Position) -> dict[str, Any]:
    """What every coalition template shows around a position."""
    return {
        "consultation": consultation,
        "position": position,
        "stance_labels": STANCE_LABELS,
        "stance_hints": STANCE_HINTS,
        "stances": STANCES,
        "today": local_today(),
        "expired": queries.expired,
        "event_text": wording.event_text,
        "anonymous": wording.anonymous,
        "period_labels": wording.PERIOD_LABELS,
        "w": wording.words(STANCE_LABELS),
    }


@dataclass
class Mine:
    """One endorser the visitor speaks for (themselves, or an organisation they represent) and its state."""

    organisation: Organisation | None
    endorsement: Endorsement | None


def mine(position: Position, user: User | None) -> list[Mine]:
    if user is None:
        return []
    organisations = queries.represented(user)
    keys = [endorser_key(user, None)] + [endorser_key(user, o) for o in organisations]
    found = queries.endorsements_by(position, keys)
    return [Mine(None, found.get(keys[0]))] + [
        Mine(o, found.get(key)) for o, key in zip(organisations, keys[1:], strict=True)
    ]


@bp.route("/coalition")
def coalition(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    positions = queries.positions_of(consultation)
    chosen = inputs.as_id(request.args.get("position"))
    position = next((p for p in positions if p.id == chosen), positions[0] if positions else None)
    context: dict[str, Any] = {
        "consultation": consultation,
        "positions": positions,
        "position": position,
        "can_manage": permissions.can_manage_positions(user, consultation),
        "stance_labels": STANCE_LABELS,
        "stances": STANCES,
    }
    if position is None:
        return render_template("coalitions/coalition.html", **context)
    resolution.catch_up(position)
    filters = Filters.read(request.args)
    tally = queries.tally(position)
    page, upage = inputs.page(request.args), inputs.page(request.args, "upage")
    organisations, unverified, citizens = [], [], []
    if filters.kind == "citizens":
        citizens = queries.citizen_rows(position, filters.stance, page)
    else:
        if filters.verified in (None, True):
            organisations = queries.organisation_rows(position, True, filters.stance, page)
        if filters.verified in (None, False):
            unverified = queries.organisation_rows(position, False, filters.stance, upage)
    entries, older = queries.timeline(position, filters.kind, inputs.as_id(request.args.get("before")))
    context.update(common(consultation, position))
    context.update(
        version=current_version(position),
        numbers=queries.version_numbers(position),
        tally=tally,
        filters=filters,
        organisations=organisations,
        unverified=unverified,
        citizens=citizens,
        page=page,
        upage=upage,
        pages=_pages(
            tally.listed("citizens" if filters.kind == "citizens" else None, True, filters.stance),
            queries.PAGE,
        ),
        upages=_pages(tally.listed(None, False, filters.stance), queries.PAGE),
        entries=entries,
        older=older,
        now=utcnow(),
        state=permissions.period_state(position, utcnow()),
    )
    return render_template("coalitions/coalition.html", **context)


@bp.route("/positions/<int:position_id>")
def position(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    user = current_participant()
    resolution.catch_up(position)
    now = utcnow()
    return render_template(
        "coalitions/position.html",
        **common(consultation, position),
        version=current_version(position),
        versions=queries.versions_of(position),
        numbers=queries.version_numbers(position),
        tally=queries.tally(position),
        latest=queries.organisation_rows(position, None, None, 1, LATEST),
        mine=mine(position, user),
        open=permissions.taking_endorsements(position, consultation, now),
        state=permissions.period_state(position, now),
        can_manage=permissions.can_manage_positions(user, consultation),
        badge=queries.badge_count(position),
    )


def _version_of(position: Position, number: int) -> PositionVersion:
    version = db.session.scalar(
        db.select(PositionVersion).where(
            PositionVersion.position_id == position.id, PositionVersion.number == number
        )
    )
    if version is None:
        raise NotFound()
    return version


@bp.route("/positions/<int:position_id>/versions/<int:number>")
def version(slug: str, position_id: int, number: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    return render_template(
        "coalitions/version.html",
        **common(consultation, position),
        version=_version_of(position, number),
        current=current_version(position),
    )


@bp.route("/positions/<int:position_id>/versions/<int:number>/canonical.json")
def canonical(slug: str, position_id: int, number: int) -> ResponseReturnValue:
    """The exact bytes the version's content hash is the SHA-256 of (civic.coalitions.content)."""
    from civic.coalitions.content import canonical as canonical_bytes

    _consultation, position = load(slug, position_id)
    version = _version_of(position, number)
    return Response(
        canonical_bytes(version.text_fr, version.text_en, version.reference),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="position-{position.id}-v{number}.json"'},
    )


@bp.route("/positions/<int:position_id>/endorsements/<int:endorsement_id>")
def endorsement(slug: str, position_id: int, endorsement_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    found = db.session.get(Endorsement, endorsement_id)
    if found is None or found.position_id != position.id:
        raise NotFound()
    user = current_participant()
    organisation = found.organisation
    return render_template(
        "coalitions/endorsement.html",
        **common(consultation, position),
        endorsement=found,
        entries=queries.history_of(found),
        numbers=queries.version_numbers(position),
        name=organisation.name
        if organisation
        else (found.user.display_name if found.show_name and found.user else ""),
        see_actor=organisation is not None and permissions.can_see_acting_representative(user, organisation),
        current=current_version(position),
    )


@bp.route("/positions/<int:position_id>/sheet")
def sheet(slug: str, position_id: int) -> ResponseReturnValue:
    """The signatory sheet: every organisation standing by the current version, ready to print."""
    consultation, position = load(slug, position_id)
    version = current_version(position)
    # A print document: every organisation at once (2,000: a few hundred ms; see docs/performance.md).
    rows = queries.organisation_rows(position, None, None, 1, size=queries.MAX_SHEET, version_id=version.id)
    return render_template(
        "coalitions/sheet.html",
        **common(consultation, position),
        version=version,
        rows=rows,
        now=utcnow(),
    )
