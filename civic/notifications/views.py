"""The notifications page, marking them read, and the e-mail opt-in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.notifications import queries, services

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    notices, more = queries.recent(current_user, page)
    return render_template(
        "notifications/index.html", notices=notices, more=more, page=page, message=services.message
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> ResponseReturnValue:
    services.mark_all_read(current_user)
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/email", methods=["POST"])
@login_required
def email_setting() -> ResponseReturnValue:
    enabled = request.form.get("email_notifications") == "y"
    services.set_email_notifications(current_user, enabled)
    flash(
        _("Your notifications will also be e-mailed to you.")
        if enabled
        else _("Your notifications will no longer be e-mailed to you."),
        "success",
    )
    return redirect(url_for("accounts.account"))
