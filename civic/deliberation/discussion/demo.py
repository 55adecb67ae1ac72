"""Demo discussions: a bilingual conversation on the demo consultation, and a helper for proposals' threads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.discussion import services
from civic.deliberation.discussion.models import Comment
from civic.deliberation.moderation import services as moderation
from civic.extensions import db
from civic.timestamps import utcnow

# (author's e-mail, markdown body, stance or None, replies in the same shape)
DemoComment = tuple[str, str, str | None, list[Any]]

CONSULTATION_THREAD: list[DemoComment] = [
    (
        "citoyen@example.org",
        "Au centre communautaire de mon quartier, **la moitié des gens** qui viennent aux ateliers "
        "n'ont pas d'ordinateur à la maison. Un plan numérique doit commencer par l'accès.",
        "favour",
        [
            (
                "citizen@example.org",
                "Same in our building: people share one tablet per family. Public libraries could lend "
                "laptops, like books.",
                "favour",
                [
                    (
                        "representant@example.org",
                        "Notre réseau fait déjà du prêt d'appareils dans trois centres : "
                        "[voir le bilan](https://example.org/reseau/bilan). Ça marche, mais il manque du "
                        "soutien technique.",
                        "neutral",
                        [],
                    )
                ],
            ),
            (
                "moderatrice@example.org",
                "Merci ! Pensez à déposer cette idée comme proposition pendant l'étape des propositions.",
                None,
                [],
            ),
        ],
    ),
    (
        "citizen@example.org",
        "I worry about services that become *online only*. My father cannot use the clinic's booking site, "
        "and the phone line was closed.\n\nAny plan should guarantee a human alternative.",
        "against",
        [
            (
                "citoyen@example.org",
                "Tout à fait d'accord : le numérique doit rester un choix, pas une obligation.",
                "favour",
                [],
            )
        ],
    ),
    (
        "representant@example.org",
        "Quelques chiffres de nos ateliers 2025 :\n\n- 412 personnes accompagnées\n- 63 % ont plus de 65 ans\n"
        "- la demande n° 1 : reconnaître les courriels frauduleux",
        "neutral",
        [],
    ),
]

SPAM: DemoComment = (
    "citoyen@example.org",
    "Achetez des abonnements pas chers ici !!! https://example.com/promo",
    None,
    [],
)


def _post(
    thread_id: int, users: dict[str, User], item: DemoComment, parent: Comment | None, minutes_ago: int
) -> tuple[int, Comment]:
    email, body, stance, replies = item
    thread = services.get_thread(thread_id)
    comment = services.post_comment(
        users[email],
        thread,
        body,
        stance,
        parent.id if parent else None,
        now=utcnow() - timedelta(minutes=minutes_ago),
        language=users[email].locale,  # the demo's people write in their own language
    )
    count = 1
    for offset, reply in enumerate(replies):
        added, _reply = _post(thread_id, users, reply, comment, minutes_ago - 20 * (offset + 1))
        count += added
    return count, comment


def add_comments(
    consultation: Consultation,
    kind: str,
    target_id: int,
    owner_id: int | None,
    users: dict[str, User],
    comments: list[DemoComment],
) -> list[Comment]:
    """Post demo comments (with their replies) on a commentable; returns the top-level comments.

    Comments go through the discussion service, so counters, notifications and events are real. They
    are backdated a few hours apart, oldest first.
    """
    if not has_request_context():
        # The service builds links for notifications: give it a request to build them in.
        with current_app.test_request_context("/"):
            return add_comments(consultation, kind, target_id, owner_id, users, comments)
    thread = services.thread_for(consultation, kind, target_id, owner_id)
    tops = []
    for index, item in enumerate(comments):
        _count, comment = _post(thread.id, users, item, None, 60 * 24 - 180 * index)
        tops.append(comment)
    return tops


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Add the consultation-level discussion: bilingual comments, replies, stances, one hidden comment."""
    if not has_request_context():
        with current_app.test_request_context("/"):
            return load(consultation, users)
    tops = add_comments(
        consultation, "consultation", consultation.id, None, users, [*CONSULTATION_THREAD, SPAM]
    )
    moderation.hide(
        users["moderatrice@example.org"],
        consultation,
        "comment",
        tops[-1].id,
        "Publicité sans lien avec la consultation. / Advertising unrelated to the consultation.",
    )
    thread = services.get_thread(tops[0].thread_id)
    db.session.refresh(thread)
    return f"{thread.comment_count} comments in the consultation's discussion, and one hidden by a moderator"
