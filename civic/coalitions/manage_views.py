"""Moderators' pages: put a position forward, change its titles and period, republish a new version."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from civic.accounts.participant import current_participant
from civic.coalitions import permissions, positions
from civic.coalitions.forms import PositionEditForm, PositionForm, RepublishForm, TextSourceForm
from civic.coalitions.views import bp, common, load
from civic.consultations.models import Consultation
from civic.consultations.services import get_consultation
from civic.deliberation.drafting.models import Document, DocumentVersion
from civic.deliberation.proposals.models import Proposal
from civic.errors import CivicError, Forbidden
from civic.extensions import db
from civic.i18n import localized

# Versions offered as a source: the newest of each document (automatic versions pile up).
SOURCE_VERSIONS = 100


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _to_utc(local: datetime | None) -> datetime | None:
    """Read a datetime-local field in the site's zone as UTC."""
    return local.replace(tzinfo=_zone()).astimezone(UTC) if local is not None else None


def _to_local(moment: datetime) -> datetime:
    return moment.astimezone(_zone()).replace(tzinfo=None)


def _ensure_manager(consultation: Consultation) -> None:
    if not permissions.can_manage_positions(current_participant(), consultation):
        raise Forbidden(_("Only the consultation's moderators put positions forward."))


def _source_choices(form: TextSourceForm, consultation: Consultation, document_id: int | None) -> None:
    query = (
        select(DocumentVersion, Document)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.consultation_id == consultation.id)
        .order_by(Document.id, DocumentVersion.number.desc())
        .limit(SOURCE_VERSIONS)
    )
    if document_id is not None:
        query = query.where(Document.id == document_id)
    versions = []
    for version, document in db.session.execute(query):
        label = _("%(title)s, version %(number)d", title=localized(document, "title"), number=version.number)
        versions.append(SelectChoice(str(version.id), f"{label} — {version.name}" if version.name else label))
    form.document_version.choices = [SelectChoice("", _("Choose a version"))] + versions
    accepted = db.session.scalars(
        select(Proposal)
        .where(Proposal.consultation_id == consultation.id, Proposal.state == Proposal.ACCEPTED)
        .order_by(Proposal.title)
    )
    form.proposal.choices = [SelectChoice("", _("Choose a proposal"))] + [
        SelectChoice(str(p.id), p.title) for p in accepted
    ]


def _source(form: TextSourceForm) -> positions.Source:
    return positions.Source(
        kind=form.source.data or "",
        reference=form.reference.data or "",
        text_fr=form.text_fr.data or "",
        text_en=form.text_en.data or "",
        document_version_id=form.document_version.data,
        proposal_id=form.proposal.data,
    )


def _show_errors(form: TextSourceForm | PositionEditForm, error: CivicError) -> list[str]:
    fields = getattr(error, "fields", None)
    if not fields:
        return [error.message]
    for name, message in fields.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]
    return []


def _endorsement_phase(consultation: Consultation) -> tuple[datetime, datetime] | None:
    phases = [
        p for p in consultation.phases if p.kind == "endorsement" or "endorsements" in p.component_names
    ]
    return (phases[0].starts_at, phases[0].ends_at) if phases else None


@bp.route("/positions/new", methods=["GET", "POST"])
@login_required
def new_position(slug: str) -> ResponseReturnValue:
    consultation = get_consultation(slug, current_participant())
    _ensure_manager(consultation)
    form = PositionForm()
    _source_choices(form, consultation, None)
    status, general = 200, []
    if request.method == "GET":
        period = _endorsement_phase(consultation)
        if period is not None:
            form.opens_at.data, form.closes_at.data = _to_local(period[0]), _to_local(period[1])
    elif form.validate_on_submit():
        try:
            position = positions.create_position(
                current_participant(),
                consultation,
                form.title_fr.data or "",
                form.title_en.data or "",
                _to_utc(form.opens_at.data),
                _to_utc(form.closes_at.data),
                _source(form),
            )
        except CivicError as error:
            status, general = error.status, _show_errors(form, error)
        else:
            flash(_("The position is published."), "success")
            return redirect(url_for("coalitions.position", slug=slug, position_id=position.id))
    else:
        status = 422
    return render_template(
        "coalitions/position_form.html", consultation=consultation, position=None, form=form, errors=general
    ), status


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
@login_required
def edit_position(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    _ensure_manager(consultation)
    form = PositionEditForm()
    status, general = 200, []
    if request.method == "GET":
        form.title_fr.data, form.title_en.data = position.title_fr, position.title_en
        form.opens_at.data, form.closes_at.data = _to_local(position.opens_at), _to_local(position.closes_at)
    elif form.validate_on_submit():
        try:
            positions.update_position(
                current_participant(),
                consultation,
                position,
                form.title_fr.data or "",
                form.title_en.data or "",
                _to_utc(form.opens_at.data),
                _to_utc(form.closes_at.data),
            )
        except CivicError as error:
            status, general = error.status, _show_errors(form, error)
        else:
            flash(_("The position has been updated."), "success")
            return redirect(url_for("coalitions.position", slug=slug, position_id=position.id))
    else:
        status = 422
    return render_template(
        "coalitions/position_form.html",
        consultation=consultation,
        position=position,
        form=form,
        errors=general,
    ), status


@bp.route("/positions/<int:position_id>/republish", methods=["GET", "POST"])
@login_required
def republish(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    _ensure_manager(consultation)
    form = RepublishForm()
    _source_choices(form, consultation, position.document_id)
    current = positions.current_version(position)
    status, general = 200, []
    if request.method == "GET":
        form.source.data = current.source
        form.reference.data = current.reference
        if current.source == "text":
            form.text_fr.data, form.text_en.data = current.text_fr, current.text_en
        else:  # the translation only: the reference text comes from the new source
            other = "en" if current.reference == "fr" else "fr"
            getattr(form, f"text_{other}").data = getattr(current, f"text_{other}")
    elif form.validate_on_submit():
        try:
            version = positions.republish_position(
                current_participant(), consultation, position, _source(form), form.note.data or ""
            )
        except CivicError as error:
            status, general = error.status, _show_errors(form, error)
        else:
            flash(
                _("Version %(n)d is published. Endorsers have been asked to reconfirm.", n=version.number),
                "success",
            )
            return redirect(url_for("coalitions.position", slug=slug, position_id=position.id))
    else:
        status = 422
    return render_template(
        "coalitions/republish.html",
        **common(consultation, position),
        form=form,
        current=current,
        errors=general,
    ), status
