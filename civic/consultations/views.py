"""Consultation pages: the home list, a consultation's page, and the pages that run it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from civic import inputs
from civic.accounts.participant import current_participant
from civic.components import PHASE_KINDS, REGISTRY
from civic.consultations import participation, permissions, queries, services
from civic.consultations.forms import ConsultationForm, ModeratorForm, MovePhaseForm, PhaseForm
from civic.consultations.models import Consultation, Phase
from civic.errors import CivicError, Forbidden

bp = Blueprint("consultations", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _to_utc(local: datetime) -> datetime:
    """Read a datetime-local field in the site's zone (America/Toronto by default) as UTC."""
    return local.replace(tzinfo=_zone()).astimezone(UTC)


def _to_local(moment: datetime) -> datetime:
    return moment.astimezone(_zone()).replace(tzinfo=None)


def _description(form: ConsultationForm) -> dict[str, str]:
    return {
        name: getattr(form, name).data or ""
        for name in ("title_fr", "title_en", "description_fr", "description_en", "status", "visibility")
    }


@bp.route("/")
def index() -> ResponseReturnValue:
    user = current_participant()
    now = datetime.now(UTC)
    consultations = queries.visible_consultations(user)
    openings = participation.open_actions_of(consultations, user, now)  # one query per kind for all
    cards = []
    for consultation in consultations:
        phase = services.current_phase(consultation, now)
        step = participation.step_of(consultation, phase)
        cards.append((consultation, phase, step, openings[consultation.id]))
    return render_template(
        "consultations/index.html",
        cards=cards,
        now=now,
        purpose_of=participation.purpose,
        can_create=permissions.can_create_consultation(user),
    )


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = current_participant()
    if not permissions.can_create_consultation(user):
        raise Forbidden()
    form = ConsultationForm()
    status = 200
    if form.validate_on_submit():
        try:
            consultation = services.create_consultation(user, form.slug.data, _description(form))
        except CivicError as error:
            form.slug.errors = [*form.slug.errors, error.message]
            status = error.status
        else:
            flash(_("The consultation has been created. Now define its phases."), "success")
            return redirect(url_for("consultations.phases", slug=consultation.slug))
    elif request.method == "POST":
        status = 422
    return render_template("consultations/form.html", form=form, consultation=None), status


@bp.route("/c/<slug>")
def show(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = services.get_consultation(slug, user)
    now = datetime.now(UTC)
    current = services.current_phase(consultation, now)
    existing = participation.existing_components(consultation)
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        current=current,
        step=participation.step_of(consultation, current),
        openings=participation.open_actions(consultation, user, now),
        phase_kinds=PHASE_KINDS,
        components=REGISTRY,
        existing=existing,
        linked_components=[REGISTRY[n] for n in existing],
        now=now,
        can_edit=permissions.can_edit_consultation(user, consultation),
        can_name_moderators=permissions.can_name_moderators(user, consultation),
    )


@bp.route("/c/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = services.get_consultation(slug, user)
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    form = ConsultationForm(obj=consultation)
    form.slug.data = consultation.slug  # the address does not change once published
    status = 200
    if form.validate_on_submit():
        try:
            services.update_consultation(user, consultation, _description(form))
        except CivicError as error:
            form.title_fr.errors = [*form.title_fr.errors, error.message]
            status = error.status
        else:
            flash(_("The consultation has been updated."), "success")
            return redirect(url_for("consultations.show", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template("consultations/form.html", form=form, consultation=consultation), status


def _phase_form(consultation: Consultation, phase: Phase | None) -> PhaseForm:
    form = PhaseForm()
    if phase is not None and request.method == "GET":
        form.kind.data = phase.kind
        form.starts_at.data = _to_local(phase.starts_at)
        form.ends_at.data = _to_local(phase.ends_at)
        form.components.data = phase.component_names
    return form


@bp.route("/c/<slug>/phases", methods=["GET", "POST"])
@login_required
def phases(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = services.get_consultation(slug, user)
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    form = _phase_form(consultation, None)
    move_form = MovePhaseForm()
    move_form.phase.choices = [SelectChoice("", _("Follow the dates"))] + [
        SelectChoice(str(p.id), str(PHASE_KINDS[p.kind][0])) for p in consultation.phases
    ]
    move_form.phase.data = str(consultation.current_phase_id or "")
    status = 200
    if form.validate_on_submit():
        try:
            services.add_phase(
                user,
                consultation,
                form.kind.data,
                _to_utc(form.starts_at.data),
                _to_utc(form.ends_at.data),
                form.components.data or None,
            )
        except CivicError as error:
            form.ends_at.errors = [*form.ends_at.errors, error.message]
            status = error.status
        else:
            flash(_("The phase has been added."), "success")
            return redirect(url_for("consultations.phases", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template(
        "consultations/phases.html",
        consultation=consultation,
        form=form,
        move_form=move_form,
        phase_kinds=PHASE_KINDS,
        components=REGISTRY,
        current=services.current_phase(consultation),
    ), status


@bp.route("/c/<slug>/phases/<int:phase_id>", methods=["GET", "POST"])
@login_required
def edit_phase(slug: str, phase_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = services.get_consultation(slug, user)
    if not permissions.can_edit_consultation(user, consultation):
        raise Forbidden()
    phase = services.get_phase(consultation, phase_id)
    form = _phase_form(consultation, phase)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_phase(
                user,
                consultation,
                phase_id,
                form.kind.data,
                _to_utc(form.starts_at.data),
                _to_utc(form.ends_at.data),
                form.components.data or [],
            )
        except CivicError as error:
            form.ends_at.errors = [*form.ends_at.errors, error.message]
            status = error.status
        else:
            flash(_("The phase has been updated."), "success")
            return redirect(url_for("consultations.phases", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template(
        "consultations/phase_form.html", consultation=consultation, phase=phase, form=form
    ), status


@bp.route("/c/<slug>/phases/<int:phase_id>/delete", methods=["POST"])
@login_required
def delete_phase(slug: str, phase_id: int) -> ResponseReturnValue:
    consultation = services.get_consultation(slug, current_participant())
    services.remove_phase(current_participant(), consultation, phase_id)
    flash(_("The phase has been removed."), "success")
    return redirect(url_for("consultations.phases", slug=slug))


@bp.route("/c/<slug>/current-phase", methods=["POST"])
@login_required
def move_phase(slug: str) -> ResponseReturnValue:
    consultation = services.get_consultation(slug, current_participant())
    value = request.form.get("phase", "")
    services.move_phase(current_participant(), consultation, inputs.as_id(value))
    flash(_("The current phase has been changed."), "success")
    return redirect(url_for("consultations.phases", slug=slug))


@bp.route("/c/<slug>/moderators", methods=["GET", "POST"])
@login_required
def moderators(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = services.get_consultation(slug, user)
    if not permissions.can_name_moderators(user, consultation):
        raise Forbidden()
    form = ModeratorForm()
    status = 200
    if form.validate_on_submit():
        try:
            moderator = services.add_moderator(user, consultation, form.email.data)
        except CivicError as error:
            form.email.errors = [*form.email.errors, error.message]
            status = error.status
        else:
            flash(_("%(name)s is now a moderator.", name=moderator.display_name), "success")
            return redirect(url_for("consultations.moderators", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template("consultations/moderators.html", consultation=consultation, form=form), status


@bp.route("/c/<slug>/moderators/<int:moderator_id>/remove", methods=["POST"])
@login_required
def remove_moderator(slug: str, moderator_id: int) -> ResponseReturnValue:
    consultation = services.get_consultation(slug, current_participant())
    services.remove_moderator(current_participant(), consultation, moderator_id)
    flash(_("The moderator has been removed."), "success")
    return redirect(url_for("consultations.moderators", slug=slug))
