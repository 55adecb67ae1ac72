"""Moderators hear of reports in the site; e-mail only as a digest, for those who ask for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.deliberation.moderation import digest, services
from civic.extensions import db
from civic.notifications.models import ModerationDigest, Notification
from civic.timestamps import utcnow
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("app")


def _notices(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_first_report_notifies_each_moderator_but_not_who_reported(app: Flask) -> None:
    moderator, flagging_moderator = make_user(), make_user()
    moderator.email_notifications = True  # e-mail for replies: still none for reports
    consultation = discussion_consultation([moderator, flagging_moderator])
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(flagging_moderator, "comment", comment.id, "spam")
    [notice] = _notices(moderator.id)
    assert notice.kind == "flag" and notice.consultation_id == consultation.id
    assert notice.url.endswith(f"/c/{consultation.slug}/moderation#item-comment-{comment.id}")
    assert notice.actor_name == "" and notice.title == ""
    assert _notices(flagging_moderator.id) == []
    assert app.extensions["civic_outbox"] == []


def test_later_reports_of_the_same_item_add_nothing_until_it_is_hidden() -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    consultation.flag_threshold = 3
    db.session.commit()
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    services.flag(make_user(), "comment", comment.id, "spam")
    assert [n.kind for n in _notices(moderator.id)] == ["flag"]
    services.flag(make_user(), "comment", comment.id, "spam")
    assert [n.kind for n in _notices(moderator.id)] == ["flag", "flag_hidden"]


def test_a_consultation_without_moderators_notifies_administrators() -> None:
    admin = make_user(admin=True)
    comment = make_comment(make_thread(discussion_consultation()), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    assert [n.kind for n in _notices(admin.id)] == ["flag"]


def test_notification_reads_in_the_moderators_language(client: FlaskClient) -> None:
    moderator = make_user(locale="en")
    consultation = discussion_consultation([moderator])
    services.flag(make_user(), "comment", make_comment(make_thread(consultation), make_user()).id, "spam")
    sign_in(client, moderator.email)
    assert "A contribution was reported in a consultation you moderate" in html_text(
        client.get("/notifications")
    )


def test_digest_opt_in_is_offered_to_moderators_only_and_saved(client: FlaskClient) -> None:
    citizen, moderator = make_user(), make_user()
    discussion_consultation([moderator])
    sign_in(client, citizen.email)
    assert 'name="moderation_digest"' not in html_text(client.get("/account"))
    sign_in(client, moderator.email)
    assert 'name="moderation_digest"' in html_text(client.get("/account"))
    post_form(client, "/notifications/moderation-digest", {"moderation_digest": "y"}, token_from="/account")
    assert db.session.get(ModerationDigest, moderator.id) is not None
    assert "checked" in html_text(client.get("/account")).split('id="moderation_digest"', 1)[1][:60]
    post_form(client, "/notifications/moderation-digest", {}, token_from="/account")
    assert db.session.get(ModerationDigest, moderator.id) is None


def test_digest_mails_new_reports_once_and_only_to_those_who_asked(app: Flask) -> None:
    keen, quiet = make_user(locale="en"), make_user()
    consultation = discussion_consultation([keen, quiet])
    db.session.add(ModerationDigest(user_id=keen.id))
    db.session.commit()
    assert digest.send_digests() == 0  # nothing reported yet
    for body in ("Un", "Deux"):
        services.flag(
            make_user(), "comment", make_comment(make_thread(consultation), make_user(), body).id, "spam"
        )
    with app.test_request_context("/"):
        assert digest.send_digests() == 1
    [mail] = app.extensions["civic_outbox"]
    assert mail["To"] == keen.email and "2 new contributions reported" in mail["Subject"]
    assert f"/c/{consultation.slug}/moderation" in mail.get_content()
    with app.test_request_context("/"):
        assert digest.send_digests() == 0  # nothing new since
        services.flag(make_user(), "comment", make_comment(make_thread(consultation), make_user()).id, "spam")
        assert digest.send_digests() == 0  # less than a day after the last one
        assert digest.send_digests(utcnow() + timedelta(days=1)) == 1
    assert "1 new contribution reported" in app.extensions["civic_outbox"][-1]["Subject"]


def test_no_digest_for_someone_who_moderates_nothing_any_more(app: Flask) -> None:
    former = make_user()
    consultation = discussion_consultation([former])
    db.session.add(ModerationDigest(user_id=former.id))
    services.flag(make_user(), "comment", make_comment(make_thread(consultation), make_user()).id, "spam")
    consultation.moderators.clear()
    db.session.commit()
    with app.test_request_context("/"):
        assert digest.send_digests() == 0


def test_digest_command_sends_with_links_to_the_given_address(app: Flask) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    db.session.add(ModerationDigest(user_id=moderator.id))
    db.session.commit()
    services.flag(make_user(), "comment", make_comment(make_thread(consultation), make_user()).id, "spam")
    # The tests' configuration names a server (civic.test); a deployment without SERVER_NAME takes the
    # address from the command.
    server_name = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = None
    try:
        result = app.test_cli_runner().invoke(
            args=["civic", "moderation-digest", "--base-url", "https://civic.example.org"]
        )
    finally:
        app.config["SERVER_NAME"] = server_name
    assert result.exit_code == 0 and "1 digest(s) sent" in result.output
    [mail] = app.extensions["civic_outbox"]
    assert f"https://civic.example.org/c/{consultation.slug}/moderation" in mail.get_content()
    assert "1 nouvelle contribution signalée" in mail["Subject"]
