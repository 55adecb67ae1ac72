"""The discussion read model: a page of comments as a tree, in a constant number of queries.

Top-level comments are paginated; their replies come in ONE query ordered by materialized path (a depth
first walk), capped per top-level comment with a window function, with authors joined in. Replies deeper
than the shown depth are behind a "continue this thread" link to the comment's own page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from civic import inputs
from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.discussion import permissions
from civic.deliberation.discussion.models import Comment, CommentRevision, CommentVote, Thread
from civic.errors import NotFound
from civic.extensions import db
from civic.timestamps import utcnow

Sort = Literal["oldest", "newest", "helpful"]
SORTS: tuple[Sort, ...] = ("oldest", "newest", "helpful")
PAGE_SIZE = 50
# Levels shown indented on one page: a comment and three levels of replies under it.
SHOWN_DEPTH = 4
# Replies shown under one top-level comment on the discussion page; the rest on the comment's page.
REPLIES_PER_ROOT = 40
SUBTHREAD_LIMIT = 500


@dataclass
class Node:
    comment: Comment
    level: int  # 0 for the comments at the top of this page
    children: list[Node] = field(default_factory=list)
    more_replies: bool = False  # replies exist beyond what this page shows

    @property
    def continue_here(self) -> bool:
        """Deeper replies exist: the page shows a "continue this thread" link on this comment."""
        return self.level >= SHOWN_DEPTH - 1 and self.comment.reply_count > 0


@dataclass
class ThreadView:
    thread: Thread
    consultation: Consultation
    user: User | None
    nodes: list[Node]
    sort: Sort
    page: int
    pages: int
    votes: dict[int, int]
    can_comment: bool
    closed_reason: str  # "", "locked", "closed" or "anonymous"
    can_moderate: bool
    focus: Comment | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def count(self) -> int:
        return self.thread.comment_count

    # The page asks the same predicates as the services (permissions.py) which buttons to show.
    def is_mine(self, comment: Comment) -> bool:
        return permissions.is_author(self.user, comment)

    def can_edit(self, comment: Comment) -> bool:
        return permissions.can_edit_comment(self.user, comment, self.thread)

    def can_delete(self, comment: Comment) -> bool:
        return permissions.can_delete_comment(self.user, comment)

    def can_vote(self, comment: Comment) -> bool:
        return permissions.can_vote(self.user, comment)


def _order(query: Select[Any], sort: Sort) -> Select[Any]:
    if sort == "newest":
        return query.order_by(Comment.created_at.desc(), Comment.id.desc())
    if sort == "helpful":
        return query.order_by(Comment.helpful_score.desc(), Comment.created_at, Comment.id)
    return query.order_by(Comment.created_at, Comment.id)


def _tree(rows: list[Comment], base_depth: int, capped_roots: set[int]) -> list[Node]:
    """Build nodes from comments ordered by path (parents always come before their replies)."""
    nodes: dict[int, Node] = {}
    tops: list[Node] = []
    for comment in rows:
        node = Node(comment, comment.depth - base_depth, more_replies=comment.id in capped_roots)
        nodes[comment.id] = node
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is None or node.level == 0:
            tops.append(node)
        else:
            parent.children.append(node)
    return tops


def _votes(user: User | None, ids: list[int]) -> dict[int, int]:
    if user is None or not ids:
        return {}
    rows = db.session.execute(
        select(CommentVote.comment_id, CommentVote.value).where(
            CommentVote.user_id == user.id, CommentVote.comment_id.in_(ids)
        )
    )
    return {row[0]: row[1] for row in rows}


def _access(
    thread: Thread, consultation: Consultation, user: User | None, now: datetime
) -> tuple[bool, str, bool]:
    if thread.locked:
        reason = "locked"
    elif not permissions.discussion_open(consultation, now):
        reason = "closed"
    elif user is None:
        reason = "anonymous"
    else:
        reason = ""
    return reason == "", reason, permissions.can_lock(user, consultation)


def _walk(nodes: list[Node]) -> list[int]:
    ids: list[int] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        ids.append(node.comment.id)
        stack.extend(node.children)
    return ids


def _view(
    thread: Thread,
    consultation: Consultation,
    user: User | None,
    nodes: list[Node],
    sort: Sort = "oldest",
    page: int = 1,
    pages: int = 1,
    focus: Comment | None = None,
) -> ThreadView:
    """Assemble a view of these nodes: what this reader may do here and their votes on what is shown."""
    now = utcnow()
    can_comment, reason, can_moderate = _access(thread, consultation, user, now)
    return ThreadView(
        thread=thread,
        consultation=consultation,
        user=user,
        nodes=nodes,
        sort=sort,
        page=page,
        pages=pages,
        votes=_votes(user, _walk(nodes)),
        can_comment=can_comment,
        closed_reason=reason,
        can_moderate=can_moderate,
        focus=focus,
        now=now,
    )


def _context_of(comment: Comment) -> tuple[Thread, Consultation]:
    thread = db.session.get(Thread, comment.thread_id)
    consultation = db.session.get(Consultation, comment.consultation_id)
    if thread is None or consultation is None:
        raise NotFound()
    return thread, consultation


def thread_view_for(thread: Thread, user: User | None, args: Mapping[str, str]) -> ThreadView:
    """The page of a discussion a page's query string asks for (`?sort=…&page=…`; bad values: defaults)."""
    return thread_view(thread, user, args.get("sort", "oldest"), inputs.page(args))


def thread_view(thread: Thread, user: User | None, sort: str = "oldest", page: int = 1) -> ThreadView:
    """Return one page of a discussion: top-level comments in the chosen order, each with its replies."""
    consultation = db.session.get(Consultation, thread.consultation_id)
    if consultation is None:
        raise NotFound()
    chosen = cast(Sort, sort if sort in SORTS else "oldest")
    pages = max(1, -(-thread.top_level_count // PAGE_SIZE))
    page = min(max(page, 1), pages)
    tops: list[Comment] = list(
        db.session.scalars(
            _order(select(Comment).where(Comment.thread_id == thread.id, Comment.depth == 0), chosen)
            .options(joinedload(Comment.author))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    rows: list[Comment] = []
    capped: set[int] = set()
    if tops:
        ranked = (
            select(
                Comment.id,
                func.row_number().over(partition_by=Comment.root_id, order_by=Comment.path).label("rank"),
            )
            .where(
                Comment.root_id.in_([c.id for c in tops]),
                Comment.depth.between(1, SHOWN_DEPTH - 1),
            )
            .subquery()
        )
        rows = list(
            db.session.scalars(
                select(Comment)
                .join(ranked, ranked.c.id == Comment.id)
                .where(ranked.c.rank <= REPLIES_PER_ROOT)
                .options(joinedload(Comment.author))
                .order_by(Comment.path)
            )
        )
        shown: dict[int | None, int] = {}
        for comment in rows:
            shown[comment.root_id] = shown.get(comment.root_id, 0) + 1
        capped = {root for root, count in shown.items() if root is not None and count >= REPLIES_PER_ROOT}
    by_root: dict[int, list[Comment]] = {}
    for comment in rows:
        by_root.setdefault(comment.root_id or 0, []).append(comment)
    nodes: list[Node] = []
    for top in tops:
        nodes.extend(_tree([top, *by_root.get(top.id, [])], 0, capped))
    return _view(thread, consultation, user, nodes, sort=chosen, page=page, pages=pages)


def subthread_view(comment: Comment, user: User | None) -> ThreadView:
    """Return a comment with its replies, SHOWN_DEPTH levels deep: the "continue this thread" page."""
    thread, consultation = _context_of(comment)
    rows = [comment]
    if comment.reply_count:
        rows += list(
            db.session.scalars(
                select(Comment)
                .where(
                    Comment.root_id == comment.root_id,
                    Comment.path.startswith(comment.path + "/", autoescape=True),
                    Comment.depth <= comment.depth + SHOWN_DEPTH - 1,
                )
                .options(joinedload(Comment.author))
                .order_by(Comment.path)
                .limit(SUBTHREAD_LIMIT)
            )
        )
    return _view(thread, consultation, user, _tree(rows, comment.depth, set()), focus=comment)


def single_view(comment: Comment, user: User | None) -> ThreadView:
    """Return a view holding one comment alone (the fragment fetched by the page's script)."""
    thread, consultation = _context_of(comment)
    return _view(thread, consultation, user, [Node(comment, 0)], focus=comment)


def revisions(comment: Comment) -> list[CommentRevision]:
    """Return the earlier texts of a comment, latest first."""
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.replaced_at.desc())
        )
    )
