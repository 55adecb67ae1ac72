"""The tables of a consultation's open data: each a CSV with a Frictionless schema of its fields.

Only what the site shows everyone: public display names, never an address, an account id, a token or
anything that links a voter to a ballot. Hidden comments and proposals keep their row, with the
moderators' public reason instead of their text; deleted comments keep their place, empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from civic.consultations.models import Consultation
from civic.deliberation.discussion.models import Comment, Thread
from civic.deliberation.moderation.models import ModerationAction
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.voting.models import Poll


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str  # Frictionless types: integer, string, boolean, datetime
    description: str


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV of the package: its name, what it holds, its fields, its rows (values in field order)."""

    name: str
    title: Any  # lazily translated: the data card and the page are in the reader's language
    description: Any
    fields: list[Field]
    rows: Callable[[Consultation], Iterable[list[Any]]]
    key: str = "id"


def moment(value: datetime | None) -> str:
    """A time as Frictionless reads a datetime: ISO 8601 in UTC, to the second."""
    if value is None:
        return ""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proposals(consultation: Consultation) -> Iterator[list[Any]]:
    query = (
        select(Proposal)
        .where(Proposal.consultation_id == consultation.id, Proposal.state != Proposal.DRAFT)
        .options(joinedload(Proposal.author), joinedload(Proposal.theme), joinedload(Proposal.organisation))
        .order_by(Proposal.id)
    )
    for p in db.session.scalars(query):
        shown = not p.hidden
        yield [
            p.id,
            p.state,
            p.title if shown else "",
            p.body if shown else "",
            p.hidden_reason if p.hidden else "",
            p.author.display_name if shown and p.author else "",
            p.organisation.slug if shown and p.organisation else "",
            (p.theme.name_fr or p.theme.name_en) if p.theme else "",
            p.support_count,
            p.comment_count,
            moment(p.published_at),
            p.merged_into_id or "",
        ]


def _comments(consultation: Consultation) -> Iterator[list[Any]]:
    query = (
        select(Comment, Thread.kind, Thread.target_id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.consultation_id == consultation.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    )
    visible_kinds = {"consultation", "proposal", "document", "amendment"}
    drafts = set(
        db.session.scalars(
            select(Proposal.id).where(
                Proposal.consultation_id == consultation.id, Proposal.state == Proposal.DRAFT
            )
        )
    )
    for comment, kind, target_id in db.session.execute(query):
        if kind not in visible_kinds or (kind == "proposal" and target_id in drafts):
            continue  # a draft's notes are its author's
        shown = comment.visible
        yield [
            comment.id,
            kind,
            target_id,
            comment.parent_id or "",
            comment.depth,
            comment.author.display_name if shown and comment.author else "",
            comment.stance or "" if shown else "",
            comment.body if shown else "",
            comment.hidden and not comment.deleted,
            comment.hidden_reason if comment.hidden and not comment.deleted else "",
            comment.deleted,
            comment.helpful_up,
            comment.helpful_down,
            moment(comment.created_at),
            moment(comment.edited_at),
        ]


def closed_polls(consultation: Consultation) -> list[Poll]:
    return list(
        db.session.scalars(
            select(Poll)
            .where(Poll.consultation_id == consultation.id, Poll.closed_at.is_not(None))
            .order_by(Poll.id)
        )
    )


def _polls(consultation: Consultation) -> Iterator[list[Any]]:
    for poll in closed_polls(consultation):
        yield [
            poll.id,
            poll.question_fr,
            poll.question_en,
            poll.method,
            poll.seats,
            poll.secrecy,
            moment(poll.opens_at),
            moment(poll.closed_at),
            poll.eligible_count or 0,
            poll.voter_count,
            poll.chain_length,
            poll.head_hash,
            f"polls/poll-{poll.id}-audit.json",
        ]


def _log(consultation: Consultation) -> Iterator[list[Any]]:
    query = (
        select(ModerationAction)
        .where(ModerationAction.consultation_id == consultation.id)
        .order_by(ModerationAction.id)
    )
    for entry in db.session.scalars(query):
        # A sanction names a person on the site only to administrators: here, not at all.
        target = "" if entry.kind == "user" else entry.target_id
        yield [
            entry.id,
            moment(entry.created_at),
            entry.action,
            entry.kind,
            target,
            entry.reason,
            moment(entry.ends_at),
        ]


TABLES: list[Table] = [
    Table(
        "proposals",
        _l("Proposals"),
        _l("Every published proposal (drafts are private), with its supports and comments counted."),
        [
            Field("id", "integer", "The proposal's number on the site"),
            Field("state", "string", "published, evaluating, accepted, rejected, merged or withdrawn"),
            Field("title", "string", "Empty when hidden by the moderators"),
            Field("body", "string", "Markdown; empty when hidden"),
            Field("hidden_reason", "string", "The moderators' public reason, when hidden"),
            Field("author", "string", "The author's public display name (empty when hidden)"),
            Field("organisation", "string", "Slug of the organisation it was written for, if any"),
            Field("theme", "string", "Its theme's name"),
            Field("supports", "integer", "Number of people supporting it"),
            Field("comments", "integer", "Visible comments in its discussion"),
            Field("published_at", "datetime", "When it was published (UTC)"),
            Field("merged_into", "integer", "For a merged proposal, the one it was merged into"),
        ],
        _proposals,
    ),
    Table(
        "comments",
        _l("Comments"),
        _l(
            "Every comment of the consultation's discussions, in the order written; hidden ones keep their "
            "place with the moderators' public reason, deleted ones keep their place, empty."
        ),
        [
            Field("id", "integer", "The comment's number"),
            Field("on_kind", "string", "What it discusses: consultation, proposal, document or amendment"),
            Field("on_id", "integer", "The id of what it discusses"),
            Field("parent_id", "integer", "The comment it answers, if any"),
            Field("depth", "integer", "0 for a comment, 1 for a reply, and so on"),
            Field("author", "string", "Public display name (empty when hidden or deleted)"),
            Field("stance", "string", "favour, against, neutral or empty"),
            Field("body", "string", "Markdown; empty when hidden or deleted"),
            Field("hidden", "boolean", "Hidden by the moderators"),
            Field("hidden_reason", "string", "Their public reason"),
            Field("deleted", "boolean", "Deleted by its author"),
            Field("helpful", "integer", "People who found it helpful"),
            Field("not_helpful", "integer", "People who did not"),
            Field("created_at", "datetime", "When it was written (UTC)"),
            Field("edited_at", "datetime", "When it was last edited after the grace period (UTC)"),
        ],
        _comments,
    ),
    Table(
        "polls",
        _l("Polls"),
        _l("Every closed poll; its ballots, chain and result are in the audit file it names."),
        [
            Field("id", "integer", "The poll's number"),
            Field("question_fr", "string", "The question in French"),
            Field("question_en", "string", "The question in English"),
            Field("method", "string", "The counting method (docs/counting.md)"),
            Field("seats", "integer", "Seats to fill"),
            Field("secrecy", "string", "secret or public"),
            Field("opened_at", "datetime", "When voting opened (UTC)"),
            Field("closed_at", "datetime", "When it was closed and counted (UTC)"),
            Field("eligible", "integer", "People who could vote"),
            Field("voters", "integer", "People who voted"),
            Field("records", "integer", "Records in the signed ballot chain"),
            Field("head", "string", "Hash of the chain's last record"),
            Field("audit_file", "string", "Path of its audit file in this package"),
        ],
        _polls,
    ),
    Table(
        "moderation_log",
        _l("Public moderation log"),
        _l("What the moderators did, with their public reasons; never who reported, nor who was sanctioned."),
        [
            Field("id", "integer", "The entry's number"),
            Field("at", "datetime", "When (UTC)"),
            Field("action", "string", "hide, auto-hide, restore, lock, unlock, suspend, ban or lift"),
            Field("kind", "string", "comment, proposal, thread or user"),
            Field("target_id", "integer", "The id of the comment, proposal or thread (empty for a person)"),
            Field("reason", "string", "The public reason"),
            Field("ends_at", "datetime", "The end of a suspension or ban (UTC)"),
        ],
        _log,
    ),
]


def register(table: Table) -> None:
    """Add a table to every consultation's package (other packages' data: endorsements, opinion maps)."""
    if all(known.name != table.name for known in TABLES):
        TABLES.append(table)
