"""A proposal's comment count (the "most discussed" sort) follows its discussion's visible comments on
every path — post, reply, delete, hide, automatic hide, restore — in the discussion's own transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.discussion import commentables
from civic.deliberation.discussion import services as discussion
from civic.deliberation.discussion.models import Thread
from civic.deliberation.moderation import services as moderation
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from tests.conftest import html_text
from tests.deliberation.factories import bulk_comments, discussion_consultation, make_comment
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.usefixtures("app")


def _stored(proposal: Proposal) -> tuple[int, int]:
    """The proposal's count and its thread's, as committed (read fresh from the database)."""
    db.session.expire_all()
    proposal_count = db.session.scalar(select(Proposal.comment_count).where(Proposal.id == proposal.id))
    thread_count = db.session.scalar(
        select(Thread.comment_count).where(Thread.kind == "proposal", Thread.target_id == proposal.id)
    )
    return int(proposal_count or 0), int(thread_count or 0)


@pytest.fixture
def world() -> tuple[Consultation, Proposal, Thread, User]:
    moderator = make_user(name="Modé")
    consultation = discussion_consultation(moderators=[moderator])
    proposal = make_proposal(consultation, make_user(name="Autrice"))
    thread = discussion.thread_for(consultation, "proposal", proposal.id, owner_id=proposal.author_id)
    return consultation, proposal, thread, moderator


def test_comments_and_replies_are_counted(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    _consultation, proposal, thread, _moderator = world
    top = make_comment(thread, make_user())
    assert _stored(proposal) == (1, 1)
    make_comment(thread, make_user(), parent=top)
    make_comment(thread, make_user())
    assert _stored(proposal) == (3, 3)


def test_deleting_a_comment_uncounts_it_once(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    consultation, proposal, thread, moderator = world
    author = make_user()
    kept, deleted, hidden_then_deleted = (make_comment(thread, author) for _ in range(3))
    make_comment(thread, make_user(), parent=deleted)
    discussion.delete_comment(author, deleted)
    assert _stored(proposal) == (3, 3)
    moderation.hide(moderator, consultation, "comment", hidden_then_deleted.id, "Hors sujet")
    assert _stored(proposal) == (2, 2)
    discussion.delete_comment(author, hidden_then_deleted)  # already out of the count
    assert _stored(proposal) == (2, 2)
    assert kept.visible


def test_hide_and_restore_by_a_moderator(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    consultation, proposal, thread, moderator = world
    comment = make_comment(thread, make_user())
    make_comment(thread, make_user())
    moderation.hide(moderator, consultation, "comment", comment.id, "Hors sujet")
    assert _stored(proposal) == (1, 1)
    moderation.hide(moderator, consultation, "comment", comment.id, "Publicité")  # a new reason only
    assert _stored(proposal) == (1, 1)
    moderation.restore(moderator, consultation, "comment", comment.id)
    assert _stored(proposal) == (2, 2)


def test_automatic_hide_then_review(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    consultation, proposal, thread, moderator = world
    consultation.flag_threshold = 2
    db.session.commit()
    comment = make_comment(thread, make_user())
    moderation.flag(make_user(), "comment", comment.id, "spam")
    assert _stored(proposal) == (1, 1)
    moderation.flag(make_user(), "comment", comment.id, "spam")  # the threshold: hidden pending review
    assert _stored(proposal) == (0, 0)
    moderation.hide(moderator, consultation, "comment", comment.id, "Publicité")  # confirmed
    assert _stored(proposal) == (0, 0)
    moderation.restore(moderator, consultation, "comment", comment.id)
    assert _stored(proposal) == (1, 1)


def test_dismissing_reports_on_visible_content_changes_nothing(
    world: tuple[Consultation, Proposal, Thread, User],
) -> None:
    consultation, proposal, thread, moderator = world
    comment = make_comment(thread, make_user())
    moderation.flag(make_user(), "comment", comment.id, "spam")
    moderation.restore(moderator, consultation, "comment", comment.id)
    assert _stored(proposal) == (1, 1)


def test_restoring_a_deleted_comment_does_not_count_it(
    world: tuple[Consultation, Proposal, Thread, User],
) -> None:
    consultation, proposal, thread, moderator = world
    author = make_user()
    comment = make_comment(thread, author)
    moderation.hide(moderator, consultation, "comment", comment.id, "Hors sujet")
    discussion.delete_comment(author, comment)
    moderation.restore(moderator, consultation, "comment", comment.id)
    assert _stored(proposal) == (0, 0)


def test_other_kinds_of_thread_leave_proposals_alone(
    world: tuple[Consultation, Proposal, Thread, User],
) -> None:
    consultation, proposal, _thread, _moderator = world
    # A consultation-level thread whose target id happens to equal the proposal's id.
    other = discussion.thread_for(consultation, "consultation", proposal.id)
    make_comment(other, make_user())
    assert _stored(proposal) == (0, 0)


def test_bulk_loads_keep_the_copy_in_step(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    _consultation, proposal, thread, _moderator = world
    bulk_comments(thread, [make_user()], 25)
    assert _stored(proposal) == (25, 25)


@pytest.fixture
def failing_listener() -> Iterator[None]:
    def fail(_target_id: int, _delta: int) -> None:
        raise RuntimeError("after the proposal's update, before the commit")

    commentables.listen("proposal", fail)
    yield
    commentables.LISTENERS["proposal"].remove(fail)


@pytest.mark.usefixtures("failing_listener")
def test_count_and_comment_share_one_transaction(world: tuple[Consultation, Proposal, Thread, User]) -> None:
    _consultation, proposal, thread, _moderator = world
    with pytest.raises(RuntimeError):
        make_comment(thread, make_user(), "Jamais publié")
    db.session.rollback()
    assert _stored(proposal) == (0, 0)
    assert db.session.scalar(select(Thread.top_level_count).where(Thread.id == thread.id)) == 0


def test_most_discussed_sort_follows_the_counts(app: Flask, client: FlaskClient) -> None:
    consultation = discussion_consultation()
    author = make_user()
    titles = {"Calme": 0, "Animée": 3, "Moyenne": 1}
    for title, comments in titles.items():
        proposal = make_proposal(consultation, author, title=title)
        thread = discussion.thread_for(consultation, "proposal", proposal.id, owner_id=author.id)
        for _ in range(comments):
            make_comment(thread, make_user())
    page = html_text(client.get(f"/c/{consultation.slug}/proposals?sort=discussed"))
    assert page.index("Animée") < page.index("Moyenne") < page.index("Calme")
    assert "3 commentaires" in page or "3 comments" in page
