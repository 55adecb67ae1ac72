"""Endorsing pages: give, change or reconfirm an endorsement, as oneself or for an organisation; revoke it.

A refused form is shown again with what was typed and the message next to its field, with the status
of the refusal (4xx); nothing is stored.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from civic import inputs
from civic.accounts.models import Organisation, User
from civic.accounts.participant import current_participant
from civic.accounts.permissions import is_representative
from civic.accounts.services import get_organisation
from civic.coalitions import endorsing, permissions
from civic.coalitions.forms import EndorseForm, OrganisationEndorseForm, RevokeForm
from civic.coalitions.models import Endorsement, Position
from civic.coalitions.positions import current_version
from civic.coalitions.views import bp, common, load
from civic.deliberation.drafting.amendments.models import Amendment
from civic.errors import CivicError, Forbidden
from civic.extensions import db
from civic.timestamps import utcnow


def _signed_in() -> User:
    user = current_participant()
    if user is None:  # login_required has already sent anonymous visitors to the sign-in page
        raise Forbidden()
    return user


def _refuse_non_representative(user: User, organisation: Organisation | None) -> None:
    """No organisation's form for someone who does not represent it (a form sent anyway is refused by
    the service, and shown again with what was typed)."""
    if organisation is not None and not is_representative(user, organisation):
        raise endorsing.NotRepresentative(
            _(
                "You do not represent %(name)s: only its representatives can endorse in its name.",
                name=organisation.name,
            )
        )


def _existing(position: Position, user: User, organisation: Organisation | None) -> Endorsement | None:
    return db.session.scalar(
        select(Endorsement).where(
            Endorsement.position_id == position.id,
            Endorsement.endorser == endorsing.endorser_key(user, organisation),
        )
    )


def _condition_choices(form: EndorseForm, position: Position, existing: Endorsement | None) -> None:
    """Open amendments of the position's document (and the condition already chosen, whatever its state)."""
    choices = [SelectChoice("", _("No condition"))]
    if position.document_id is not None:
        amendments = db.session.scalars(
            select(Amendment)
            .where(Amendment.document_id == position.document_id)
            .where(
                (Amendment.status == Amendment.OPEN)
                | (Amendment.id == (existing.condition_amendment_id if existing else None))
            )
            .order_by(Amendment.number)
        )
        for amendment in amendments:
            passage = " ".join(amendment.passage.split())
            label = _("If amendment no. %(n)d is accepted", n=amendment.number)
            choices.append(
                SelectChoice(
                    str(amendment.id),
                    f"{label} — " + _("“%(text)s”", text=passage[:60] + ("…" if len(passage) > 60 else "")),
                )
            )
    form.condition.choices = choices


def _fill(form: EndorseForm, existing: Endorsement | None) -> None:
    """On first display, the form starts from the current endorsement (to change or reconfirm it)."""
    if existing is None:
        return
    form.base.data = str(existing.revision)
    if not existing.active:
        return
    form.stance.data = existing.stance
    form.statement.data = existing.statement
    form.show_name.data = existing.show_name
    form.condition.data = existing.condition_amendment_id
    if isinstance(form, OrganisationEndorseForm):
        for name in (
            "signatory_name",
            "signatory_role",
            "mandate_body",
            "mandate_date",
            "mandate_scope",
            "mandate_expires",
            "mandate_url",
        ):
            getattr(form, name).data = getattr(existing, name)


def _data(form: EndorseForm) -> endorsing.Endorsing:
    extra = {}
    if isinstance(form, OrganisationEndorseForm):
        extra = {
            "signatory_name": form.signatory_name.data or "",
            "signatory_role": form.signatory_role.data or "",
            "mandate_body": form.mandate_body.data or "",
            "mandate_date": form.mandate_date.data,
            "mandate_scope": form.mandate_scope.data or "",
            "mandate_expires": form.mandate_expires.data,
            "mandate_url": form.mandate_url.data or "",
        }
    return endorsing.Endorsing(
        stance=form.stance.data or "",
        statement=form.statement.data or "",
        reason=form.reason.data or "",
        show_name=bool(form.show_name.data),
        condition=form.condition.data,
        **extra,
    )


def _show_errors(form: EndorseForm | RevokeForm, error: CivicError) -> list[str]:
    """Put each message next to its field; return those that belong to no field (shown at the top)."""
    fields = getattr(error, "fields", None)
    if not fields:
        return [error.message]
    for name, message in fields.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]
    return []


def _endorse_page(slug: str, position_id: int, organisation: Organisation | None) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    user = _signed_in()
    if request.method == "GET":
        _refuse_non_representative(user, organisation)
    version = current_version(position)
    existing = _existing(position, user, organisation)
    form: EndorseForm = OrganisationEndorseForm() if organisation is not None else EndorseForm()
    _condition_choices(form, position, existing)
    status, general = 200, []
    if request.method == "GET":
        _fill(form, existing)
        form.version.data = str(version.number)
    elif form.validate_on_submit():
        try:
            endorsing.endorse(
                user,
                position,
                consultation,
                inputs.as_id(form.version.data) or 0,
                _data(form),
                int(form.base.data) if (form.base.data or "").isdigit() and len(form.base.data) < 10 else -1,
                organisation,
            )
        except CivicError as error:
            status, general = error.status, _show_errors(form, error)
            if isinstance(error, endorsing.AlreadyEndorsed | endorsing.ChangedMeanwhile):
                # Shown with the endorsement as it is now: sending the form again changes that one.
                db.session.rollback()
                existing = _existing(position, user, organisation)
                form.base.data = str(existing.revision) if existing is not None else "0"
        else:
            flash(_("The endorsement has been recorded."), "success")
            return redirect(url_for("coalitions.position", slug=slug, position_id=position.id))
    else:
        status = 422
    return render_template(
        "coalitions/endorse.html",
        **common(consultation, position),
        form=form,
        organisation=organisation,
        existing=existing,
        version=version,
        errors=general,
        open=permissions.taking_endorsements(position, consultation, utcnow()),
        conditions=position.document_id is not None,
    ), status


@bp.route("/positions/<int:position_id>/endorse", methods=["GET", "POST"])
@login_required
def endorse(slug: str, position_id: int) -> ResponseReturnValue:
    return _endorse_page(slug, position_id, None)


@bp.route("/positions/<int:position_id>/organisations/<organisation>/endorse", methods=["GET", "POST"])
@login_required
def endorse_organisation(slug: str, position_id: int, organisation: str) -> ResponseReturnValue:
    load(slug, position_id)  # the position must be visible before anything is said about the organisation
    return _endorse_page(slug, position_id, get_organisation(organisation))


def _revoke_page(slug: str, position_id: int, organisation: Organisation | None) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    user = _signed_in()
    if request.method == "GET":
        _refuse_non_representative(user, organisation)
    existing = _existing(position, user, organisation)
    form = RevokeForm()
    status, general = 200, []
    if request.method == "GET":
        form.base.data = str(existing.revision) if existing is not None else "0"
    elif form.validate_on_submit():
        try:
            endorsing.revoke(
                user,
                position,
                consultation,
                form.reason.data or "",
                int(form.base.data) if (form.base.data or "").isdigit() and len(form.base.data) < 10 else -1,
                organisation,
            )
        except CivicError as error:
            status, general = error.status, _show_errors(form, error)
            if isinstance(error, endorsing.ChangedMeanwhile):
                db.session.rollback()
                existing = _existing(position, user, organisation)
                form.base.data = str(existing.revision) if existing is not None else "0"
        else:
            flash(_("The endorsement has been revoked."), "success")
            return redirect(url_for("coalitions.position", slug=slug, position_id=position.id))
    else:
        status = 422
    return render_template(
        "coalitions/revoke.html",
        **common(consultation, position),
        form=form,
        organisation=organisation,
        existing=existing,
        errors=general,
    ), status


@bp.route("/positions/<int:position_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(slug: str, position_id: int) -> ResponseReturnValue:
    return _revoke_page(slug, position_id, None)


@bp.route("/positions/<int:position_id>/organisations/<organisation>/revoke", methods=["GET", "POST"])
@login_required
def revoke_organisation(slug: str, position_id: int, organisation: str) -> ResponseReturnValue:
    load(slug, position_id)
    return _revoke_page(slug, position_id, get_organisation(organisation))
