"""What the queue shows of a reported contribution: its rendered beginning, its author, where it stands.

The moderation package knows the kinds it moderates only through their attributes (see targets.py) and
the registry: a comment's place is its thread's commentable, named through that kind's own loader when
it is moderated too (a proposal), else by the kind alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from markupsafe import Markup

from civic.deliberation.moderation import targets
from civic.i18n import localized, localized_lang
from civic.text import render_excerpt


@dataclass(frozen=True, slots=True)
class Place:
    """Where a contribution stands: `kind` chooses the sentence, `title` and `url` complete it."""

    kind: str  # proposal, proposals, consultation, document, amendment, opinion-map, discussion
    url: str
    title: str = ""
    lang: str = ""


@dataclass(frozen=True, slots=True)
class Shown:
    excerpt: Markup
    author: str | None  # None: the account was deleted
    place: Place


def _comment_place(comment: Any) -> Place:
    thread = comment.thread
    if thread.kind == "consultation":
        return Place("consultation", url_for("discussion.consultation_thread", slug=_slug(comment)))
    owner = targets.load(thread.kind, thread.target_id) if thread.kind in targets.REGISTRY else None
    if owner is not None:
        return Place(thread.kind, owner.moderation_url, owner.moderation_excerpt)
    return Place(
        thread.kind if thread.kind in ("document", "amendment") else "discussion", comment.moderation_url
    )


def _slug(target: Any) -> str:
    from civic.consultations.models import Consultation
    from civic.extensions import db

    consultation = db.session.get(Consultation, target.consultation_id)
    return consultation.slug if consultation is not None else ""


def _place(kind: str, target: Any) -> Place:
    if kind == "comment":
        return _comment_place(target)
    if kind == "proposal":
        return Place("proposals", url_for("proposals.index", slug=_slug(target)))
    opinion_map = getattr(target, "map", None)
    if kind == "statement" and opinion_map is not None:
        return Place(
            "opinion-map",
            url_for("opinions.show", slug=_slug(target), map_id=opinion_map.id),
            localized(opinion_map, "question"),
            localized_lang(opinion_map, "question"),
        )
    return Place("discussion", target.moderation_url)


def show(kind: str, target: Any) -> Shown:
    """Return what the queue and the hide page show of one contribution."""
    body = getattr(target, "body", "") or target.moderation_excerpt
    author = getattr(target, "author", None)
    return Shown(
        excerpt=render_excerpt(body),
        author=author.display_name if author is not None else None,
        place=_place(kind, target),
    )
