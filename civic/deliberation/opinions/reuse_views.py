"""Taking a statement further in one step: the proposal and amendment forms, prefilled from the statement."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.deliberation.opinions import permissions, reuse, services
from civic.deliberation.opinions.forms import AgendaReuseForm, AmendmentReuseForm, ProposalReuseForm
from civic.deliberation.opinions.models import OpinionMap, Statement
from civic.errors import CivicError, Forbidden, NotFound
from civic.i18n import localized
from civic.moments import when

bp = Blueprint("opinion_reuse", __name__, url_prefix="/c/<slug>/opinions")

TITLE_MAX = 150


def _provenance(opinion_map: OpinionMap, statement: Statement) -> str:
    total = statement.vote_total
    share = round(100 * statement.agree_count / total) if total else 0
    return _(
        "From the opinion map “%(question)s”: %(share)d%% of the %(total)d people who voted on this "
        "statement agree with it.",
        question=localized(opinion_map, "question"),
        share=share,
        total=total,
    )


@bp.route(
    "/<int:map_id>/statements/<int:statement_id>/<any(proposal, amendment, session):target>",
    methods=["GET", "POST"],
)
@login_required
def reuse_statement(slug: str, map_id: int, statement_id: int, target: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    opinion_map = services.get_map(consultation, map_id, user)
    statement = services.get_statement(opinion_map, statement_id)
    if not permissions.can_reuse_statement(user, statement):
        raise Forbidden(_("Only the consultation's moderators take a statement further."))
    form: ProposalReuseForm | AmendmentReuseForm | AgendaReuseForm
    documents = reuse.documents_for_amendments(consultation)
    live_sessions = reuse.sessions_for_agenda(consultation)
    if target == "session":
        form = AgendaReuseForm()
        form.session.choices = [SelectChoice("", _("Choose a live session"))] + [
            SelectChoice(str(s.id), f"{localized(s, 'title')} ({when(s.starts_at, 'short')})")
            for s in live_sessions
        ]
        if request.method == "GET":
            form.title.data = statement.body if len(statement.body) <= 200 else statement.body[:199] + "…"
    elif target == "proposal":
        form = ProposalReuseForm()
        if request.method == "GET":
            form.title.data = (
                statement.body if len(statement.body) <= TITLE_MAX else statement.body[: TITLE_MAX - 1] + "…"
            )
            form.body.data = f"{statement.body}\n\n*{_provenance(opinion_map, statement)}*"
    else:
        form = AmendmentReuseForm()
        form.document.choices = [SelectChoice("", _("Choose a document"))] + [
            SelectChoice(str(d.id), str(localized(d, "title"))) for d in documents
        ]
        if request.method == "GET":
            form.replacement.data = statement.body
            form.reason.data = _provenance(opinion_map, statement)
    status = 200
    if form.validate_on_submit():
        try:
            if isinstance(form, AgendaReuseForm):
                reuse.to_agenda_item(
                    user,
                    statement,
                    form.session.data,
                    form.title.data or "",
                    form.minutes.data,
                    str(get_locale() or "fr"),
                )
                flash(_("The statement is on the session's agenda."), "success")
                return redirect(
                    url_for("opinions.statement", slug=slug, map_id=map_id, statement_id=statement.id)
                )
            if isinstance(form, ProposalReuseForm):
                proposal = reuse.to_proposal(user, statement, form.title.data or "", form.body.data or "")
                flash(_("The proposal is published."), "success")
                return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))
            amendment = reuse.to_amendment(
                user,
                statement,
                form.document.data,
                form.passage.data or "",
                form.replacement.data or "",
                form.reason.data or "",
            )
            flash(_("The amendment is proposed on the document."), "success")
            return redirect(amendment.url)
        except CivicError as error:
            if isinstance(error, NotFound):
                raise
            field = getattr(error, "field", None)
            by_field = getattr(error, "errors", None)  # an agenda item's problems come by field
            if field is None and isinstance(by_field, dict) and by_field:
                field = {"title_fr": "title", "title_en": "title"}.get(
                    next(iter(by_field)), next(iter(by_field))
                )
            target_field = getattr(form, field, None) if isinstance(field, str) else None
            default = form.passage if isinstance(form, AmendmentReuseForm) else form.title
            errors_of = target_field if target_field is not None else default
            errors_of.errors = [*errors_of.errors, error.message]
            status = error.status
    elif request.method == "POST":
        status = 422
    return render_template(
        "opinions/reuse.html",
        consultation=consultation,
        opinion_map=opinion_map,
        statement=statement,
        form=form,
        target=target,
        documents=documents,
        live_sessions=live_sessions,
        heading={
            "proposal": _("Publish as a proposal"),
            "amendment": _("Suggest as an amendment"),
            "session": _("Put on a live session's agenda"),
        }[target],
    ), status
