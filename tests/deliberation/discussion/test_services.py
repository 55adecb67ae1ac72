"""Discussion verbs: threads, replies, edits with the grace period, deletion placeholders, votes, locks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts import sanctions
from civic.deliberation.discussion import services
from civic.deliberation.discussion.models import Comment, CommentRevision, CommentVote, Thread
from civic.deliberation.moderation import services as moderation
from civic.deliberation.moderation.models import ModerationAction
from civic.errors import Forbidden, Invalid
from civic.extensions import db
from civic.notifications.models import Notification
from civic.timestamps import utcnow
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.usefixtures("app")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_thread_for_returns_one_thread_per_commentable() -> None:
    consultation = discussion_consultation()
    first = services.thread_for(consultation, "proposal", 12)
    again = services.thread_for(consultation, "proposal", 12)
    other = services.thread_for(consultation, "proposal", 13)
    assert first.id == again.id != other.id
    assert _count(Thread) == 2


def test_replies_store_path_root_and_depth() -> None:
    thread = make_thread(discussion_consultation())
    author = make_user()
    top = make_comment(thread, author)
    reply = make_comment(thread, author, parent=top)
    deeper = make_comment(thread, author, parent=reply)
    assert (top.depth, reply.depth, deeper.depth) == (0, 1, 2)
    assert deeper.root_id == reply.root_id == top.id
    assert deeper.path.startswith(reply.path + "/") and reply.path.startswith(top.path + "/")
    db.session.refresh(top)
    db.session.refresh(thread)
    assert (top.reply_count, top.descendant_count) == (1, 2)
    assert (thread.comment_count, thread.top_level_count) == (3, 1)


def test_markdown_is_rendered_and_sanitised_at_write_time() -> None:
    thread = make_thread(discussion_consultation())
    comment = make_comment(thread, make_user(), "**gras** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>gras</strong>" in comment.body_html
    assert "<script" not in comment.body_html and "javascript:" not in comment.body_html


def test_edit_within_grace_period_leaves_no_trace() -> None:
    thread = make_thread(discussion_consultation())
    author = make_user()
    comment = make_comment(thread, author, "Premier jet", minutes_ago=5)
    services.edit_comment(author, comment, "Premier jet corrigé")
    assert comment.body == "Premier jet corrigé" and comment.edited_at is None
    assert _count(CommentRevision) == 0


def test_late_edit_is_marked_and_keeps_the_earlier_text() -> None:
    thread = make_thread(discussion_consultation())
    author = make_user()
    comment = make_comment(thread, author, "Texte d'origine", minutes_ago=16)
    services.edit_comment(author, comment, "Texte revu")
    assert comment.edited_at is not None
    revision = db.session.scalar(select(CommentRevision))
    assert revision is not None and revision.body == "Texte d'origine"


def test_only_the_author_edits() -> None:
    thread = make_thread(discussion_consultation())
    comment = make_comment(thread, make_user())
    with pytest.raises(Forbidden):
        services.edit_comment(make_user(), comment, "Pas à moi")


def test_delete_leaves_a_placeholder_and_keeps_replies() -> None:
    thread = make_thread(discussion_consultation())
    author = make_user()
    top = make_comment(thread, author, "À supprimer", minutes_ago=20)
    services.edit_comment(author, top, "Version 2")
    reply = make_comment(thread, make_user(), parent=top)
    services.delete_comment(author, top)
    assert top.deleted and top.body == "" and top.body_html == ""
    assert _count(CommentRevision) == 0
    assert db.session.get(Comment, reply.id) is not None


def test_helpful_votes_toggle_and_switch() -> None:
    thread = make_thread(discussion_consultation())
    comment = make_comment(thread, make_user())
    voter = make_user()
    assert services.vote(voter, comment, 1) == 1
    assert (comment.helpful_up, comment.helpful_down, comment.helpful_score) == (1, 0, 1)
    assert services.vote(voter, comment, -1) == -1
    assert (comment.helpful_up, comment.helpful_down, comment.helpful_score) == (0, 1, -1)
    assert services.vote(voter, comment, -1) == 0
    assert (comment.helpful_up, comment.helpful_down) == (0, 0)
    assert _count(CommentVote) == 0


def test_author_cannot_vote_on_own_comment() -> None:
    thread = make_thread(discussion_consultation())
    author = make_user()
    comment = make_comment(thread, author)
    with pytest.raises(Forbidden):
        services.vote(author, comment, 1)


def test_locked_thread_refuses_comments_and_logs_the_lock() -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    thread = make_thread(consultation)
    services.set_locked(thread, True, actor=moderator)
    with pytest.raises(services.ThreadLocked):
        make_comment(thread, make_user())
    entry = db.session.scalar(select(ModerationAction))
    assert entry is not None and entry.action == "lock" and entry.kind == "thread"


def test_system_lock_needs_no_actor_and_is_idempotent() -> None:
    thread = make_thread(discussion_consultation())
    services.set_locked(thread, True)
    services.set_locked(thread, True)
    assert thread.locked and _count(ModerationAction) == 1


def test_citizen_cannot_lock() -> None:
    thread = make_thread(discussion_consultation())
    with pytest.raises(Forbidden):
        services.set_locked(thread, True, actor=make_user())


def test_phase_without_discussion_refuses_comments() -> None:
    thread = make_thread(discussion_consultation(open_now=False))
    with pytest.raises(services.DiscussionClosed):
        make_comment(thread, make_user())


def test_reply_to_a_comment_of_another_thread_is_invalid() -> None:
    consultation = discussion_consultation()
    proposal = make_proposal(consultation, make_user())
    thread, other = make_thread(consultation), make_thread(consultation, "proposal", proposal.id)
    foreign = make_comment(other, make_user())
    with pytest.raises(Invalid):
        make_comment(thread, make_user(), parent=foreign)
    assert _count(Comment) == 1


def test_reply_to_a_hidden_comment_is_forbidden() -> None:
    thread = make_thread(discussion_consultation())
    hidden = make_comment(thread, make_user())
    hidden.hidden = True
    db.session.commit()
    with pytest.raises(Forbidden):
        make_comment(thread, make_user(), parent=hidden)


def test_suspended_person_cannot_comment() -> None:
    admin, person = make_user(admin=True), make_user()
    moderation.sanction(admin, person.id, "suspension", "Propos injurieux", utcnow() + timedelta(days=3))
    thread = make_thread(discussion_consultation())
    with pytest.raises(sanctions.Sanctioned, match="Propos injurieux"):
        make_comment(thread, person)


def test_reply_notifies_the_parent_author_and_the_owner_once_each() -> None:
    owner, parent_author, replier = make_user(), make_user(), make_user(name="Amira")
    consultation = discussion_consultation()
    thread = make_thread(consultation, "proposal", make_proposal(consultation, owner).id, owner=owner)
    top = make_comment(thread, parent_author)
    make_comment(thread, replier, "Je réponds", parent=top)
    rows = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert rows == {(owner.id, "comment"), (parent_author.id, "reply")}


def test_nobody_is_notified_of_their_own_comment() -> None:
    owner = make_user()
    consultation = discussion_consultation()
    thread = make_thread(consultation, "proposal", make_proposal(consultation, owner).id, owner=owner)
    top = make_comment(thread, owner)
    make_comment(thread, owner, parent=top)
    assert _count(Notification) == 0


def test_a_hidden_proposal_takes_no_new_comments_even_if_its_discussion_is_not_locked() -> None:
    consultation = discussion_consultation()
    proposal = make_proposal(consultation, make_user())
    thread = make_thread(consultation, "proposal", proposal.id)
    proposal.hidden = True  # hidden without the lock moderation adds: the rule holds by itself
    db.session.commit()
    assert not thread.locked
    with pytest.raises(Forbidden):
        make_comment(thread, make_user())
    assert _count(Comment) == 0
