"""Discussion pages and forms: the consultation's discussion, a comment's own page, reply, edit, vote."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from civic.accounts.participant import current_participant
from civic.consultations.services import get_consultation
from civic.deliberation.discussion import permissions, queries, services
from civic.deliberation.discussion.forms import STANCE_LABELS, CommentForm
from civic.deliberation.discussion.models import Comment, Thread
from civic.errors import CivicError, Forbidden, NotFound
from civic.extensions import limiter
from civic.security import safe_next

bp = Blueprint("discussion", __name__)


def _user_key() -> str:
    # Per person, not per address: a community centre's computers share one address.
    user = current_participant()
    return f"user:{user.id}" if user is not None else "anonymous"


def _comment_limits() -> str:
    return str(current_app.config["COMMENT_LIMITS"])


def _back(comment: Comment | None = None, fallback: str | None = None) -> str:
    target = safe_next(request.values.get("next")) or fallback or url_for("consultations.index")
    target = target.split("#", 1)[0]
    return f"{target}#comment-{comment.id}" if comment is not None else target


def _compose(
    form: CommentForm,
    thread: Thread,
    status: int,
    parent: Comment | None = None,
    comment: Comment | None = None,
) -> ResponseReturnValue:
    """Re-render a comment form on its own page, with the errors and what was typed."""
    consultation = services.consultation_of(thread, current_participant())
    if comment is not None:
        heading, action = _("Edit my comment"), url_for("discussion.edit", comment_id=comment.id)
    elif parent is not None:
        heading, action = _("Reply to a comment"), url_for("discussion.reply", comment_id=parent.id)
    else:
        heading, action = _("Add a comment"), url_for("discussion.post", thread_id=thread.id)
    return render_template(
        "discussion/compose.html",
        heading=heading,
        action=action,
        form=form,
        thread=thread,
        consultation=consultation,
        parent=parent,
        comment=comment,
        stance_labels=STANCE_LABELS,
    ), status


@bp.route("/c/<slug>/discussion")
def consultation_thread(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = get_consultation(slug, user)
    thread = services.thread_for(consultation, "consultation", consultation.id)
    view = queries.thread_view_for(thread, user, request.args)
    return render_template(
        "discussion/consultation.html",
        consultation=consultation,
        thread_view=view,
        stance_labels=STANCE_LABELS,
    )


@bp.route("/discussion/threads/<int:thread_id>/comments", methods=["POST"])
@login_required
@limiter.shared_limit(_comment_limits, scope="comments", key_func=_user_key)
def post(thread_id: int) -> ResponseReturnValue:
    thread, _consultation = services.readable_thread(thread_id, current_participant())
    form = CommentForm()
    if not form.validate_on_submit():
        return _compose(form, thread, 422)
    try:
        comment = services.post_comment(
            current_participant(), thread, form.body.data, form.stance.data or None
        )
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        form.body.errors = [*form.body.errors, error.message]
        return _compose(form, thread, error.status)
    flash(_("Your comment is published."), "success")
    return redirect(_back(comment, url_for("discussion.comment", comment_id=comment.id)))


@bp.route("/discussion/comments/<int:comment_id>")
def comment(comment_id: int) -> ResponseReturnValue:
    """A comment with its replies: the "continue this thread" page and the comment's permanent address."""
    user = current_participant()
    target, _thread, _consultation = services.readable_comment(comment_id, user)
    view = queries.subthread_view(target, user)
    parent = services.get_comment(target.parent_id) if target.parent_id else None
    return render_template(
        "discussion/comment.html",
        consultation=view.consultation,
        thread_view=view,
        parent=parent,
        stance_labels=STANCE_LABELS,
    )


@bp.route("/discussion/comments/<int:comment_id>/fragment")
def fragment(comment_id: int) -> ResponseReturnValue:
    """One comment as HTML, in the reader's language, for the page's script to insert or refresh."""
    user = current_participant()
    target, _thread, _consultation = services.readable_comment(comment_id, user)
    view = queries.single_view(target, user)
    return render_template(
        "discussion/_fragment.html",
        consultation=view.consultation,
        thread_view=view,
        node=view.nodes[0],
        stance_labels=STANCE_LABELS,
        page_path=safe_next(request.args.get("next")) or url_for("discussion.comment", comment_id=comment_id),
    )


@bp.route("/discussion/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@login_required
@limiter.shared_limit(_comment_limits, scope="comments", key_func=_user_key, methods=["POST"])
def reply(comment_id: int) -> ResponseReturnValue:
    user = current_participant()
    parent, thread, _consultation = services.readable_comment(comment_id, user)
    form = CommentForm()
    if request.method == "GET":
        if not parent.visible:
            raise Forbidden(_("This comment was deleted or hidden: it cannot receive replies."))
        form.next.data = safe_next(request.args.get("next")) or ""
        return _compose(form, thread, 200, parent=parent)
    if not form.validate_on_submit():
        return _compose(form, thread, 422, parent=parent)
    try:
        comment = services.post_comment(user, thread, form.body.data, form.stance.data or None, parent.id)
    except CivicError as error:
        if isinstance(error, NotFound):
            raise
        form.body.errors = [*form.body.errors, error.message]
        return _compose(form, thread, error.status, parent=parent)
    flash(_("Your reply is published."), "success")
    return redirect(_back(comment, url_for("discussion.comment", comment_id=parent.id)))


@bp.route("/discussion/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int) -> ResponseReturnValue:
    user = current_participant()
    target, thread, _consultation = services.readable_comment(comment_id, user)
    if not permissions.is_author(user, target):
        raise Forbidden(_("Only its author can edit a comment."))
    form = CommentForm()
    if request.method == "GET":
        form.body.data, form.stance.data = target.body, target.stance or ""
        form.next.data = safe_next(request.args.get("next")) or ""
        return _compose(form, thread, 200, comment=target)
    if not form.validate_on_submit():
        return _compose(form, thread, 422, comment=target)
    try:
        services.edit_comment(user, target, form.body.data, form.stance.data or None)
    except CivicError as error:
        form.body.errors = [*form.body.errors, error.message]
        return _compose(form, thread, error.status, comment=target)
    flash(_("Your comment is updated."), "success")
    return redirect(_back(target, url_for("discussion.comment", comment_id=target.id)))


@bp.route("/discussion/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete(comment_id: int) -> ResponseReturnValue:
    user = current_participant()
    target, _thread, _consultation = services.readable_comment(comment_id, user)
    services.delete_comment(user, target)
    flash(_("Your comment is deleted. Its replies stay in place."), "success")
    return redirect(_back(target, url_for("discussion.comment", comment_id=target.id)))


@bp.route("/discussion/comments/<int:comment_id>/vote", methods=["POST"])
@login_required
def vote(comment_id: int) -> ResponseReturnValue:
    user = current_participant()
    target, _thread, _consultation = services.readable_comment(comment_id, user)
    value = {"up": 1, "down": -1}.get(request.form.get("value", ""), 0)
    held = services.vote(user, target, value)
    messages = {1: _("Marked as helpful."), -1: _("Marked as not helpful."), 0: _("Your vote is withdrawn.")}
    flash(messages[held], "success")
    return redirect(_back(target, url_for("discussion.comment", comment_id=target.id)))


@bp.route("/discussion/comments/<int:comment_id>/history")
def history(comment_id: int) -> ResponseReturnValue:
    target, _thread, consultation = services.readable_comment(comment_id, current_participant())
    return render_template(
        "discussion/history.html",
        consultation=consultation,
        comment=target,
        revisions=queries.revisions(target) if target.visible else [],
    )


@bp.route("/discussion/threads/<int:thread_id>/lock", methods=["POST"])
@login_required
def lock(thread_id: int) -> ResponseReturnValue:
    user = current_participant()
    thread, _consultation = services.readable_thread(thread_id, user)
    locked = request.form.get("locked") == "1"
    services.set_locked(thread, locked, actor=user)
    flash(_("The discussion is locked.") if locked else _("The discussion is open again."), "success")
    return redirect(_back(None, url_for("consultations.index")))
