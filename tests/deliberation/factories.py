"""Builders for discussion and moderation tests: an open consultation whose phase enables discussion."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.discussion import commentables, services
from civic.deliberation.discussion.models import Comment, Thread, path_segment
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow
from tests.factories import make_consultation


def discussion_consultation(
    moderators: list[User] | None = None,
    visibility: str = "public",
    status: str = "open",
    open_now: bool = True,
) -> Consultation:
    """A consultation whose current phase enables the discussion (or not, with open_now=False)."""
    consultation = make_consultation(
        status=status,
        visibility=visibility,
        moderators=moderators,
        phases=[("deliberation", -1, 10)] if open_now else [("voting", -1, 10)],
    )
    consultation.phases[0].components = "discussion live" if open_now else "voting"
    db.session.commit()
    return consultation


def make_thread(
    consultation: Consultation,
    kind: str = "consultation",
    target_id: int | None = None,
    owner: User | None = None,
) -> Thread:
    return services.thread_for(
        consultation, kind, consultation.id if target_id is None else target_id, owner.id if owner else None
    )


def make_comment(
    thread: Thread,
    author: User,
    body: str = "Un commentaire",
    parent: Comment | None = None,
    minutes_ago: int = 0,
    stance: str | None = None,
) -> Comment:
    """A comment through the service (as a person would post it), optionally backdated."""
    when = utcnow() - timedelta(minutes=minutes_ago)
    return services.post_comment(author, thread, body, stance, parent.id if parent else None, now=when)


def bulk_comments(
    thread: Thread, authors: list[User], count: int, fanout: int = 3, max_depth: int = 6
) -> None:
    """Insert `count` comments quickly (no service, no events): a realistic tree for query counting."""
    now = utcnow()
    made: list[Comment] = []
    tops = 0
    for index in range(count):
        parent = (
            made[(index - 1) // fanout]
            if index and index % 4 and made[(index - 1) // fanout].depth < max_depth
            else None
        )
        body = f"Commentaire numéro {index} avec **un peu** de texte."
        comment = Comment(
            thread_id=thread.id,
            consultation_id=thread.consultation_id,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            author_id=authors[index % len(authors)].id,
            body=body,
            body_html=str(render_markdown(body)),
            created_at=now - timedelta(seconds=count - index),
        )
        db.session.add(comment)
        db.session.flush()
        comment.path = f"{parent.path}/{path_segment(comment.id)}" if parent else path_segment(comment.id)
        comment.root_id = parent.root_id if parent else comment.id
        if parent is not None:
            parent.reply_count += 1
            root = db.session.get(Comment, comment.root_id)
            assert root is not None
            root.descendant_count += 1
        else:
            tops += 1
        made.append(comment)
    thread.comment_count += count
    thread.top_level_count += tops
    commentables.changed(thread.kind, thread.target_id, count)  # e.g. a proposal's own copy of the count
    db.session.commit()
