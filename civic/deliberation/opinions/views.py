"""Opinion-map pages: the maps of a consultation, voting one statement at a time, results, statements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import login_required

from civic import inputs
from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.opinions import chart, permissions, queries, runner, runs, services, transfer
from civic.deliberation.opinions.forms import (
    VOTE_LABELS,
    ImportForm,
    MapForm,
    SettingsForm,
    StatementForm,
    VoteForm,
)
from civic.deliberation.opinions.models import OpinionMap
from civic.errors import CivicError, Forbidden, NotFound
from civic.i18n import localized
from civic.timestamps import utcnow

bp = Blueprint("opinions", __name__, url_prefix="/c/<slug>/opinions")


def _load(slug: str, map_id: int) -> tuple[Consultation, OpinionMap]:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    return consultation, services.get_map(consultation, map_id, user)


def _question(opinion_map: OpinionMap) -> str:
    return str(localized(opinion_map, "question"))


@bp.route("")
def index(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    return render_template(
        "opinions/index.html",
        consultation=consultation,
        maps=services.maps_of(consultation),
        can_manage=permissions.can_manage_maps(user, consultation),
        is_open=permissions.opinions_open(consultation),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_manage_maps(user, consultation):
        raise Forbidden(_("Only the consultation's moderators open opinion maps."))
    form = MapForm()
    status = 200
    if form.validate_on_submit():
        try:
            opinion_map = services.create_map(
                user,
                consultation,
                form.question_fr.data or "",
                form.question_en.data or "",
                bool(form.allow_statements.data),
                (form.seeds.data or "").splitlines(),
            )
        except CivicError as error:
            if isinstance(error, Forbidden | NotFound):
                raise
            form.seeds.errors = [*form.seeds.errors, error.message]
            status = error.status
        else:
            flash(_("The opinion map is open."), "success")
            return redirect(url_for("opinions.show", slug=slug, map_id=opinion_map.id))
    elif request.method == "POST":
        status = 422
    return render_template("opinions/new.html", consultation=consultation, form=form), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_map(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_manage_maps(user, consultation):
        raise Forbidden(_("Only the consultation's moderators open opinion maps."))
    # An export is larger than any other form: this page alone accepts up to its own limit.
    request.max_content_length = int(current_app.config["OPINIONS_IMPORT_MAX_BYTES"])
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            opinion_map = transfer.import_export(
                user,
                consultation,
                form.question_fr.data or "",
                form.question_en.data or "",
                request.files.get("comments"),  # type: ignore[arg-type]
                request.files.get("votes") or None,  # type: ignore[arg-type]
                request.files.get("participants") or None,  # type: ignore[arg-type]
            )
        except CivicError as error:
            if isinstance(error, Forbidden | NotFound):
                raise
            form.comments.errors = [*form.comments.errors, error.message]
            status = error.status
        else:
            flash(_("The conversation is imported; its analysis follows in a few seconds."), "success")
            return redirect(url_for("opinions.results", slug=slug, map_id=opinion_map.id))
    elif request.method == "POST":
        status = 422
    return render_template("opinions/import.html", consultation=consultation, form=form), status


def _show(
    consultation: Consultation,
    opinion_map: OpinionMap,
    statement_form: StatementForm | None = None,
    vote_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = current_participant()
    statement, progress = services.next_statement(opinion_map, user)
    vote_form = VoteForm(formdata=None)
    if statement is not None:
        vote_form.statement.data = str(statement.id)
    return render_template(
        "opinions/show.html",
        consultation=consultation,
        opinion_map=opinion_map,
        statement=statement,
        progress=progress,
        vote_form=vote_form,
        vote_labels=VOTE_LABELS,
        vote_error=vote_error,
        statement_form=statement_form or StatementForm(formdata=None),
        settings_form=SettingsForm(
            formdata=None, status=opinion_map.status, allow_statements=opinion_map.allow_statements
        ),
        can_vote=permissions.can_vote(user, opinion_map),
        can_add=permissions.can_add_statement(user, opinion_map),
        can_manage=permissions.can_manage_maps(user, consultation),
    ), status


@bp.route("/<int:map_id>")
def show(slug: str, map_id: int) -> ResponseReturnValue:
    consultation, opinion_map = _load(slug, map_id)
    return _show(consultation, opinion_map)


@bp.route("/<int:map_id>/vote", methods=["POST"])
@login_required
def vote(slug: str, map_id: int) -> ResponseReturnValue:
    consultation, opinion_map = _load(slug, map_id)
    form = VoteForm()
    if not form.validate_on_submit():
        return _show(
            consultation, opinion_map, vote_error=_("Your vote could not be read. Try again."), status=422
        )
    choice = request.form.get("vote", "")
    try:
        services.vote(
            current_participant(),
            opinion_map,
            inputs.as_id(form.statement.data),
            services.VOTE_VALUES.get(choice),
            bool(form.important.data),
        )
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        return _show(consultation, opinion_map, vote_error=error.message, status=error.status)
    flash(_("Your vote is recorded: %(choice)s.", choice=VOTE_LABELS[choice]), "success")
    return redirect(url_for("opinions.show", slug=slug, map_id=map_id, _anchor="statement"))


@bp.route("/<int:map_id>/statements", methods=["GET", "POST"])
def statements(slug: str, map_id: int) -> ResponseReturnValue:
    """The map's statements, most voted first; a POST adds one (signed in)."""
    consultation, opinion_map = _load(slug, map_id)
    user = current_participant()
    if request.method == "POST":
        return _add_statement(consultation, opinion_map)
    with_hidden = permissions.can_manage_maps(user, consultation)
    page = queries.statement_page(opinion_map, inputs.page(request.args), with_hidden)
    return render_template(
        "opinions/statements.html",
        consultation=consultation,
        opinion_map=opinion_map,
        page=page,
        my_votes=services.my_votes(opinion_map, user),
        vote_labels=VOTE_LABELS,
        can_manage=with_hidden,
    )


def _add_statement(consultation: Consultation, opinion_map: OpinionMap) -> ResponseReturnValue:
    user = current_participant()
    if user is None:
        return redirect(url_for("accounts.sign_in", next=request.path))
    form = StatementForm()
    if not form.validate_on_submit():
        return _show(consultation, opinion_map, statement_form=form, status=422)
    try:
        services.add_statement(user, opinion_map, form.body.data or "")
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        form.body.errors = [*form.body.errors, error.message]
        return _show(consultation, opinion_map, statement_form=form, status=error.status)
    flash(_("Your statement is added. Others will now vote on it."), "success")
    return redirect(url_for("opinions.show", slug=consultation.slug, map_id=opinion_map.id))


@bp.route("/<int:map_id>/statements/<int:statement_id>")
def statement(slug: str, map_id: int, statement_id: int) -> ResponseReturnValue:
    """A statement's own page: its text (or the moderators' reason in its place) and its votes."""
    consultation, opinion_map = _load(slug, map_id)
    user = current_participant()
    found = services.get_statement(opinion_map, statement_id)
    mine = services.my_votes(opinion_map, user).get(found.id)
    vote_form = VoteForm(formdata=None)
    vote_form.statement.data = str(found.id)
    return render_template(
        "opinions/statement.html",
        consultation=consultation,
        opinion_map=opinion_map,
        statement=found,
        mine=mine,
        vote_form=vote_form,
        vote_labels=VOTE_LABELS,
        can_vote=permissions.can_vote_on(user, found),
        can_reuse=permissions.can_reuse_statement(user, found),
        show_hidden=permissions.can_manage_maps(user, consultation),
    )


@bp.route("/<int:map_id>/results")
def results(slug: str, map_id: int) -> ResponseReturnValue:
    consultation, opinion_map = _load(slug, map_id)
    report = queries.results(opinion_map, current_participant())
    if report.stale:
        runner.schedule(opinion_map.id)  # e.g. after a restart: the run happens in the background
    groups = [(g.id, g.letter, g.centre) for g in report.groups]
    dots, labels, me = chart.drawing(report.base_clusters, groups, report.my_position)
    return render_template(
        "opinions/results.html",
        consultation=consultation,
        opinion_map=opinion_map,
        report=report,
        dots=dots,
        labels=labels,
        me=me,
        chart=chart,
        my_letter=queries.letter(report.my_group),
        age=format_timedelta(report.computed_at - utcnow(), granularity="second", add_direction=True)
        if report.computed_at
        else "",
        can_manage=permissions.can_manage_maps(current_participant(), consultation),
        namespace=runs.NAMESPACE,
    )


@bp.route("/<int:map_id>/settings", methods=["POST"])
@login_required
def settings(slug: str, map_id: int) -> ResponseReturnValue:
    _consultation, opinion_map = _load(slug, map_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        raise CivicError(_("The settings could not be read. Try again."))
    services.change_settings(
        current_participant(), opinion_map, form.status.data or "", bool(form.allow_statements.data)
    )
    flash(_("The map's settings are saved."), "success")
    return redirect(url_for("opinions.show", slug=slug, map_id=map_id))


@bp.route("/<int:map_id>/export.zip")
def export(slug: str, map_id: int) -> ResponseReturnValue:
    """The map as open data: a ZIP of Pol.is-format CSV files, without names."""
    _consultation, opinion_map = _load(slug, map_id)
    data = transfer.export_zip(
        opinion_map,
        _question(opinion_map),
        url_for("opinions.show", slug=slug, map_id=map_id, _external=True),
    )
    headers: dict[str, Any] = {
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="opinion-map-{map_id}.zip"',
    }
    return data, 200, headers
