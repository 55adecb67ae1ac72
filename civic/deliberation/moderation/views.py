"""Moderation pages: report content, the moderators' queue, sanctions and the public log."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import login_required

from civic import inputs
from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.consultations.services import get_consultation
from civic.deliberation.moderation import permissions, queries, services
from civic.deliberation.moderation.forms import REASON_LABELS, FlagForm, HideForm, SanctionForm
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


@bp.route("/c/<slug>/moderation/<kind>/<int:target_id>/hide", methods=["POST"])
@login_required
def hide(slug: str, kind: str, target_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    form = HideForm()
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
            return redirect(safe_next(request.form.get("next")) or url_for("moderation.queue", slug=slug))
    elif not permissions.can_moderate(user, consultation):
        raise Forbidden()
    return _queue_page(slug, (kind, target_id), form), status


@bp.route("/c/<slug>/moderation/<kind>/<int:target_id>/restore", methods=["POST"])
@login_required
def restore(slug: str, kind: str, target_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    services.restore(user, consultation, kind, target_id, request.form.get("reason", ""))
    flash(_("The content is shown again and its reports are closed."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.queue", slug=slug))


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
