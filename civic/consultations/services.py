"""Consultation verbs: create, describe, define phases, name moderators, move the current phase."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.accounts.services import find_user_by_email
from civic.components import PHASE_KINDS, REGISTRY
from civic.consultations import permissions
from civic.consultations.models import Consultation, Phase
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def get_consultation(slug: str, user: User | None) -> Consultation:
    """Return the consultation if this user may see it; NotFound otherwise (drafts stay hidden)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise NotFound()
    if not permissions.can_view_consultation(user, consultation):
        if user is None and consultation.status != "draft":
            raise Forbidden(_("Please sign in to see this consultation."))
        raise NotFound()
    return consultation


def current_phase(consultation: Consultation, now: datetime | None = None) -> Phase | None:
    """Return the phase a moderator chose, else the latest phase that has started by `now`."""
    if consultation.current_phase_id is not None:
        for phase in consultation.phases:
            if phase.id == consultation.current_phase_id:
                return phase
    now = now or utcnow()
    started = [p for p in consultation.phases if p.starts_at <= now]
    return started[-1] if started else None


def component_enabled(consultation: Consultation, component: str, now: datetime | None = None) -> bool:
    """Tell whether the current phase enables a component (proposals, voting, ...): phases switch features."""
    if consultation.status != "open":
        return False
    phase = current_phase(consultation, now)
    return phase is not None and component in phase.component_names


def used_components(consultation: Consultation) -> list[str]:
    """Return the components any phase of the consultation enables, in registry order."""
    names = {name for phase in consultation.phases for name in phase.component_names}
    return [name for name in REGISTRY if name in names]


def _describe(consultation: Consultation, data: dict[str, str]) -> None:
    if not (data.get("title_fr") or data.get("title_en")):
        raise Invalid(_("Give a title in at least one language."))
    if data["status"] not in Consultation.STATUSES or data["visibility"] not in Consultation.VISIBILITIES:
        raise Invalid()
    for field in ("title_fr", "title_en", "description_fr", "description_en", "status", "visibility"):
        setattr(
            consultation,
            field,
            data.get(field, "").strip() if field.startswith("title") else data.get(field, ""),
        )
    consultation.description_html_fr = str(render_markdown(consultation.description_fr))
    consultation.description_html_en = str(render_markdown(consultation.description_en))


def create_consultation(user: User | None, slug: str, data: dict[str, str]) -> Consultation:
    if not permissions.can_create_consultation(user):
        raise Forbidden()
    ensure_can_participate(user)
    if not SLUG.match(slug):
        raise Invalid(_("Use lowercase letters, digits and hyphens only."))
    if db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None:
        raise Conflict(_("Another consultation already uses this address."))
    consultation = Consultation(slug=slug)
    _describe(consultation, data)
    db.session.add(consultation)
    db.session.commit()
    return consultation


def update_consultation(user: User | None, consultation: Consultation, data: dict[str, str]) -> None:
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    _describe(consultation, data)
    db.session.commit()


def _check_phase(kind: str, starts_at: datetime, ends_at: datetime, components: list[str]) -> None:
    if kind not in PHASE_KINDS:
        raise Invalid(_("Unknown kind of phase."))
    if ends_at <= starts_at:
        raise Invalid(_("A phase must end after it starts."))
    unknown = [c for c in components if c not in REGISTRY]
    if unknown:
        raise Invalid(_("Unknown component: %(names)s.", names=", ".join(unknown)))


def add_phase(
    user: User | None,
    consultation: Consultation,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    components: list[str] | None = None,
) -> Phase:
    """Add a phase; without a component list it enables its kind's usual components."""
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    names = list(PHASE_KINDS[kind][1]) if components is None and kind in PHASE_KINDS else components or []
    _check_phase(kind, starts_at, ends_at, names)
    phase = Phase(kind=kind, starts_at=starts_at, ends_at=ends_at, components=" ".join(names))
    consultation.phases.append(phase)
    db.session.commit()
    return phase


def get_phase(consultation: Consultation, phase_id: int) -> Phase:
    for phase in consultation.phases:
        if phase.id == phase_id:
            return phase
    raise NotFound()


def update_phase(
    user: User | None,
    consultation: Consultation,
    phase_id: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    components: list[str],
) -> Phase:
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    phase = get_phase(consultation, phase_id)
    _check_phase(kind, starts_at, ends_at, components)
    phase.kind, phase.starts_at, phase.ends_at, phase.components = (
        kind,
        starts_at,
        ends_at,
        " ".join(components),
    )
    db.session.commit()
    return phase


def remove_phase(user: User | None, consultation: Consultation, phase_id: int) -> None:
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    phase = get_phase(consultation, phase_id)
    if consultation.current_phase_id == phase.id:
        consultation.current_phase_id = None
    consultation.phases.remove(phase)
    db.session.commit()


def move_phase(user: User | None, consultation: Consultation, phase_id: int | None) -> None:
    """Make a phase current by hand, or (None) let the dates decide again."""
    if not permissions.can_move_phase(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if phase_id is not None:
        get_phase(consultation, phase_id)
    consultation.current_phase_id = phase_id
    db.session.commit()


def add_moderator(user: User | None, consultation: Consultation, email: str) -> User:
    if not permissions.can_name_moderators(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    moderator = find_user_by_email(email)
    if moderator is None:
        raise Invalid(_("No account uses this e-mail address."))
    if moderator in consultation.moderators:
        raise Conflict(_("This person is already a moderator."))
    consultation.moderators.append(moderator)
    db.session.commit()
    return moderator


def remove_moderator(user: User | None, consultation: Consultation, moderator_id: int) -> None:
    if not permissions.can_name_moderators(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    consultation.moderators[:] = [m for m in consultation.moderators if m.id != moderator_id]
    db.session.commit()
