"""Poll pages: the list, a poll with its ballot, the receipt, results, audit and published files."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from civic.accounts.participant import current_participant
from civic.accounts.services import list_organisations
from civic.consultations.models import Consultation
from civic.consultations.services import get_consultation
from civic.errors import CivicError, Conflict, Forbidden
from civic.i18n import localized, localized_lang
from civic.timestamps import utcnow
from civic.voting import (
    ballots,
    chain,
    charts,
    checks,
    closing,
    definitions,
    exports,
    kinds,
    permissions,
    queries,
    services,
    wording,
)
from civic.voting import errors as voting_errors
from civic.voting.forms import METHOD_LABELS, BallotForm, PollForm
from civic.voting.models import Poll

bp = Blueprint("voting", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _to_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=_zone()).astimezone(UTC)


def _to_local(moment: datetime) -> datetime:
    return moment.astimezone(_zone()).replace(tzinfo=None)


def _load(slug: str, poll_id: int) -> tuple[Consultation, Poll]:
    consultation = get_consultation(slug, current_participant())
    poll = services.get_poll(consultation, poll_id, current_participant())
    closing.count_if_due(poll)
    return consultation, poll


@bp.route("/c/<slug>/polls")
def index(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    polls = services.polls_of(consultation)
    return render_template(
        "voting/index.html",
        consultation=consultation,
        polls=polls,
        now=utcnow(),
        state=permissions.poll_state,
        can_manage=permissions.can_manage_polls(user, consultation),
    )


def _poll_form(consultation: Consultation, poll: Poll | None) -> tuple[PollForm, queries.ProposalChoices]:
    form = PollForm()
    form.organisation_ids.choices = [SelectChoice(o.id, o.name) for o in list_organisations()]
    proposals = queries.proposal_choices(consultation, poll)
    form.proposal_ids.choices = [SelectChoice(pid, title) for pid, title in proposals.choices]
    if request.method == "GET":
        if poll is not None:
            data = definitions.definition_of(poll)
            for name in form.data:
                if hasattr(data, name) and name not in ("opens_at", "closes_at"):
                    getattr(form, name).data = getattr(data, name)
            form.opens_at.data = _to_local(poll.opens_at)
            form.closes_at.data = _to_local(poll.closes_at)
        else:
            voting = [p for p in consultation.phases if "voting" in p.component_names or p.kind == "voting"]
            if voting:
                form.opens_at.data = _to_local(voting[0].starts_at)
                form.closes_at.data = _to_local(voting[0].ends_at)
    return form, proposals


def _definition(form: PollForm) -> definitions.PollData:
    return definitions.PollData(
        question_fr=form.question_fr.data or "",
        question_en=form.question_en.data or "",
        description_fr=form.description_fr.data or "",
        description_en=form.description_en.data or "",
        options_fr=form.options_fr.data or "",
        options_en=form.options_en.data or "",
        proposal_ids=list(form.proposal_ids.data or []),
        method=form.method.data or "",
        seats=form.seats.data or 1,
        rules_preset=form.rules_preset.data or "default",
        max_score=form.max_score.data or 5,
        block_threshold=form.block_threshold.data or 1,
        opens_at=_to_utc(form.opens_at.data) if form.opens_at.data else None,
        closes_at=_to_utc(form.closes_at.data) if form.closes_at.data else None,
        eligibility=form.eligibility.data or "registered",
        organisation_ids=list(form.organisation_ids.data or []),
        invited_emails=form.invited_emails.data or "",
        secrecy=form.secrecy.data or "secret",
        allow_changes=bool(form.allow_changes.data),
    )


def _form_errors(form: PollForm, error: CivicError) -> None:
    fields = getattr(error, "fields", None) or {"question_fr": error.message}
    for name, message in fields.items():
        field = getattr(form, name, form.question_fr)
        field.errors = [*field.errors, message]


@bp.route("/c/<slug>/polls/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    form, proposals = _poll_form(consultation, None)
    status = 200
    if form.validate_on_submit():
        try:
            poll = definitions.create_poll(user, consultation, _definition(form))
        except CivicError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("The poll has been created."), "success")
            return redirect(url_for("voting.show", slug=slug, poll_id=poll.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "voting/form.html", consultation=consultation, poll=None, form=form, proposals=proposals
    ), status


@bp.route("/c/<slug>/polls/<int:poll_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, poll_id: int) -> ResponseReturnValue:
    user = current_participant()
    consultation, poll = _load(slug, poll_id)
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    form, proposals = _poll_form(consultation, poll)
    status = 200
    if form.validate_on_submit():
        try:
            definitions.update_poll(user, consultation, poll, _definition(form))
        except CivicError as error:
            _form_errors(form, error)
            status = error.status
        else:
            flash(_("The poll has been updated."), "success")
            return redirect(url_for("voting.show", slug=slug, poll_id=poll.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "voting/form.html", consultation=consultation, poll=poll, form=form, proposals=proposals
    ), status


def _render_poll(
    consultation: Consultation,
    poll: Poll,
    values: dict[str, str] | None = None,
    error: voting_errors.BallotInvalid | CivicError | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = current_participant()
    now = utcnow()
    form = BallotForm()
    form.nonce.data = secrets.token_urlsafe(16)
    field_errors = getattr(error, "fields", {}) if error else {}
    general = getattr(error, "general", None) if isinstance(error, voting_errors.BallotInvalid) else None
    if error is not None and general is None:
        general = [error.message]
    return render_template(
        "voting/show.html",
        consultation=consultation,
        poll=poll,
        kind=kinds.kind_of(poll),
        scale=kinds.scale_of(poll),
        state=permissions.poll_state(poll, now),
        method_label=METHOD_LABELS.get(poll.method, poll.method),
        form=form,
        values=values or {},
        field_errors=field_errors,
        general_errors=general or [],
        can_cast=permissions.can_cast(user, poll, consultation, now),
        eligible=permissions.is_eligible(user, poll),
        has_voted=ballots.has_voted(poll, user),
        can_manage=permissions.can_manage_polls(user, consultation),
        can_close=permissions.can_close_poll(user, poll, consultation),
        head=chain.head_of(poll),
        checkpoints=chain.checkpoints_of(poll.id),
        mj_grades=queries.MJ_GRADES,
        responses=queries.CONSENT_RESPONSES,
    ), status


@bp.route("/c/<slug>/polls/<int:poll_id>")
def show(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    return _render_poll(consultation, poll)


@bp.route("/c/<slug>/polls/<int:poll_id>/ballot", methods=["POST"])
def cast(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    user = current_participant()
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "nonce")}
    try:
        choice = ballots.read_ballot(poll, values)
        receipt = ballots.cast_ballot(user, poll, consultation, choice, request.form.get("nonce", ""))
    except CivicError as error:
        return _render_poll(consultation, poll, values, error, error.status)
    # Shown once, on the next page: kept in the voter's own session until then, never in the database.
    session[f"receipt-{poll.id}"] = [receipt.code, receipt.record_hash, receipt.position]
    return redirect(url_for("voting.receipt", slug=slug, poll_id=poll.id))


@bp.route("/c/<slug>/polls/<int:poll_id>/receipt")
def receipt(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    shown = session.pop(f"receipt-{poll.id}", None)
    if not shown:
        flash(_("A receipt code is shown only once, just after voting."), "info")
        return redirect(url_for("voting.show", slug=slug, poll_id=poll.id))
    code, record, position = shown
    response = Response(
        render_template(
            "voting/receipt.html",
            consultation=consultation,
            poll=poll,
            code=code,
            record=record,
            position=position,
        )
    )
    return response


@bp.route("/c/<slug>/polls/<int:poll_id>/close", methods=["POST"])
@login_required
def close(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    closing.close_poll(current_participant(), consultation, poll)
    flash(_("The poll is closed and counted."), "success")
    return redirect(url_for("voting.results", slug=slug, poll_id=poll.id))


def _published(consultation: Consultation, poll: Poll) -> dict[str, Any]:
    if not permissions.can_see_results(current_participant(), poll, consultation):
        raise Conflict(_("The results are published when the poll closes."))
    return services.result_of(poll) or {}


def _later(consultation: Consultation, poll: Poll) -> str:
    """The page of a results or audit address before the count: when the results come, and the ballot."""
    return render_template(
        "voting/results_later.html",
        consultation=consultation,
        poll=poll,
        state=permissions.poll_state(poll, utcnow()),
    )


@bp.route("/c/<slug>/polls/<int:poll_id>/results")
def results(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    if not permissions.can_see_results(current_participant(), poll, consultation):
        # The address is shared before the close: say when the results come, not an error.
        return _later(consultation, poll)
    view = queries.results_view(poll, services.result_of(poll) or {})
    label_of = dict(zip(view.result["candidates"], view.labels, strict=True))
    return render_template(
        "voting/results.html",
        consultation=consultation,
        poll=poll,
        view=view,
        headline=wording.headline(poll.method, view.winners),
        turnout=wording.turnout(view.counts["voters"] or 0, view.counts["eligible"]),
        ties=wording.tie_sentences(view.result["ties"], label_of, len(view.rounds)),
        round_bars=charts.round_bars(view.rounds) if view.family == "sequential" else [],
        score_chart=charts.score_bars(view.labels, view.score_texts, view.distribution, view.grade_labels)
        if view.family == "cardinal"
        else None,
        amount=wording.amount,
        signed=wording.signed,
        # An option written in one language only is shown in it on the other's page: lang says so.
        label_lang={localized(o, "label"): localized_lang(o, "label") for o in poll.options},
        method_label=METHOD_LABELS.get(poll.method, poll.method),
    )


@bp.route("/c/<slug>/polls/<int:poll_id>/audit")
def audit(slug: str, poll_id: int) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    if not permissions.can_see_results(current_participant(), poll, consultation):
        return _later(consultation, poll)
    document = _published(consultation, poll)
    # Checked now, from the stored ballots, signatures and checkpoints: never a verdict stored earlier.
    report = exports.verification(poll)
    problems, more = checks.shown_problems(report)
    typed = request.args.get("receipt")
    return render_template(
        "voting/audit.html",
        consultation=consultation,
        poll=poll,
        document=document,
        report=report,
        check_lines=checks.check_lines(report),
        problems=problems,
        more_problems=more,
        lookup=checks.look_up(poll, report, typed) if typed is not None else None,
        public_key=chain.public_key_hex(),
        checkpoints=chain.checkpoints_of(poll.id),
        rows=queries.audit_rows(poll),
        options=queries.option_views(poll),
        formats=exports.formats_of(poll),
    )


@bp.route("/c/<slug>/polls/<int:poll_id>/ballots.<fmt>")
def download(slug: str, poll_id: int, fmt: str) -> ResponseReturnValue:
    consultation, poll = _load(slug, poll_id)
    _published(consultation, poll)
    text, mimetype, name = exports.ballot_file(poll, fmt)
    return Response(
        text,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
