"""Who may read, write, edit, vote and lock in a discussion: pure predicates, tested as tables."""

from __future__ import annotations

from datetime import datetime, timedelta

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.permissions import can_view_consultation
from civic.consultations.services import component_enabled
from civic.deliberation.discussion.models import Comment, Thread
from civic.deliberation.moderation.permissions import can_moderate

# An edit within this time after posting leaves no trace (typos); later edits are marked and kept.
EDIT_GRACE = timedelta(minutes=15)


def can_view_thread(user: User | None, consultation: Consultation) -> bool:
    return can_view_consultation(user, consultation)


def discussion_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """The consultation is open and its current phase enables the discussion component."""
    return component_enabled(consultation, "discussion", now)


def can_comment(
    user: User | None, consultation: Consultation, thread: Thread, now: datetime | None = None
) -> bool:
    return (
        user is not None
        and can_view_consultation(user, consultation)
        and not thread.locked
        and discussion_open(consultation, now)
    )


def is_author(user: User | None, comment: Comment) -> bool:
    return user is not None and comment.author_id == user.id


def can_edit_comment(user: User | None, comment: Comment, thread: Thread) -> bool:
    return is_author(user, comment) and comment.visible and not thread.locked


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    return is_author(user, comment) and not comment.deleted


def can_vote(user: User | None, comment: Comment) -> bool:
    return user is not None and not is_author(user, comment) and comment.visible


def can_lock(user: User | None, consultation: Consultation) -> bool:
    return can_moderate(user, consultation)


def in_grace(comment: Comment, now: datetime) -> bool:
    return now - comment.created_at <= EDIT_GRACE
