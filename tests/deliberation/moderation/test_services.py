"""Flags and their threshold, hide and restore, the append-only log, sanctions, the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts import sanctions
from civic.accounts.models import Sanction
from civic.deliberation.moderation import queries, services
from civic.deliberation.moderation.models import AppendOnlyError, Flag, ModerationAction
from civic.errors import Conflict, Invalid
from civic.extensions import db
from civic.timestamps import utcnow
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("app")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_flag_twice_is_a_conflict_and_stores_nothing_more() -> None:
    comment = make_comment(make_thread(discussion_consultation()), make_user())
    flagger = make_user()
    services.flag(flagger, "comment", comment.id, "spam")
    with pytest.raises(services.AlreadyFlagged) as raised:
        services.flag(flagger, "comment", comment.id, "offensive")
    assert raised.value.status == 409 and _count(Flag) == 1


def test_threshold_of_distinct_flags_hides_pending_review() -> None:
    consultation = discussion_consultation()
    consultation.flag_threshold = 2
    db.session.commit()
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    assert not comment.hidden
    services.flag(make_user(), "comment", comment.id, "offensive")
    assert comment.hidden and comment.hidden_reason == ""
    entry = db.session.scalar(select(ModerationAction))
    assert entry is not None and entry.action == "auto-hide" and entry.actor_id is None


def test_default_threshold_is_three() -> None:
    consultation = discussion_consultation()
    assert consultation.flag_threshold == 3


def test_other_reason_needs_a_text() -> None:
    comment = make_comment(make_thread(discussion_consultation()), make_user())
    with pytest.raises(Invalid):
        services.flag(make_user(), "comment", comment.id, "other", "  ")
    with pytest.raises(Invalid):
        services.flag(make_user(), "comment", comment.id, "bogus")
    assert _count(Flag) == 0


def test_hide_then_restore_settles_flags_and_logs_both() -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    services.hide(moderator, consultation, "comment", comment.id, "Publicité")
    assert comment.hidden and comment.hidden_reason == "Publicité"
    assert queries.queue(consultation) == []
    services.restore(moderator, consultation, "comment", comment.id)
    assert not comment.hidden
    assert [e.action for e in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))] == [
        "hide",
        "restore",
    ]
    with pytest.raises(Conflict):
        services.restore(moderator, consultation, "comment", comment.id)


def test_hide_needs_a_public_reason() -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    comment = make_comment(make_thread(consultation), make_user())
    with pytest.raises(Invalid):
        services.hide(moderator, consultation, "comment", comment.id, "  ")
    assert not comment.hidden and _count(ModerationAction) == 0


def test_log_entries_cannot_be_changed_or_deleted() -> None:
    consultation = discussion_consultation()
    entry = services.record(consultation.id, "lock", "thread", 1)
    db.session.commit()
    entry.reason = "réécrire l'histoire"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert _count(ModerationAction) == 1


def test_queue_lists_oldest_first_with_reasons() -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    thread = make_thread(consultation)
    first, second = make_comment(thread, make_user(), "Premier"), make_comment(thread, make_user(), "Second")
    services.flag(make_user(), "comment", first.id, "spam")
    services.flag(make_user(), "comment", second.id, "offensive")
    services.flag(make_user(), "comment", first.id, "off-topic")
    items = queries.queue(consultation)
    assert [item.target_id for item in items] == [first.id, second.id]
    assert items[0].count == 2 and dict(items[0].reasons) == {"spam": 1, "off-topic": 1}


def test_ban_without_end_date_and_suspension_messages() -> None:
    admin, person = make_user(admin=True), make_user()
    services.sanction(admin, person.id, "ban", "Harcèlement", None)
    with pytest.raises(sanctions.Sanctioned, match="Harcèlement"):
        sanctions.ensure_can_participate(person)


def test_suspension_needs_a_future_end_date() -> None:
    admin, person = make_user(admin=True), make_user()
    with pytest.raises(Invalid):
        services.sanction(admin, person.id, "suspension", "Raison", None)
    with pytest.raises(Invalid):
        services.sanction(admin, person.id, "suspension", "Raison", utcnow() - timedelta(days=1))
    assert _count(Sanction) == 0


def test_ended_or_lifted_sanction_no_longer_blocks() -> None:
    admin, person = make_user(admin=True), make_user()
    entry = services.sanction(admin, person.id, "suspension", "Raison", utcnow() + timedelta(days=1))
    services.lift(admin, entry.id)
    sanctions.ensure_can_participate(person)


def test_hide_error_re_renders_the_queue_with_the_text_kept(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    sign_in(client, moderator.email)
    long_reason = "x" * 1001
    response = post_form(
        client,
        f"/c/{consultation.slug}/moderation/comment/{comment.id}/hide",
        {"reason": long_reason},
        token_from=f"/c/{consultation.slug}/moderation",
    )
    assert response.status_code == 422 and long_reason in html_text(response)
    assert not comment.hidden


def test_flag_page_and_flag_twice_through_the_page(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    comment = make_comment(make_thread(consultation), make_user())
    sign_in(client, make_user().email)
    path = f"/flag/comment/{comment.id}"
    assert client.get(path).status_code == 200
    assert post_form(client, path, {"reason": "spam"}).status_code == 302
    again = post_form(client, path, {"reason": "other", "text": "Mon détail"})
    assert again.status_code == 409 and "Mon détail" in html_text(again)
    assert _count(Flag) == 1


def test_unknown_kind_cannot_be_flagged(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    assert client.get("/flag/nothing/1").status_code == 404


def test_hidden_comment_shows_its_public_reason(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation(moderators=[moderator])
    comment = make_comment(make_thread(consultation), make_user(), "Texte retiré")
    services.hide(moderator, consultation, "comment", comment.id, "Insulte envers une personne")
    page = html_text(client.get(f"/c/{consultation.slug}/discussion"))
    assert "Insulte envers une personne" in page and "Texte retiré" not in page
