"""The facilitator's console and its forms: every button is a form (it works without JavaScript); with
JavaScript the same actions go over the socket (events.py) and the console refreshes in place."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from civic.accounts.models import User
from civic.accounts.participant import current_participant
from civic.consultations.models import Consultation
from civic.deliberation.live import (
    actions,
    agenda,
    links,
    minutes,
    permissions,
    queries,
    quickpolls,
    sessions,
    speakers,
)
from civic.deliberation.live.forms import (
    POLL_KIND_LABELS,
    AnnouncementForm,
    ItemForm,
    MinutesForm,
    QuickPollForm,
    SessionForm,
    SpeakerForm,
)
from civic.deliberation.live.models import AgendaItem, LiveSession
from civic.deliberation.live.pages import load, page_context, session_data, to_local
from civic.errors import CivicError, Forbidden, NotFound
from civic.extensions import db

bp = Blueprint("live_console", __name__, url_prefix="/c/<slug>/live")

# Where the page goes back to after each console button.
ANCHORS = {
    "start": "now", "end": "session", "next-item": "agenda", "start-item": "agenda", "item-up": "agenda",
    "item-down": "agenda", "remove-item": "agenda", "item-more": "now", "item-less": "now", "floor": "speakers",
    "done": "speakers", "turn-more": "now", "speaker-up": "speakers", "speaker-down": "speakers",
    "speaker-top": "speakers", "remove-speaker": "speakers", "newcomers-on": "speakers",
    "newcomers-off": "speakers", "open-poll": "polls", "close-poll": "polls", "hide-results": "polls",
    "approve": "questions", "reject": "questions", "answered": "questions", "clear-announcement": "announcement",
}  # fmt: skip
# Actions with forms of their own, which the socket also takes.
FORM_ACTIONS = {"add-speaker", "announce", "tally"}


def _facilitated(slug: str, session_id: int) -> tuple[Consultation, LiveSession, User]:
    consultation, session = load(slug, session_id)
    user = current_participant()
    if user is None or not permissions.can_facilitate(user, consultation):
        raise Forbidden(_("Only the consultation's moderators run its live sessions."))
    return consultation, session, user


def _item_form(consultation: Consultation, formdata: Any) -> ItemForm:
    """The agenda item form, reading `formdata` (None: shown empty, with its defaults)."""
    form = ItemForm(formdata=formdata)
    form.link.choices = [SelectChoice("", _("Nothing in particular"))] + [
        SelectChoice(value, text, optgroup=str(label))
        for label, options in links.choices(consultation)
        for value, text in options
    ]
    return form


def _console(
    consultation: Consultation,
    session: LiveSession,
    status: int = 200,
    error: str = "",
    item_form: ItemForm | None = None,
    speaker_form: SpeakerForm | None = None,
    announcement_form: AnnouncementForm | None = None,
    poll_form: QuickPollForm | None = None,
) -> ResponseReturnValue:
    """Render the console; a form given here is shown with its errors and what was typed."""
    return render_template(
        "live/console.html",
        **page_context(consultation, session),
        item_form=item_form or _item_form(consultation, None),
        speaker_form=speaker_form or SpeakerForm(formdata=None),
        announcement_form=announcement_form or AnnouncementForm(formdata=None),
        poll_form=poll_form or QuickPollForm(formdata=None),
        view=queries.console_view(session),
        error=error,
        poll_kinds=POLL_KIND_LABELS,
        outcome_of=minutes.outcome_text,
        can_start=permissions.can_start(current_participant(), session, consultation),
        live_open=permissions.live_open(consultation),
    ), status


def _back(slug: str, session_id: int, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("live_console.console", slug=slug, session_id=session_id, _anchor=anchor))


@bp.route("/<int:session_id>/console")
@login_required
def console(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, _user = _facilitated(slug, session_id)
    return _console(consultation, session)


@bp.route("/<int:session_id>/console", methods=["POST"])
@login_required
def act(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    name = request.form.get("action", "")
    try:
        actions.perform(
            name,
            user,
            session,
            request.form,
            {k: v for k, v in actions.CONSOLE.items() if k not in FORM_ACTIONS},
        )
    except CivicError as error:
        if isinstance(error, NotFound) and error.message == str(NotFound.default_message):
            raise
        return _console(consultation, session, error.status, error=error.message)
    flash(str(actions.MESSAGES[name]), "success")
    return _back(slug, session_id, ANCHORS.get(name, "session"))


@bp.route("/<int:session_id>/speakers", methods=["POST"])
@login_required
def add_speaker(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    form = SpeakerForm()
    if not form.validate_on_submit():
        return _console(consultation, session, 422, speaker_form=form)
    try:
        place = speakers.add_in_room(user, session, form.name.data or "", form.lane.data or "normal")
    except CivicError as error:
        form.name.errors = [*form.name.errors, error.message]
        return _console(consultation, session, error.status, speaker_form=form)
    flash(
        _("%(name)s is on the speakers' list, in place %(place)d.", name=form.name.data, place=place.place),
        "success",
    )
    return _back(slug, session_id, "speakers")


@bp.route("/<int:session_id>/announcement", methods=["POST"])
@login_required
def announce(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return _console(consultation, session, 422, announcement_form=form)
    try:
        sessions.pin_announcement(user, session, form.text.data or "")
    except CivicError as error:
        form.text.errors = [*form.text.errors, error.message]
        return _console(consultation, session, error.status, announcement_form=form)
    flash(_("The announcement is on every screen."), "success")
    return _back(slug, session_id, "announcement")


@bp.route("/<int:session_id>/polls", methods=["POST"])
@login_required
def new_poll(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    form = QuickPollForm()
    if not form.validate_on_submit():
        return _console(consultation, session, 422, poll_form=form)
    data = quickpolls.PollData(
        kind=form.kind.data or "",
        method=form.method.data or "",
        question_fr=form.question_fr.data or "",
        question_en=form.question_en.data or "",
        options_fr=form.options_fr.data or "",
        options_en=form.options_en.data or "",
        max_score=form.max_score.data or 5,
        open_now=bool(form.open_now.data),
    )
    try:
        quickpolls.create_poll(user, session, data)
    except CivicError as error:
        fields = error.errors if isinstance(error, quickpolls.PollInvalid) else {"question_fr": error.message}
        for field, message in fields.items():
            getattr(form, field).errors = [*getattr(form, field).errors, message]
        return _console(consultation, session, error.status, poll_form=form)
    flash(
        _("The poll is open.") if data.open_now else _("The poll is ready: open it when the time comes."),
        "success",
    )
    return _back(slug, session_id, "polls")


@bp.route("/<int:session_id>/polls/<int:poll_id>/tally", methods=["POST"])
@login_required
def tally(slug: str, session_id: int, poll_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    try:
        actions.perform("tally", user, session, {"poll": poll_id, "counts": request.form.getlist("counts")})
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        return _console(consultation, session, error.status, error=error.message)
    flash(_("The show of hands is recorded."), "success")
    return _back(slug, session_id, "polls")


@bp.route("/<int:session_id>/agenda", methods=["POST"])
@login_required
def add_item(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    form = _item_form(consultation, request.form)
    if not form.validate_on_submit():
        return _console(consultation, session, 422, item_form=form)
    try:
        agenda.add_item(user, session, _item_data(form))
    except CivicError as error:
        _errors(form, error)
        return _console(consultation, session, error.status, item_form=form)
    flash(_("The item is on the agenda."), "success")
    return _back(slug, session_id, "agenda")


def _item_data(form: ItemForm) -> agenda.ItemData:
    return agenda.ItemData(
        title_fr=form.title_fr.data or "",
        title_en=form.title_en.data or "",
        minutes=form.minutes.data or 0,
        link=form.link.data or "",
    )


def _errors(form: Any, error: CivicError) -> None:
    fields = getattr(error, "errors", None) or {"title_fr": error.message}
    for field, message in fields.items():
        getattr(form, field).errors = [*getattr(form, field).errors, message]


@bp.route("/<int:session_id>/agenda/<int:item_id>", methods=["GET", "POST"])
@login_required
def edit_item(slug: str, session_id: int, item_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.session_id != session.id:
        raise NotFound()
    form = _item_form(consultation, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "GET":
        form.title_fr.data, form.title_en.data = item.title_fr, item.title_en
        form.minutes.data = item.planned_minutes
        form.link.data = f"{item.link_kind}:{item.link_id}" if item.link_kind else ""
    elif form.validate_on_submit():
        try:
            agenda.update_item(user, session, item.id, _item_data(form))
        except CivicError as error:
            _errors(form, error)
            status = error.status
        else:
            flash(_("The item is changed."), "success")
            return _back(slug, session_id, "agenda")
    else:
        status = 422
    return render_template(
        "live/item_form.html", consultation=consultation, session=session, item=item, form=form
    ), status


@bp.route("/<int:session_id>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    form = SessionForm()
    status = 200
    if request.method == "GET":
        form.title_fr.data, form.title_en.data = session.title_fr, session.title_en
        form.starts_at.data = to_local(session.starts_at)
        form.place.data, form.online_url.data = session.place, session.online_url
        form.speaking_seconds.data = session.speaking_seconds
        form.newcomers_first.data = session.newcomers_first
    elif form.validate_on_submit():
        try:
            sessions.update_session(user, session, session_data(form))
        except CivicError as error:
            fields = (
                error.errors if isinstance(error, sessions.SessionInvalid) else {"title_fr": error.message}
            )
            for field, message in fields.items():
                getattr(form, field).errors = [*getattr(form, field).errors, message]
            status = error.status
        else:
            flash(_("The session is changed."), "success")
            return _back(slug, session_id, "session")
    else:
        status = 422
    return render_template(
        "live/session_form.html", consultation=consultation, form=form, session=session
    ), status


@bp.route("/<int:session_id>/minutes/edit", methods=["GET", "POST"])
@login_required
def edit_minutes(slug: str, session_id: int) -> ResponseReturnValue:
    consultation, session, user = _facilitated(slug, session_id)
    if not permissions.can_edit_minutes(user, session, consultation):
        raise Forbidden(_("The minutes are written once the session has ended."))
    form = MinutesForm()
    status = 200
    if request.method == "GET":
        form.text.data = session.minutes
    else:
        do = request.form.get("do", "save")
        try:
            if do == "redraft":
                minutes.redraft_minutes(user, session)
                flash(_("The minutes are drafted again from the session."), "success")
                return redirect(url_for("live_console.edit_minutes", slug=slug, session_id=session_id))
            if not form.validate_on_submit():
                status = 422
            else:
                publish = {"publish": True, "unpublish": False}.get(do)
                minutes.save_minutes(user, session, form.text.data or "", publish)
                flash(
                    {
                        True: _("The minutes are published on the consultation."),
                        False: _("The minutes are taken down; they stay here as a draft."),
                        None: _("The minutes are saved."),
                    }[publish],
                    "success",
                )
                return redirect(url_for("live_console.edit_minutes", slug=slug, session_id=session_id))
        except CivicError as error:
            form.text.errors = [*form.text.errors, error.message]
            status = error.status
    return render_template(
        "live/minutes_form.html", consultation=consultation, session=session, form=form
    ), status
