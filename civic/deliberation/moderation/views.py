"""Moderation pages: report content, the moderators' queue, sanctions and the public log."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import login_required

from civic import inputs
from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.consultations.services import get_consultation
from civic.deliberation.moderation import permissions, places, queries, services
from civic.deliberation.moderation.forms import (
    REASON_LABELS,
    FlagForm,
    HideForm,
    SanctionForm,
    ThresholdForm,
)
from civic.errors import CivicError, Forbidden, NotFound
from civic.extensions import db
from civic.security import safe_next

bp = Blueprint("moderation", __name__)


@bp.route("/flag/<kind>/<int:target_id>", methods=["GET", "POST"])
@login_required
def flag(kind: str, target_id: int) -> ResponseReturnValue:
    user = current_participant()
    target = services.flaggable(user, kind, target_id)
    back = safe_next(request.values.get("next")) or target.moderation_url
    form = FlagForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.flag(user, kind, target_id, form.reason.data, form.text.data or "")
        except CivicError as error:
            if isinstance(error, Forbidden | NotFound):
                raise
            form.text.errors = [*form.text.errors, error.message]
            status = error.status
        else:
            flash(_("Thank you. The moderators will review your report."), "success")
            return redirect(back)
    elif request.method == "POST":
        status = 422
    return render_template("moderation/flag.html", form=form, target=target, back=back), status


@bp.route("/moderation")
@login_required
def index() -> ResponseReturnValue:
    """The header's "Moderation" link: the queues this person sees, with what waits in each."""
    user = current_participant()
    if user is None or queries.waiting(user) is None:
        raise Forbidden()
    rows = queries.waiting_by_consultation(user)
    if len(rows) == 1 and not user.is_admin:  # one queue: go straight to it
        return redirect(url_for("moderation.queue", slug=rows[0][0].slug))
    return render_template("moderation/index.html", rows=rows)


def _queue_page(slug: str, failed: tuple[str, int] | None = None, hide_form: HideForm | None = None) -> str:
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_moderate(user, consultation):
        raise Forbidden()
    return render_template(
        "moderation/queue.html",
        consultation=consultation,
        items=queries.queue(consultation),
        reason_labels=REASON_LABELS,
        failed=failed,
        failed_form=hide_form,
        can_sanction=permissions.can_sanction(user),
    )


@bp.route("/c/<slug>/moderation")
@login_required
def queue(slug: str) -> ResponseReturnValue:
    return _queue_page(slug)


def _hide_page(slug: str, kind: str, target_id: int, form: HideForm, back: str) -> str:
    user = current_participant()
    consultation = get_consultation(slug, user)
    target = services.hideable(user, consultation, kind, target_id)
    return render_template(
        "moderation/hide.html",
        consultation=consultation,
        kind=kind,
        target=target,
        shown=places.show(kind, target),
        form=form,
        back=back or target.moderation_url,
    )


@bp.route("/c/<slug>/moderation/<kind>/<int:target_id>/hide", methods=["GET", "POST"])
@login_required
def hide(slug: str, kind: str, target_id: int) -> ResponseReturnValue:
    """Hide any contribution with a public reason: from the queue, or from where it stands (the page
    asks for the reason, then goes back there)."""
    user = current_participant()
    consultation = get_consultation(slug, user)
    form = HideForm()
    from_queue = request.form.get("origin") == "queue"
    back = safe_next(request.values.get("next"))
    if request.method == "GET":
        target = services.hideable(user, consultation, kind, target_id)
        return _hide_page(slug, kind, target_id, form, back or target.moderation_url)
    status = 422
    if form.validate_on_submit():
        try:
            services.hide(user, consultation, kind, target_id, form.reason.data)
        except CivicError as error:
            if isinstance(error, Forbidden | NotFound):
                raise
            form.reason.errors = [*form.reason.errors, error.message]
            status = error.status
        else:
            flash(_("The content is hidden; the public reason is shown in its place."), "success")
            return redirect(back or url_for("moderation.queue", slug=slug))
    else:
        services.hideable(user, consultation, kind, target_id)  # who may not hide it learns only that
    if from_queue:
        return _queue_page(slug, (kind, target_id), form), status
    return _hide_page(slug, kind, target_id, form, back or ""), status


@bp.route("/c/<slug>/moderation/<kind>/<int:target_id>/restore", methods=["POST"])
@login_required
def restore(slug: str, kind: str, target_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    services.restore(user, consultation, kind, target_id, request.form.get("reason", ""))
    flash(_("The content is shown again and its reports are closed."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.queue", slug=slug))


@bp.route("/c/<slug>/moderation/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> ResponseReturnValue:
    """The consultation's moderation settings: how many reports hide a contribution until review."""
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_moderate(user, consultation):
        raise Forbidden()
    form = ThresholdForm(data={"flag_threshold": consultation.flag_threshold})
    status = 200
    if form.validate_on_submit():
        try:
            services.set_flag_threshold(user, consultation, form.flag_threshold.data)
        except CivicError as error:
            if isinstance(error, Forbidden | NotFound):
                raise
            form.flag_threshold.errors = [*form.flag_threshold.errors, error.message]
            status = error.status
        else:
            flash(
                ngettext(
                    "From now on, %(num)d report hides a contribution until a moderator reviews it.",
                    "From now on, reports from %(num)d different people hide a contribution until a moderator reviews it.",
                    consultation.flag_threshold,
                ),
                "success",
            )
            return redirect(url_for("moderation.queue", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template("moderation/settings.html", consultation=consultation, form=form), status


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


@bp.route("/c/<slug>/moderation/users/<int:person_id>/sanction", methods=["GET", "POST"])
@login_required
def sanction(slug: str, person_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_sanction(user):
        raise Forbidden()
    person = db.session.get(User, person_id) or abort(404)
    form = SanctionForm()
    status = 200
    if form.validate_on_submit():
        ends_at = (
            form.ends_at.data.replace(tzinfo=_zone()).astimezone(UTC)
            if isinstance(form.ends_at.data, datetime)
            else None
        )
        try:
            services.sanction(user, person.id, form.kind.data, form.reason.data, ends_at, consultation)
        except CivicError as error:
            if isinstance(error, Forbidden):
                raise
            form.reason.errors = [*form.reason.errors, error.message]
            status = error.status
        else:
            flash(
                _("The sanction is in force. %(name)s will see its reason.", name=person.display_name),
                "success",
            )
            return redirect(url_for("moderation.queue", slug=slug))
    elif request.method == "POST":
        status = 422
    sanctions, _more = queries.sanctions_in_force(person.id)
    return render_template(
        "moderation/sanction.html", consultation=consultation, person=person, form=form, sanctions=sanctions
    ), status


@bp.route("/c/<slug>/moderation/sanctions")
@login_required
def sanctions(slug: str) -> ResponseReturnValue:
    """The suspensions and bans in force, site-wide, each with a button to lift it: administrators only."""
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_sanction(user):
        raise Forbidden()
    page = inputs.page(request.args)
    entries, more = queries.sanctions_in_force(page=page)
    return render_template(
        "moderation/sanctions.html", consultation=consultation, sanctions=entries, page=page, more=more
    )


@bp.route("/c/<slug>/moderation/sanctions/<int:sanction_id>/lift", methods=["POST"])
@login_required
def lift(slug: str, sanction_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    entry = services.lift(user, sanction_id, consultation)
    person = db.session.get(User, entry.user_id)
    flash(
        _(
            "The sanction is lifted: %(name)s can take part again.",
            name=person.display_name if person else "",
        ),
        "success",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.sanctions", slug=slug))


@bp.route("/c/<slug>/moderation/log")
def log(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_view_log(user, consultation):
        raise Forbidden()
    page = inputs.page(request.args)
    entries, more = queries.public_log(consultation, page)
    return render_template(
        "moderation/log.html", consultation=consultation, entries=entries, page=page, more=more
    )
