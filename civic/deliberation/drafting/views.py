"""Document pages: a consultation's documents, create one, read and edit one (with or without JavaScript)."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm

from civic import inputs
from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.discussion import queries as discussion_queries
from civic.deliberation.discussion import services as discussion
from civic.deliberation.drafting import diff, documents, editors, merge, modes, permissions, queries, restore
from civic.deliberation.drafting.amendments import queries as amendment_queries
from civic.deliberation.drafting.editor_texts import editor_texts
from civic.deliberation.drafting.forms import (
    MODE_NAMES,
    ROLE_NAMES,
    DocumentForm,
    DraftForm,
    EditorForm,
    SettingsForm,
    VersionForm,
)
from civic.deliberation.drafting.history import authorship, versions
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document
from civic.deliberation.drafting.sync.workspace import workspace
from civic.errors import CivicError, Forbidden, Invalid
from civic.text import render_markdown

bp = Blueprint("drafting", __name__, url_prefix="/c/<slug>/documents")


def _load(slug: str, document_id: int) -> tuple[Consultation, Document]:
    consultation = consultations.get_consultation(slug, current_participant())
    return consultation, documents.get_document(consultation, document_id, current_participant())


@bp.route("")
def index(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    return render_template(
        "drafting/index.html",
        consultation=consultation,
        documents=queries.document_list(consultation),
        mode_names=MODE_NAMES,
        can_manage=permissions.can_manage_documents(user, consultation),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if not permissions.can_manage_documents(user, consultation):
        raise Forbidden()
    form = DocumentForm()
    status = 200
    if form.validate_on_submit():
        try:
            document = documents.create_document(
                user,
                consultation,
                form.title_fr.data or "",
                form.title_en.data or "",
                form.text.data or "",
                form.mode.data,
            )
        except CivicError as error:
            form.text.errors = [*form.text.errors, error.message]
            status = error.status
        else:
            flash(_("The document has been created."), "success")
            return redirect(url_for("drafting.show", slug=slug, document_id=document.id))
    elif request.method == "POST":
        status = 422
    return render_template("drafting/form.html", consultation=consultation, form=form), status


def _show(
    consultation: Consultation,
    document: Document,
    settings: SettingsForm | None = None,
    editor: EditorForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """Render the reading page: the formatted text for everyone, and no editor code.

    Failed settings forms come back with what was typed and their errors.
    """
    user = current_participant()
    text, _base = log_rows.current_text(document.id)
    manage = permissions.can_manage_documents(user, consultation)
    if manage and settings is None:
        settings = SettingsForm(formdata=None, obj=document)
    thread = discussion.thread_for(consultation, "document", document.id)
    thread_view = discussion_queries.thread_view_for(thread, user, request.args)
    return render_template(
        "drafting/show.html",
        consultation=consultation,
        document=document,
        rendered=render_markdown(text),
        role=modes.role_of(user, document),
        drafting_open=consultations.component_enabled(consultation, "drafting"),
        settings=settings,
        editor_form=editor or EditorForm(formdata=None),
        can_manage=manage,
        mode_names=MODE_NAMES,
        thread_view=thread_view,
        amendment_counts=amendment_queries.amendment_counts(document),
    ), status


def _edit_page(
    consultation: Consultation,
    document: Document,
    draft: DraftForm | None = None,
    preview: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """Render the editing view: the live editor (with JavaScript) or the merge form, and a preview.

    `draft` comes back with what was typed when it was refused or previewed; `preview` is the text to
    show formatted (the stored one otherwise).
    """
    user = current_participant()
    role = modes.role_of(user, document)
    if draft is None and not _may_open_editor(role, document):
        raise Forbidden(_("You cannot edit this document."))
    text, base = log_rows.current_text(document.id)
    if draft is None:
        draft = DraftForm(formdata=None, data={"text": text, "base": str(base)})
    return render_template(
        "drafting/edit.html",
        consultation=consultation,
        document=document,
        role=role,
        me=modes.person(user),
        people=workspace().presence.people(document.id),
        draft=draft,
        preview=render_markdown(text if preview is None else preview),
        role_names=ROLE_NAMES,
        max_bytes=current_app.config["DRAFTING_MAX_TEXT_BYTES"],
        editor_texts=editor_texts(),
    ), status


def _may_open_editor(role: str, document: Document) -> bool:
    """Editors write; in suggest mode the others select a passage in the live text to amend it."""
    return role == permissions.EDITOR or (role == permissions.SUGGESTER and document.mode == Document.SUGGEST)


@bp.route("/<int:document_id>")
def show(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    return _show(consultation, document)


@bp.route("/<int:document_id>/edit")
@login_required
def edit(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    return _edit_page(consultation, document)


@bp.route("/<int:document_id>", methods=["POST"])
@login_required
def save(slug: str, document_id: int) -> ResponseReturnValue:
    """The no-JavaScript edit: merge the submitted text with what others wrote since its base.

    With `preview` in the form, nothing is saved: the editing view comes back with the text formatted.
    """
    consultation, document = _load(slug, document_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _edit_page(consultation, document, draft=form, status=400)
    if request.form.get("preview"):
        if modes.role_of(current_participant(), document) != permissions.EDITOR:
            raise Forbidden(_("You cannot edit this document."))
        try:
            documents.check_text_size(form.text.data or "")
        except CivicError as error:
            form.text.errors = [*form.text.errors, error.message]
            return _edit_page(consultation, document, draft=form, status=error.status)
        return _edit_page(consultation, document, draft=form, preview=form.text.data or "")
    base = inputs.as_id(form.base.data) if form.base.data != "0" else 0
    try:
        if base is None:
            raise merge.stale_base()
        row = merge.merge_text(current_participant(), document, base, form.text.data or "")
    except CivicError as error:
        form.text.errors = [*form.text.errors, error.message]
        return _edit_page(consultation, document, draft=form, status=error.status)
    flash(_("Your changes are saved.") if row else _("No change to save."), "success")
    return redirect(url_for("drafting.show", slug=slug, document_id=document.id))


@bp.route("/<int:document_id>/preview", methods=["POST"])
@login_required
def preview(slug: str, document_id: int) -> ResponseReturnValue:
    """The live editor's preview: the text as the reading page will show it (the same sanitiser)."""
    _consultation, document = _load(slug, document_id)
    if modes.role_of(current_participant(), document) != permissions.EDITOR:
        raise Forbidden(_("You cannot edit this document."))
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        raise Invalid(_("The form has expired. Please try again."))
    text = documents.normalise_text(request.form.get("text", ""))
    documents.check_text_size(text)
    return str(render_markdown(text)), 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/<int:document_id>/settings", methods=["POST"])
@login_required
def settings(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    if not permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            documents.update_document(
                current_participant(),
                document,
                form.title_fr.data or "",
                form.title_en.data or "",
                form.mode.data,
                form.max_editors.data,
            )
        except CivicError as error:
            form.mode.errors = [*form.mode.errors, error.message]
            return _show(consultation, document, settings=form, status=error.status)
        flash(_("The document settings are saved."), "success")
        return redirect(url_for("drafting.show", slug=slug, document_id=document.id, _anchor="settings"))
    return _show(consultation, document, settings=form, status=422)


@bp.route("/<int:document_id>/editors", methods=["POST"])
@login_required
def add_editor(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    if not permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    form = EditorForm()
    if form.validate_on_submit():
        try:
            added = editors.add_editor(current_participant(), document, form.email.data)
        except CivicError as error:
            form.email.errors = [*form.email.errors, error.message]
            return _show(consultation, document, editor=form, status=error.status)
        flash(_("%(name)s is now a co-author.", name=added.display_name), "success")
        return redirect(url_for("drafting.show", slug=slug, document_id=document.id, _anchor="settings"))
    return _show(consultation, document, editor=form, status=422)


@bp.route("/<int:document_id>/editors/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_editor(slug: str, document_id: int, user_id: int) -> ResponseReturnValue:
    _consultation, document = _load(slug, document_id)
    editors.remove_editor(current_participant(), document, user_id)
    flash(_("The co-author has been removed."), "success")
    return redirect(url_for("drafting.show", slug=slug, document_id=document.id, _anchor="settings"))


# ---- history: versions, compare, restore, who wrote what ----------------------------------------------


def _history_page(
    consultation: Consultation,
    document: Document,
    page: int = 1,
    form: VersionForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = current_participant()
    manage = permissions.can_manage_documents(user, consultation)
    rows, more = queries.history(document, page)
    if manage and form is None:
        form = VersionForm(formdata=None)
    choices = queries.version_choices(document)
    return render_template(
        "drafting/history.html",
        consultation=consultation,
        document=document,
        rows=rows,
        page=page,
        more=more,
        choices=choices,
        selected=(choices[1][0] if len(choices) > 1 else None, choices[0][0] if choices else None),
        form=form if manage else None,
    ), status


@bp.route("/<int:document_id>/history")
def history(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    versions.prepare_history(document)
    return _history_page(consultation, document, inputs.page(request.args))


@bp.route("/<int:document_id>/versions", methods=["POST"])
@login_required
def name_version(slug: str, document_id: int) -> ResponseReturnValue:
    """A moderator names the current text as a version."""
    consultation, document = _load(slug, document_id)
    if not permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    form = VersionForm()
    if not form.validate_on_submit():
        return _history_page(consultation, document, form=form, status=422)
    try:
        version = versions.name_version(current_participant(), document, form.name.data or "")
    except CivicError as error:
        form.name.errors = [*form.name.errors, error.message]
        return _history_page(consultation, document, form=form, status=error.status)
    flash(_("Version %(n)d is recorded.", n=version.number), "success")
    return redirect(url_for("drafting.history", slug=slug, document_id=document.id))


def _version_page(
    consultation: Consultation, document: Document, number: int, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    version = versions.get_version(document, number)
    return render_template(
        "drafting/version.html",
        consultation=consultation,
        document=document,
        row=queries.version_row(version),
        rendered=render_markdown(version.text),
        can_restore=permissions.can_manage_documents(current_participant(), consultation)
        and document.mode != Document.FINAL,
        error=error,
    ), status


@bp.route("/<int:document_id>/versions/<int:number>")
def version(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    return _version_page(consultation, document, number)


@bp.route("/<int:document_id>/versions/<int:number>/restore", methods=["POST"])
@login_required
def restore_version(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    """A moderator makes an old version's text current again (a new version)."""
    consultation, document = _load(slug, document_id)
    if not permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    versions.get_version(document, number)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        return _version_page(
            consultation, document, number, _("The form has expired. Please try again."), status=400
        )
    try:
        restored = restore.restore_version(current_participant(), document, number)
    except CivicError as error:
        return _version_page(consultation, document, number, error.message, status=error.status)
    flash(_("Version %(old)d is restored as version %(new)d.", old=number, new=restored.number), "success")
    return redirect(url_for("drafting.history", slug=slug, document_id=document.id))


def _number(value: str | None) -> int:
    if value is None or not re.fullmatch(r"[0-9]{1,9}", value):
        raise Invalid(_("Choose two versions to compare."))
    return int(value)  # 0 or one past the last: a version that is not found


@bp.route("/<int:document_id>/compare")
def compare(slug: str, document_id: int) -> ResponseReturnValue:
    """Any two versions side by side as one text with insertions and deletions marked."""
    consultation, document = _load(slug, document_id)
    choices = queries.version_choices(document)
    older = newer = None
    if "from" in request.args or "to" in request.args:
        try:
            old_number, new_number = _number(request.args.get("from")), _number(request.args.get("to"))
        except Invalid as error:
            return render_template(
                "drafting/compare.html",
                consultation=consultation,
                document=document,
                choices=choices,
                selected=(request.args.get("from"), request.args.get("to")),
                error=error.message,
            ), 400
        older = versions.get_version(document, old_number)
        newer = versions.get_version(document, new_number)
    elif len(choices) > 1:
        older = versions.get_version(document, choices[1][0])
        newer = versions.get_version(document, choices[0][0])
    segments = diff.compare(older.text, newer.text) if older and newer else []
    return render_template(
        "drafting/compare.html",
        consultation=consultation,
        document=document,
        choices=choices,
        selected=(older.number if older else None, newer.number if newer else None),
        older=older,
        newer=newer,
        segments=segments,
        stats=diff.stats(segments),
        error=None,
    )


@bp.route("/<int:document_id>/authors")
def authors(slug: str, document_id: int) -> ResponseReturnValue:
    """Who wrote what in the current text: stretches of the source marked with their author."""
    consultation, document = _load(slug, document_id)
    runs = authorship.authorship(document)
    names = queries.names_of({run.author for run in runs if run.author is not None})
    sizes: dict[int | None, int] = {}
    for run in runs:
        sizes[run.author] = sizes.get(run.author, 0) + len(run.text)
    legend = sorted(sizes, key=lambda author: -sizes[author])  # who wrote most first
    return render_template(
        "drafting/authors.html",
        consultation=consultation,
        document=document,
        runs=runs,
        names=names,
        order={author: index for index, author in enumerate(legend, start=1)},
        legend=legend,
        sizes=sizes,
    )
