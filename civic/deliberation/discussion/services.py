"""Discussion verbs: open a thread, post, reply, edit, delete, vote, lock. Each commits once, then publishes."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from civic import realtime
from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.discussion import commentables, permissions
from civic.deliberation.discussion.models import (
    STANCES,
    Comment,
    CommentRevision,
    CommentVote,
    Thread,
    path_segment,
)
from civic.deliberation.moderation import services as moderation
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.i18n import written_language
from civic.notifications import services as notifications
from civic.notifications.models import Notification
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

BODY_MAX = 5000
NAMESPACE = "/discussion"


class ThreadLocked(Conflict):
    pass


class DiscussionClosed(Conflict):
    pass


def thread_room(thread_id: int) -> str:
    return realtime.room("thread", thread_id)


def publish(event: str, thread_id: int, **data: object) -> None:
    """Tell everyone on the thread's page; clients fetch the comment as HTML in their own language."""
    realtime.publish(event, {"thread_id": thread_id, **data}, to=thread_room(thread_id), namespace=NAMESPACE)


def _count_visible(thread: Thread, delta: int, top_level: int = 0) -> None:
    """Move the thread's visible-comment count (and its commentable's copy) in the caller's transaction.

    `top_level` counts top-level comments ever posted (placeholders included: they keep their place in
    the pages), so it only moves when a comment is posted.
    """
    # Counters updated in SQL, so that concurrent changes do not overwrite each other.
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(
            comment_count=Thread.comment_count + delta,
            top_level_count=Thread.top_level_count + top_level,
        )
    )
    commentables.changed(thread.kind, thread.target_id, delta)


def thread_for(consultation: Consultation, kind: str, target_id: int, owner_id: int | None = None) -> Thread:
    """Return the discussion of a commentable, creating it on first use (commits)."""
    query = select(Thread).where(Thread.kind == kind, Thread.target_id == target_id)
    thread = db.session.scalar(query)
    if thread is not None:
        if owner_id is not None and thread.owner_id != owner_id:
            thread.owner_id = owner_id
            db.session.commit()
        return thread
    thread = Thread(consultation_id=consultation.id, kind=kind, target_id=target_id, owner_id=owner_id)
    db.session.add(thread)
    try:
        db.session.commit()
    except IntegrityError:  # another request created it meanwhile
        db.session.rollback()
        thread = db.session.scalar(query)
        if thread is None:
            raise
    return thread


def get_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound()
    return thread


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    return comment


def consultation_of(thread: Thread, user: User | None) -> Consultation:
    """Return the thread's consultation if this user may read the thread; NotFound otherwise.

    Both the consultation and what the thread discusses must be readable (a draft proposal's
    discussion is its author's, however public its consultation).
    """
    consultation = db.session.get(Consultation, thread.consultation_id)
    if (
        consultation is None
        or not permissions.can_view_thread(user, consultation)
        or not commentables.readable(thread.kind, thread.target_id, user)
    ):
        raise NotFound()
    return consultation


def readable_thread(thread_id: int, user: User | None) -> tuple[Thread, Consultation]:
    """Return a thread and its consultation if this user may read it; NotFound otherwise."""
    thread = get_thread(thread_id)
    return thread, consultation_of(thread, user)


def readable_comment(comment_id: int, user: User | None) -> tuple[Comment, Thread, Consultation]:
    """Return a comment (perhaps hidden or deleted: its place) with its thread and consultation, if this
    user may read its thread; NotFound otherwise."""
    comment = get_comment(comment_id)
    thread, consultation = readable_thread(comment.thread_id, user)
    return comment, thread, consultation


def can_read_comment(comment: Comment, user: User | None) -> bool:
    """Tell whether this person may see the comment where it stands (moderation aside; not deleted)."""
    try:
        consultation_of(get_thread(comment.thread_id), user)
    except NotFound:
        return False
    return not comment.deleted


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid(_("Write your comment first."))
    if is_blank(body):
        raise Invalid(_("Your comment shows nothing: it is made only of spaces or invisible characters."))
    if len(body) > BODY_MAX:
        raise Invalid(
            _("A comment has at most %(n)d characters; this one has %(count)d.", n=BODY_MAX, count=len(body))
        )
    return body


def _clean_stance(stance: str | None) -> str | None:
    if not stance:
        return None
    if stance not in STANCES:
        raise Invalid(_("Unknown stance."))
    return stance


def _ensure_can_write(user: User | None, consultation: Consultation, thread: Thread, now: datetime) -> User:
    if user is None:
        raise Forbidden(_("Please sign in to take part in the discussion."))
    ensure_can_participate(user)
    if thread.locked:
        raise ThreadLocked(_("This discussion is locked: no new comments."))
    if not commentables.accepting(thread.kind, thread.target_id):
        raise Forbidden(
            _("What this discussion is about was hidden by the moderators: it takes no new comments.")
        )
    if not permissions.discussion_open(consultation, now):
        raise DiscussionClosed(_("The discussion is closed in the current phase."))
    return user


def comment_url(comment: Comment) -> str:
    return url_for("discussion.comment", comment_id=comment.id, _anchor=f"comment-{comment.id}")


def post_comment(
    user: User | None,
    thread: Thread,
    body: str,
    stance: str | None = None,
    parent_id: int | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> Comment:
    """Post a comment, or a reply to `parent_id` in the same thread; tell the people concerned.

    `language` is the one the author wrote in; by default the page's, as they read it while writing.
    """
    now = now or utcnow()
    consultation = consultation_of(thread, user)
    author = _ensure_can_write(user, consultation, thread, now)
    body, stance = _clean_body(body), _clean_stance(stance)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.thread_id != thread.id:
            raise Invalid(_("You can only reply to a comment of this discussion."))
        if not parent.visible:
            raise Forbidden(_("This comment was deleted or hidden: it cannot receive replies."))
    comment = Comment(
        thread_id=thread.id,
        consultation_id=thread.consultation_id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        body=body,
        body_html=str(render_markdown(body)),
        language=written_language(language),
        stance=stance,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    comment.path = f"{parent.path}/{path_segment(comment.id)}" if parent else path_segment(comment.id)
    comment.root_id = parent.root_id if parent else comment.id
    _count_visible(thread, 1, top_level=0 if parent else 1)
    if parent is not None:
        db.session.execute(
            update(Comment).where(Comment.id == parent.id).values(reply_count=Comment.reply_count + 1)
        )
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.root_id)
            .values(descendant_count=Comment.descendant_count + 1)
        )
    notices: list[Notification] = []
    url = comment_url(comment)
    excerpt = " ".join(body.split())[:200]
    parent_author = parent.author_id if parent is not None else None
    if parent_author is not None and parent_author != author.id:
        notices.append(
            notifications.notify(
                parent_author, "reply", consultation.id, url, author.display_name, excerpt, commit=False
            )
        )
    owner = thread.owner_id
    if owner is not None and owner not in (author.id, parent_author):
        notices.append(
            notifications.notify(
                owner, "comment", consultation.id, url, author.display_name, excerpt, commit=False
            )
        )
    db.session.commit()
    db.session.expire(thread, ["comment_count", "top_level_count"])
    if parent is not None:
        db.session.expire(parent, ["reply_count", "descendant_count"])
    for notice in notices:
        notifications.deliver(notice)
    publish(
        "comment.created", thread.id, comment_id=comment.id, parent_id=comment.parent_id, depth=comment.depth
    )
    return comment


def edit_comment(
    user: User | None, comment: Comment, body: str, stance: str | None = None, now: datetime | None = None
) -> None:
    """Change a comment: silently within the grace period, afterwards marked "edited" with the old text kept."""
    now = now or utcnow()
    thread = get_thread(comment.thread_id)
    consultation = consultation_of(thread, user)
    if user is None or not permissions.is_author(user, comment):
        raise Forbidden(_("Only its author can edit a comment."))
    ensure_can_participate(user)
    if not permissions.can_edit_comment(user, comment, thread):  # then say which of its conditions fails
        if not comment.visible:
            raise Conflict(_("This comment was deleted or hidden: it cannot be edited."))
        raise ThreadLocked(_("This discussion is locked: no new comments."))
    if not permissions.discussion_open(consultation, now):
        raise DiscussionClosed(_("The discussion is closed in the current phase."))
    body, stance = _clean_body(body), _clean_stance(stance)
    if body == comment.body and stance == comment.stance:
        return
    if not permissions.in_grace(comment, now):
        db.session.add(
            CommentRevision(
                comment_id=comment.id,
                body=comment.body,
                body_html=comment.body_html,
                written_at=comment.edited_at or comment.created_at,
                replaced_at=now,
            )
        )
        comment.edited_at = now
    comment.body, comment.body_html, comment.stance = body, str(render_markdown(body)), stance
    db.session.commit()
    publish("comment.edited", thread.id, comment_id=comment.id)


def delete_comment(user: User | None, comment: Comment) -> None:
    """Remove a comment's text for good; a "comment deleted" placeholder keeps its replies in place."""
    if not permissions.can_delete_comment(user, comment):
        raise Forbidden(_("Only its author can delete a comment."))
    if not comment.hidden:  # a hidden comment was already out of the count
        _count_visible(get_thread(comment.thread_id), -1)
    comment.deleted = True
    comment.body = comment.body_html = ""
    notifications.forget_text(comment_url(comment))
    comment.stance = None
    db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id == comment.id))
    db.session.commit()
    publish("comment.deleted", comment.thread_id, comment_id=comment.id)


def vote(user: User | None, comment: Comment, value: int) -> int:
    """Mark a comment helpful (+1) or not (-1); the same vote again withdraws it. Returns the vote now held."""
    if user is None:
        raise Forbidden()
    consultation_of(get_thread(comment.thread_id), user)
    ensure_can_participate(user)
    if not permissions.can_vote(user, comment):
        if permissions.is_author(user, comment) and comment.visible:
            raise Forbidden(_("You cannot vote on your own comment."))
        raise Forbidden(_("This comment was deleted or hidden."))
    if value not in (1, -1):
        raise Invalid()
    existing = db.session.scalar(
        select(CommentVote).where(CommentVote.comment_id == comment.id, CommentVote.user_id == user.id)
    )
    up = down = 0
    held = value
    if existing is None:
        db.session.add(CommentVote(comment_id=comment.id, user_id=user.id, value=value))
        up, down = (1, 0) if value == 1 else (0, 1)
    elif existing.value == value:
        db.session.delete(existing)
        up, down = (-1, 0) if value == 1 else (0, -1)
        held = 0
    else:
        existing.value = value
        up, down = (1, -1) if value == 1 else (-1, 1)
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(
            helpful_up=Comment.helpful_up + up,
            helpful_down=Comment.helpful_down + down,
            helpful_score=Comment.helpful_score + up - down,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same person voted twice at the same instant: the first vote counts
        db.session.rollback()
        raise Conflict(_("Your vote was already counted.")) from None
    db.session.expire(comment, ["helpful_up", "helpful_down", "helpful_score"])
    return held


def set_locked(thread: Thread, locked: bool, actor: User | None = None) -> None:
    """Lock or unlock a discussion; actor None is the system (e.g. a hidden or withdrawn proposal)."""
    consultation = db.session.get(Consultation, thread.consultation_id)
    if consultation is None:
        raise NotFound()
    if actor is not None and not permissions.can_lock(actor, consultation):
        raise Forbidden()
    ensure_can_participate(actor)
    if thread.locked == locked:
        if actor is None:
            return
        raise Conflict(
            _("This discussion is already locked.") if locked else _("This discussion is not locked.")
        )
    thread.locked = locked
    moderation.record(consultation.id, "lock" if locked else "unlock", "thread", thread.id, "", actor)
    db.session.commit()
    publish("thread.locked" if locked else "thread.unlocked", thread.id)


def on_visibility(comment: Comment, visible: bool) -> None:
    """Count a comment a moderator (or enough flags) hid or restored; called before moderation commits."""
    if not comment.deleted:  # a deleted comment stays out of the count whatever its moderation
        _count_visible(get_thread(comment.thread_id), 1 if visible else -1)


def on_moderation(comment: Comment, action: str) -> None:
    """Announce a moderator's hide or restore (called by moderation after its commit)."""
    publish(
        "comment.hidden" if action == "hidden" else "comment.restored",
        comment.thread_id,
        comment_id=comment.id,
    )


def load_for_moderation(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)
