"""Live-session pages for everyone: the sessions of a consultation, a session (participants), the
projector, the minutes; and the participants' forms (hand, answer, question, support), which work
without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.live import permissions, questions, quickpolls, sessions, speakers, tallies
from civic.deliberation.live.forms import QuestionForm, SessionForm
from civic.deliberation.live.models import LiveSession, QuickPoll
from civic.deliberation.live.pages import load, page_context, session_data
from civic.errors import CivicError, Forbidden, Invalid, NotFound
from civic.inputs import as_id

bp = Blueprint("live", __name__, url_prefix="/c/<slug>/live")


@bp.route("")
def index(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    return render_template(
        "live/index.html",
        consultation=consultation,
        sessions=sessions.sessions_of(consultation),
        can_facilitate=permissions.can_facilitate(user, consultation),
        live_open=permissions.live_open(consultation),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_facilitate(user, consultation):
        raise Forbidden(_("Only the consultation's moderators run its live sessions."))
    form = SessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            session = sessions.create_session(user, consultation, session_data(form))
        except sessions.SessionInvalid as error:
            for name, message in error.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            status = error.status
        else:
            flash(_("The session is created. Now prepare its agenda."), "success")
            return redirect(url_for("live_console.console", slug=slug, session_id=session.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "live/session_form.html", consultation=consultation, form=form, session=None
    ), status


def _page(
    consultation: Consultation,
    session: LiveSession,
    status: int = 200,
    question_form: QuestionForm | None = None,
    error: str = "",
    error_at: str = "",
) -> ResponseReturnValue:
    return render_template(
        "live/show.html",
        **page_context(consultation, session),
        question_form=question_form or QuestionForm(formdata=None),
        error=error,
        error_at=error_at,
    ), status


@bp.route("/<int:session_id>")
def show(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    return _page(consultation, session)


@bp.route("/<int:session_id>/projector")
def projector(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    return render_template("live/projector.html", **page_context(consultation, session))


@bp.route("/<int:session_id>/minutes")
def minutes(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    if not permissions.can_read_minutes(current_participant(), session, consultation):
        raise NotFound(_("The minutes of this session are not published."))
    return render_template(
        "live/minutes.html",
        consultation=consultation,
        session=session,
        can_edit=permissions.can_edit_minutes(current_participant(), session, consultation),
    )


def _back(slug: str, session_id: int, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("live.show", slug=slug, session_id=session_id, _anchor=anchor))


def _refused(
    consultation: Consultation, session: LiveSession, error: CivicError, at: str
) -> ResponseReturnValue:
    if isinstance(error, NotFound):
        raise error
    return _page(consultation, session, error.status, error=error.message, error_at=at)


@bp.route("/<int:session_id>/hand", methods=["POST"])
@login_required
def hand(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    lane = request.form.get("lane", "normal")
    try:
        place = speakers.raise_hand(current_participant(), session, lane)
    except CivicError as error:
        return _refused(consultation, session, error, "speakers")
    flash(_("You are on the speakers' list, in place %(place)d.", place=place.place), "success")
    return _back(slug, session_id, "speakers")


@bp.route("/<int:session_id>/hand/lower", methods=["POST"])
@login_required
def lower(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    try:
        speakers.lower_hand(current_participant(), session, request.form.get("lane", "normal"))
    except CivicError as error:
        return _refused(consultation, session, error, "speakers")
    flash(_("You are off the speakers' list."), "success")
    return _back(slug, session_id, "speakers")


def answer_from(poll: QuickPoll, form: MultiDict[str, str]) -> Any:
    """Read a poll's answer form: a choice, ranks per option, scores per option or approvals."""
    kind = tallies.ballot_kind(poll)
    size = len(poll.options)
    if kind == "single":
        return form.get("choice", "")
    if kind == "ranked":
        ranks: list[tuple[int, int]] = []
        for index in range(size):
            value = form.get(f"rank-{index}", "").strip()
            if value:
                rank = as_id(value)
                if rank is None or rank > size:
                    raise Invalid(_("A rank is a number from 1 to %(n)d.", n=size))
                ranks.append((rank, index))
        if len({rank for rank, _index in ranks}) != len(ranks):
            raise Invalid(_("Give each rank to one option only."))
        return [index for _rank, index in sorted(ranks)]
    if kind == "approval":
        chosen = {as_id(v) for v in form.getlist("approve")}
        return [1 if index + 1 in chosen else 0 for index in range(size)]
    return [form.get(f"score-{index}", "") for index in range(size)]


@bp.route("/<int:session_id>/polls/<int:poll_id>/answer", methods=["POST"])
@login_required
def answer(slug: str, session_id: int, poll_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    poll = quickpolls.get_poll(session, poll_id)
    try:
        quickpolls.answer(current_participant(), session, poll.id, answer_from(poll, request.form))
    except CivicError as error:
        return _refused(consultation, session, error, "poll")
    flash(_("Your answer is recorded. The results are shown when the poll closes."), "success")
    return _back(slug, session_id, "poll")


@bp.route("/<int:session_id>/questions", methods=["POST"])
@login_required
def ask(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _page(consultation, session, 422, question_form=form)
    try:
        questions.ask(current_participant(), session, form.text.data or "")
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        form.text.errors = [*form.text.errors, error.message]
        return _page(consultation, session, error.status, question_form=form)
    flash(_("Your question is sent. It will be shown once a facilitator approves it."), "success")
    return _back(slug, session_id, "questions")


@bp.route("/<int:session_id>/questions/<int:question_id>/support", methods=["POST"])
@login_required
def support(slug: str, session_id: int, question_id: int) -> ResponseReturnValue:
    consultation, session = load(slug, session_id)
    try:
        supported = questions.support(current_participant(), session, question_id)
    except CivicError as error:
        return _refused(consultation, session, error, "questions")
    flash(_("You support this question.") if supported else _("Your support is withdrawn."), "success")
    return _back(slug, session_id, "questions")
