"""Proposal pages: list and search, write with preview, read with history and discussion, decide."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from civic import inputs
from civic.accounts.models import Membership, User
from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.discussion import queries as discussion_queries
from civic.deliberation.discussion import services as discussion
from civic.deliberation.proposals import permissions, queries, services
from civic.deliberation.proposals.forms import AnswerForm, FilterForm, ProposalForm, ThemeForm
from civic.deliberation.proposals.models import Proposal
from civic.errors import CivicError, Forbidden
from civic.extensions import limiter
from civic.i18n import localized

bp = Blueprint("proposals", __name__, url_prefix="/c/<slug>")

STATE_LABELS = {
    "draft": lazy_pgettext("proposal", "Draft"),
    "published": lazy_pgettext("proposal", "Published"),
    "evaluating": _l("Being evaluated"),
    "accepted": lazy_pgettext("proposal", "Accepted"),
    "rejected": lazy_pgettext("proposal", "Rejected"),
    "merged": _l("Merged"),
    "withdrawn": _l("Withdrawn"),
}


def _signed_in() -> User:
    """The signed-in user, in views behind login_required."""
    user = current_participant()
    if user is None:  # login_required has already redirected anonymous visitors
        raise Forbidden()
    return user


def _user_key() -> str:
    # Per person, not per address: community centres share one address.
    user = current_participant()
    return f"user:{user.id}" if user is not None else f"ip:{request.remote_addr}"


def _proposal_limits() -> str:
    return str(current_app.config["PROPOSAL_LIMITS"])


def _previewing() -> bool:
    return "preview" in request.form


def _choices(form: ProposalForm, consultation: Consultation, user: User) -> None:
    form.theme.choices = [SelectChoice("", _("No theme"))] + [
        SelectChoice(str(t.id), localized(t, "name")) for t in services.themes(consultation)
    ]
    form.organisation.choices = [SelectChoice("", _("Myself"))] + [
        SelectChoice(str(m.organisation_id), m.organisation.name)
        for m in user.memberships
        if m.status == Membership.REPRESENTATIVE
    ]


def _preview_or_save(
    form: ProposalForm,
    consultation: Consultation,
    proposal: Proposal | None,
    save: Callable[[], tuple[Proposal, str]],
) -> ResponseReturnValue:
    """Handle the proposal form of the new and edit pages: show a preview, or save and go to the proposal.

    `save` calls the services and returns the proposal with the message to flash. A refused save shows
    the form again with what was typed and the reason, under the status of the error (422 if invalid).
    """
    status, preview = 200, None
    if form.validate_on_submit():
        if form.preview.data:
            preview = services.render_preview(form.body.data)
        else:
            try:
                saved, message = save()
            except CivicError as error:
                form.body.errors = [*form.body.errors, error.message]
                status = error.status
            else:
                flash(message, "success")
                return redirect(url_for("proposals.show", slug=consultation.slug, proposal_id=saved.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "proposals/form.html", consultation=consultation, form=form, proposal=proposal, preview=preview
    ), status


@bp.route("/proposals")
def index(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    form = FilterForm(request.args)
    themes = services.themes(consultation)
    form.theme.choices = [SelectChoice("", _("All themes"))] + [
        SelectChoice(str(t.id), localized(t, "name")) for t in themes
    ]
    form.state.choices = [SelectChoice("", _("All states"))] + [
        SelectChoice(state, str(label)) for state, label in STATE_LABELS.items() if state != "draft"
    ]
    # A visitor keeps one random order across pages: its seed lives in their session.
    seed = session.setdefault("proposal_seed", secrets.randbelow(2**30))
    form.validate()
    page = queries.proposal_page(
        consultation,
        user,
        queries.ProposalFilter(
            query=(form.q.data or "")[:200] if not form.q.errors else "",
            theme_id=form.theme.data if form.theme.data in {t.id for t in themes} else None,
            state=form.state.data or None,
            sort=form.sort.data or "newest",
            page=inputs.page(request.args),
            seed=seed,
        ),
    )
    return render_template(
        "proposals/index.html",
        consultation=consultation,
        form=form,
        page=page,
        supported=services.supported_by(user, [p.id for p in page.proposals]),
        can_create=permissions.can_create_proposal(user, consultation),
        # Signed out while proposals are open: "Sign in to propose" where the button would be.
        sign_in_to_propose=user is None and consultations.component_enabled(consultation, "proposals"),
        can_manage_themes=permissions.can_manage_themes(user, consultation),
        state_labels=STATE_LABELS,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_proposal_limits, methods=["POST"], key_func=_user_key, exempt_when=_previewing)
def new(slug: str) -> ResponseReturnValue:
    user = _signed_in()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_create_proposal(user, consultation):
        raise Forbidden(_("Proposals cannot be put forward in this phase."))
    form = ProposalForm()
    _choices(form, consultation, user)

    def save() -> tuple[Proposal, str]:
        proposal = services.create_proposal(
            user,
            consultation,
            form.title.data,
            form.body.data,
            form.theme.data,
            form.organisation.data,
            publish=bool(form.publish.data),
            language=form.language.data,
        )
        if form.publish.data:
            return proposal, _("Your proposal is published.")
        return proposal, _("Your draft is saved. Only you can see it.")

    return _preview_or_save(form, consultation, None, save)


@bp.route("/proposals/<int:proposal_id>")
def show(slug: str, proposal_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    proposal = services.get_proposal(consultation, proposal_id, user)
    thread_view = None
    if proposal.state != Proposal.DRAFT:
        thread = discussion.thread_for(consultation, "proposal", proposal.id, owner_id=proposal.author_id)
        thread_view = discussion_queries.thread_view_for(thread, user, request.args)
    threshold = consultation.support_threshold
    return render_template(
        "proposals/show.html",
        consultation=consultation,
        proposal=proposal,
        thread_view=thread_view,
        state_labels=STATE_LABELS,
        supports=proposal.id in services.supported_by(user, [proposal.id]),
        qualified=threshold is not None and proposal.support_count >= threshold,
        threshold=threshold,
        can_support=permissions.can_support(user, proposal),
        can_withdraw_support=permissions.can_withdraw_support(user, proposal),
        can_edit=permissions.can_edit_proposal(user, proposal),
        can_publish=permissions.can_publish_proposal(user, proposal),
        can_withdraw=permissions.can_withdraw_proposal(user, proposal),
        can_answer=permissions.can_answer(user, proposal),
        show_hidden=permissions.can_see_hidden_content(user, proposal),
    )


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, proposal_id: int) -> ResponseReturnValue:
    user = _signed_in()
    consultation = consultations.get_consultation(slug, user)
    proposal = services.get_proposal(consultation, proposal_id, user)
    if not permissions.can_edit_proposal(user, proposal):
        raise Forbidden()
    form = ProposalForm(obj=proposal) if request.method == "GET" else ProposalForm()
    _choices(form, consultation, user)
    if request.method == "GET":
        form.theme.data, form.organisation.data = proposal.theme_id, proposal.organisation_id

    def save() -> tuple[Proposal, str]:
        services.update_proposal(
            user,
            proposal,
            form.title.data,
            form.body.data,
            form.theme.data,
            form.organisation.data,
            language=form.language.data,
        )
        if form.publish.data and proposal.state == Proposal.DRAFT:
            services.publish_proposal(user, proposal)
        return proposal, _("Your proposal is saved.")

    return _preview_or_save(form, consultation, proposal, save)


@bp.route(
    "/proposals/<int:proposal_id>/<any(publish, withdraw, support, unsupport):action>", methods=["POST"]
)
@login_required
def act(slug: str, proposal_id: int, action: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    proposal = services.get_proposal(consultation, proposal_id, user)
    verb, message = {
        "publish": (services.publish_proposal, _("Your proposal is published.")),
        "withdraw": (services.withdraw_proposal, _("Your proposal is withdrawn.")),
        "support": (services.support, _("Your support is counted.")),
        "unsupport": (services.withdraw_support, _("Your support is withdrawn.")),
    }[action]
    verb(user, proposal)
    flash(message, "success")
    return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/answer", methods=["GET", "POST"])
@login_required
def answer(slug: str, proposal_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    proposal = services.get_proposal(consultation, proposal_id, user)
    if not permissions.can_answer(user, proposal):
        raise Forbidden()
    form = AnswerForm(obj=proposal) if request.method == "GET" else AnswerForm()
    if request.method == "GET":
        form.merged_into.data = proposal.merged_into_id
    status = 200
    if form.validate_on_submit():
        try:
            services.answer_proposal(user, proposal, form.state.data, form.answer.data, form.merged_into.data)
        except CivicError as error:
            form.answer.errors = [*form.answer.errors, error.message]
            status = error.status
        else:
            flash(_("The decision and the answer are published."), "success")
            return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "proposals/answer.html", consultation=consultation, proposal=proposal, form=form
    ), status


@bp.route("/themes", methods=["GET", "POST"])
@login_required
def themes(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_manage_themes(user, consultation):
        raise Forbidden()
    form = ThemeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_theme(user, consultation, form.name_fr.data or "", form.name_en.data or "")
        except CivicError as error:
            form.name_fr.errors = [*form.name_fr.errors, error.message]
            status = error.status
        else:
            flash(_("The theme has been added."), "success")
            return redirect(url_for("proposals.themes", slug=slug))
    elif request.method == "POST":
        status = 422
    return render_template(
        "proposals/themes.html", consultation=consultation, form=form, themes=services.themes(consultation)
    ), status


@bp.route("/themes/<int:theme_id>/delete", methods=["POST"])
@login_required
def delete_theme(slug: str, theme_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    services.remove_theme(user, consultation, theme_id)
    flash(_("The theme has been removed."), "success")
    return redirect(url_for("proposals.themes", slug=slug))
