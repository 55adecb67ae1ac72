"""Account and organisation pages: parse the form, call a service, render or redirect."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from civic.accounts import devices, logins, permissions, profiles, registration, services
from civic.accounts.forms import (
    OrganisationForm,
    PasswordChangeForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
    SignInForm,
)
from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.accounts.passwords import WeakPassword
from civic.errors import CivicError, Forbidden, NotFound
from civic.extensions import limiter
from civic.security import safe_next

bp = Blueprint("accounts", __name__)


def _email_key() -> str:
    # Per-account limit: the address being tried, whatever computer it is tried from.
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _known_device() -> bool:
    """This browser signed in as the address tried before: its own limit applies (devices.py)."""
    return devices.known(request, services.find_user_by_email(request.form.get("email", "")))


def _device_key() -> str:
    return devices.key(request) + ":" + _email_key()


def _sign_in_limits() -> str:
    return str(current_app.config["SIGN_IN_LIMITS"])


def _register_limits() -> str:
    return str(current_app.config["REGISTER_LIMITS"])


def _start_session(user: User, remember: bool) -> None:
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    logins.start(user, remember)  # the sign-in the cookies will name (User.get_id)
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    session["remember"] = remember
    session["last_seen"] = datetime.now(UTC).timestamp()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limits, methods=["POST"])
def register() -> ResponseReturnValue:
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = request.cookies.get("lang") or form.locale.default
    status = 200
    next_path = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            registration.register(
                form.display_name.data,
                form.email.data,
                form.password.data,
                form.locale.data,
                next_path or "",
            )
        except CivicError as error:
            field = form.display_name if isinstance(error, registration.BlankName) else form.password
            field.errors = [*field.errors, error.message]
            status = error.status
        else:
            # The same answer whether the address is new, waiting for confirmation or taken.
            session["registered"] = registration.normalise_email(form.email.data)
            return redirect(url_for("accounts.registered", next=next_path))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/register.html", form=form, next_path=next_path), status


@bp.route("/register/sent")
def registered() -> ResponseReturnValue:
    return render_template(
        "accounts/registered.html",
        email=session.get("registered", ""),
        next_path=safe_next(request.args.get("next")),
    )


@bp.route("/register/confirm/<token>")
def confirm(token: str) -> ResponseReturnValue:
    try:
        user, next_path = registration.confirm(token)
    except CivicError as error:
        return render_template("accounts/confirm_invalid.html", message=error.message), error.status
    _start_session(user, remember=False)
    flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
    return redirect(safe_next(next_path) or url_for("consultations.index"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limits, methods=["POST"], exempt_when=_known_device)
@limiter.limit(_sign_in_limits, methods=["POST"], key_func=_email_key, exempt_when=_known_device)
@limiter.limit(
    _sign_in_limits, methods=["POST"], key_func=_device_key, exempt_when=lambda: not _known_device()
)
def sign_in() -> ResponseReturnValue:
    form = SignInForm()
    status = 200
    error = None
    next_path = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except CivicError as failure:
            error = failure.message
            status = 401
        else:
            _start_session(user, remember=bool(form.remember.data))
            flash(_("You are signed in."), "success")
            response = redirect(next_path or url_for("consultations.index"))
            devices.remember(request, response, user)
            return response
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    return render_template("accounts/sign_in.html", form=form, error=error, next_path=next_path), status


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    # CSRFProtect has checked the token of every POST before any view runs.
    user = current_participant()
    if user is not None:
        logins.end(user)  # the cookies of this sign-in, copied or not, are dead on the server
    logout_user()
    session.clear()
    flash(_("You are signed out. On a shared computer, you can now close the browser."), "success")
    return redirect(url_for("consultations.index"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    user = current_participant()
    if user is not None:
        logins.end_all(user)
    logout_user()
    session.clear()
    flash(
        _("You are signed out on every computer and phone, this one included. Sign in again to continue."),
        "success",
    )
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except CivicError as error:
            field = form.new if isinstance(error, WeakPassword) else form.current
            field.errors = [*field.errors, error.message]
            status = error.status
        else:
            _start_session(current_user._get_current_object(), remember=bool(session.get("remember")))
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.account"))
    elif request.method == "POST":
        status = 422
    user = current_participant()
    signed_in = logins.count(user) if user is not None else 0
    return render_template("accounts/account.html", form=form, signed_in=signed_in), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_register_limits, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account uses this address, a message with a link has been sent to it."), "success")
        return redirect(url_for("accounts.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    form = ResetForm()
    try:
        services.user_for_reset_token(token)
    except CivicError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), error.status
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.new.data)
        except CivicError as error:
            form.new.errors = [*form.new.errors, error.message]
            status = error.status
        else:
            _start_session(user, remember=False)
            flash(_("Your new password is set and you are signed in."), "success")
            return redirect(url_for("consultations.index"))
    return render_template("accounts/reset.html", form=form), status


# Organisations ---------------------------------------------------------------------------------


@bp.route("/organisations")
def organisations() -> ResponseReturnValue:
    return render_template("organisations/index.html", organisations=services.list_organisations())


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation() -> ResponseReturnValue:
    form = OrganisationForm()
    status = 422 if request.method == "POST" else 200
    error = None
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                current_participant(),
                form.name.data,
                form.description.data or "",
                form.website.data or "",
                form.logo_url.data or "",
            )
        except CivicError as failure:
            error, status = failure.message, failure.status
        else:
            flash(_("The organisation has been created. You are its representative."), "success")
            return redirect(url_for("accounts.organisation", slug=organisation.slug))
    return render_template("organisations/form.html", form=form, organisation=None, error=error), status


@bp.route("/organisations/<slug>")
def organisation(slug: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    user = current_participant()
    return render_template(
        "organisations/show.html",
        organisation=org,
        can_edit=permissions.can_edit_organisation(user, org),
        can_request=permissions.can_request_membership(user, org),
        can_decide=permissions.can_decide_membership(user, org),
        can_verify=permissions.can_verify_organisation(user),
        can_leave=permissions.can_leave_organisation(user, org),
        has_membership=permissions.has_membership(user, org),
        sections=profiles.sections_for(org, user),
    )


@bp.route("/organisations/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(slug: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    if not permissions.can_edit_organisation(current_participant(), org):
        raise Forbidden()
    form = OrganisationForm(obj=org)
    status = 422 if request.method == "POST" else 200
    error = None
    if form.validate_on_submit():
        try:
            services.update_organisation(
                current_participant(),
                org,
                form.name.data,
                form.description.data or "",
                form.website.data or "",
                form.logo_url.data or "",
            )
        except CivicError as failure:
            error, status = failure.message, failure.status
        else:
            flash(_("The organisation has been updated."), "success")
            return redirect(url_for("accounts.organisation", slug=org.slug))
    return render_template("organisations/form.html", form=form, organisation=org, error=error), status


@bp.route("/organisations/<slug>/join", methods=["POST"])
@login_required
def join_organisation(slug: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    services.request_membership(current_participant(), org)
    flash(_("Your request has been sent to the organisation's representatives."), "success")
    return redirect(url_for("accounts.organisation", slug=slug))


@bp.route("/organisations/<slug>/leave", methods=["POST"])
@login_required
def leave_organisation(slug: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    services.leave_organisation(current_participant(), org)
    flash(_("You have left the organisation."), "success")
    return redirect(url_for("accounts.organisation", slug=slug))


@bp.route("/organisations/<slug>/members/<int:membership_id>/<decision>", methods=["POST"])
@login_required
def decide_membership(slug: str, membership_id: int, decision: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    if decision == "accept":
        services.accept_membership(current_participant(), org, membership_id)
        flash(_("The request has been accepted."), "success")
    elif decision == "decline":
        services.decline_membership(current_participant(), org, membership_id)
        flash(_("The request has been declined."), "success")
    else:
        raise NotFound()
    return redirect(url_for("accounts.organisation", slug=slug))


@bp.route("/organisations/<slug>/verify", methods=["POST"])
@login_required
def verify_organisation(slug: str) -> ResponseReturnValue:
    org = services.get_organisation(slug)
    services.set_verified(current_participant(), org, request.form.get("verified") == "1")
    flash(_("The verification has been updated."), "success")
    return redirect(url_for("accounts.organisation", slug=slug))
