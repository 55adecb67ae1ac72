"""Role × action table for moderation, through the pages: who may flag, hide, restore, lock, sanction, see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import Sanction, User
from civic.consultations.models import Consultation
from civic.deliberation.discussion.models import Comment, Thread
from civic.deliberation.moderation import services as moderation
from civic.deliberation.moderation.models import Flag, ModerationAction
from civic.extensions import db
from civic.timestamps import utcnow
from tests.conftest import post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_consultation, make_user

ROLES = ["anonymous", "citizen", "author", "moderator", "other-moderator", "admin"]
ACTIONS = [
    "flag", "hide", "hide-page", "restore", "lock", "suspend", "ban", "lift", "sanctions", "queue", "log",
    "settings", "overview",
]  # fmt: skip
# Pages that only show: nothing to check in the database.
READS = ("queue", "sanctions", "hide-page", "overview")
OK = "ok"
LOGIN = "login"
DENIED = "denied"

# Expected outcome of each action for each role.
TABLE = {
    "anonymous": {
        "flag": LOGIN,
        "hide": LOGIN,
        "restore": LOGIN,
        "lock": LOGIN,
        "suspend": LOGIN,
        "ban": LOGIN,
        "lift": LOGIN,
        "sanctions": LOGIN,
        "queue": LOGIN,
        "log": OK,
        "hide-page": LOGIN,
        "settings": LOGIN,
        "overview": LOGIN,
    },
    "citizen": {
        "flag": OK,
        "hide": DENIED,
        "restore": DENIED,
        "lock": DENIED,
        "suspend": DENIED,
        "ban": DENIED,
        "lift": DENIED,
        "sanctions": DENIED,
        "queue": DENIED,
        "log": OK,
        "hide-page": DENIED,
        "settings": DENIED,
        "overview": DENIED,
    },
    "author": {
        "flag": DENIED,
        "hide": DENIED,
        "restore": DENIED,
        "lock": DENIED,
        "suspend": DENIED,
        "ban": DENIED,
        "lift": DENIED,
        "sanctions": DENIED,
        "queue": DENIED,
        "log": OK,
        "hide-page": DENIED,
        "settings": DENIED,
        "overview": DENIED,
    },
    "moderator": {
        "flag": OK,
        "hide": OK,
        "restore": OK,
        "lock": OK,
        "suspend": DENIED,
        "ban": DENIED,
        "lift": DENIED,
        "sanctions": DENIED,
        "queue": OK,
        "log": OK,
        "hide-page": OK,
        "settings": OK,
        "overview": OK,
    },
    "other-moderator": {
        "flag": OK,
        "hide": DENIED,
        "restore": DENIED,
        "lock": DENIED,
        "suspend": DENIED,
        "ban": DENIED,
        "lift": DENIED,
        "sanctions": DENIED,
        "queue": DENIED,
        "log": OK,
        "hide-page": DENIED,
        "settings": DENIED,
        "overview": OK,
    },
    "admin": {
        "flag": OK,
        "hide": OK,
        "restore": OK,
        "lock": OK,
        "suspend": OK,
        "ban": OK,
        "lift": OK,
        "sanctions": OK,
        "queue": OK,
        "log": OK,
        "hide-page": OK,
        "settings": OK,
        "overview": OK,
    },
}


@dataclass
class World:
    consultation: Consultation
    thread: Thread
    comment: Comment
    hidden: Comment
    author: User
    users: dict[str, User]
    sanction: Sanction | None  # in force, on another person (for the "lift" action only)


def _world(sanctioned: bool = False) -> World:
    moderator, other_moderator = make_user(name="Modé"), make_user(name="Autre modé")
    consultation = discussion_consultation(moderators=[moderator])
    make_consultation(moderators=[other_moderator])
    author = make_user(name="Auteur")
    thread = make_thread(consultation)
    comment = make_comment(thread, author, "Contenu signalable")
    hidden = make_comment(thread, author, "Contenu caché")
    hidden.hidden, hidden.hidden_reason = True, "Spam"
    db.session.commit()
    sanction = None
    if sanctioned:
        in_3_days = utcnow() + timedelta(days=3)
        sanction = moderation.sanction(make_user(admin=True), make_user().id, "suspension", "Spam", in_3_days)
    users = {
        "citizen": make_user(),
        "author": author,
        "moderator": moderator,
        "other-moderator": other_moderator,
        "admin": make_user(admin=True),
    }
    return World(consultation, thread, comment, hidden, author, users, sanction)


def _do(client: FlaskClient, world: World, action: str) -> int:
    slug = world.consultation.slug
    page = f"/c/{slug}/moderation/log"
    in_a_week = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    if action == "flag":
        return post_form(
            client, f"/flag/comment/{world.comment.id}", {"reason": "spam"}, token_from=page
        ).status_code
    if action == "hide":
        path = f"/c/{slug}/moderation/comment/{world.comment.id}/hide"
        return post_form(client, path, {"reason": "Hors sujet"}, token_from=page).status_code
    if action == "restore":
        path = f"/c/{slug}/moderation/comment/{world.hidden.id}/restore"
        return post_form(client, path, {}, token_from=page).status_code
    if action == "lock":
        return post_form(
            client, f"/discussion/threads/{world.thread.id}/lock", {"locked": "1"}, token_from=page
        ).status_code
    if action in ("suspend", "ban"):
        path = f"/c/{slug}/moderation/users/{world.author.id}/sanction"
        data = {
            "kind": "suspension" if action == "suspend" else "ban",
            "ends_at": in_a_week,
            "reason": "Insultes répétées",
        }
        return post_form(client, path, data, token_from=page).status_code
    if action == "lift":
        assert world.sanction is not None
        path = f"/c/{slug}/moderation/sanctions/{world.sanction.id}/lift"
        return post_form(client, path, {}, token_from=page).status_code
    if action == "sanctions":
        return client.get(f"/c/{slug}/moderation/sanctions").status_code
    if action == "queue":
        return client.get(f"/c/{slug}/moderation").status_code
    if action == "hide-page":  # the form a moderator reaches from the comment itself, reported or not
        return client.get(f"/c/{slug}/moderation/comment/{world.comment.id}/hide").status_code
    if action == "settings":
        path = f"/c/{slug}/moderation/settings"
        return post_form(client, path, {"flag_threshold": "5"}, token_from=page).status_code
    if action == "overview":
        return client.get("/moderation").status_code
    return client.get(page).status_code


def _effect(world: World, action: str) -> bool:
    """Whether the action changed what it should have changed."""
    db.session.expire_all()
    if action == "flag":
        return (db.session.scalar(select(func.count(Flag.id))) or 0) == 1
    if action == "hide":
        return db.session.get(Comment, world.comment.id).hidden  # type: ignore[union-attr]
    if action == "restore":
        return not db.session.get(Comment, world.hidden.id).hidden  # type: ignore[union-attr]
    if action == "lock":
        return db.session.get(Thread, world.thread.id).locked  # type: ignore[union-attr]
    if action in ("suspend", "ban"):
        return (db.session.scalar(select(func.count(Sanction.id))) or 0) == 1
    if action == "lift":
        assert world.sanction is not None
        lifted = db.session.get(Sanction, world.sanction.id).lifted  # type: ignore[union-attr]
        logged = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "lift"))
        return lifted and logged is not None and logged.consultation_id == world.consultation.id
    if action == "settings":
        return db.session.get(Consultation, world.consultation.id).flag_threshold == 5  # type: ignore[union-attr]
    return True


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_action_table(client: FlaskClient, role: str, action: str) -> None:
    world = _world(sanctioned=action == "lift")
    if role != "anonymous":
        sign_in(client, world.users[role].email)
    status = _do(client, world, action)
    expected = TABLE[role][action]
    if expected == OK:
        assert status in (200, 302), f"{role} {action}: {status}"
        assert _effect(world, action)
    elif expected == LOGIN:
        assert status == 302 and action != "log"
        assert not _effect(world, action) or action in READS
    else:
        assert status == 403, f"{role} {action}: {status}"
        if action not in READS:
            assert not _effect(world, action)


def test_public_log_never_shows_who_flagged_or_who_moderated(client: FlaskClient) -> None:
    world = _world()
    flagger = make_user(name="Signaleuse Secrète")
    sign_in(client, flagger.email)
    post_form(
        client,
        f"/flag/comment/{world.comment.id}",
        {"reason": "other", "text": "Détail privé"},
        token_from="/",
    )
    sign_in(client, world.users["moderator"].email)
    post_form(
        client,
        f"/c/{world.consultation.slug}/moderation/comment/{world.comment.id}/hide",
        {"reason": "Propos hors sujet"},
        token_from="/",
    )
    page = client.get(f"/c/{world.consultation.slug}/moderation/log").get_data(as_text=True)
    assert "Propos hors sujet" in page
    # The page's content, not its header: the moderator reading it sees their own "Modération" link.
    main = page[page.index("<main") : page.index("</main>")]
    assert "Signaleuse Secrète" not in main and "Détail privé" not in main and "Modé" not in main
    assert (db.session.scalar(select(func.count(ModerationAction.id))) or 0) == 1
