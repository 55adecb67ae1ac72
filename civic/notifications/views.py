"""The notifications page, the header's unread count for its script, marking read, the e-mail opt-in."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from civic import inputs
from civic.accounts.participant import current_participant
from civic.notifications import queries, services

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    page = inputs.page(request.args)
    notices, more = queries.recent(current_user, page)
    return render_template(
        "notifications/index.html", notices=notices, more=more, page=page, message=services.message
    )


@bp.route("/notifications/unread")
@login_required
def unread() -> ResponseReturnValue:
    """The unread count with its wording in the reader's language, for the header's live update."""
    user = current_participant()
    count = queries.unread_count(user.id) if user is not None else 0
    response = jsonify(
        unread=count,
        label=ngettext("%(num)d unread", "%(num)d unread", count) if count else "",
        announcement=ngettext(
            "You have %(num)d unread notification.", "You have %(num)d unread notifications.", count
        ),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


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


@bp.route("/notifications/moderation-digest", methods=["POST"])
@login_required
def moderation_digest_setting() -> ResponseReturnValue:
    """Ask for or stop the e-mailed digest of new reports (for people who moderate)."""
    enabled = request.form.get("moderation_digest") == "y"
    services.set_moderation_digest(current_user, enabled)
    flash(
        _("You will receive a digest of new reports by e-mail.")
        if enabled
        else _("You will no longer receive the digest of new reports."),
        "success",
    )
    return redirect(url_for("accounts.account", _anchor="email-notifications"))
