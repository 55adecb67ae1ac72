"""Notifications: the list, the unread count in the header, marking read, the e-mail opt-in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.extensions import db
from civic.notifications import services
from civic.notifications.models import Notification
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user


def test_reply_appears_in_the_list_with_an_unread_count(client: FlaskClient) -> None:
    author = make_user()
    thread = make_thread(discussion_consultation())
    top = make_comment(thread, author)
    make_comment(thread, make_user(name="Amira Haddad"), "Merci pour ce point", parent=top)
    sign_in(client, author.email)
    header = html_text(client.get("/"))
    assert "(1 non lue)" in header or "(1 unread)" in header
    page = html_text(client.get("/notifications"))
    assert "Amira Haddad" in page and "Merci pour ce point" in page
    post_form(client, "/notifications/read", {}, token_from="/notifications")
    assert db.session.scalar(select(Notification)).read_at is not None  # type: ignore[union-attr]
    assert (
        "unread"
        not in html_text(client.get("/")).replace("non lue", "unread").split("Notifications", 1)[1][:40]
    )


def test_notifications_need_sign_in(client: FlaskClient) -> None:
    assert client.get("/notifications").status_code == 302


def test_email_only_for_those_who_opted_in(app: Flask, client: FlaskClient) -> None:
    quiet, keen = make_user(), make_user(locale="en")
    services.notify(quiet.id, "reply", None, "/x", "Jean", "Bonjour")
    assert app.extensions["civic_outbox"] == []
    sign_in(client, keen.email)
    post_form(client, "/notifications/email", {"email_notifications": "y"}, token_from="/account")
    db.session.refresh(keen)
    assert keen.email_notifications
    services.notify(keen.id, "reply", None, "/discussion/comments/1", "Jean", "Hello")
    [mail] = app.extensions["civic_outbox"]
    assert mail["To"] == keen.email and "Jean replied to your comment" in mail["Subject"]


def test_opt_out_again(client: FlaskClient) -> None:
    user = make_user()
    user.email_notifications = True
    db.session.commit()
    sign_in(client, user.email)
    post_form(client, "/notifications/email", {}, token_from="/account")
    db.session.refresh(user)
    assert not user.email_notifications


def test_account_page_has_the_toggle(client: FlaskClient) -> None:
    sign_in(client, make_user().email)
    assert 'name="email_notifications"' in client.get("/account").get_data(as_text=True)


def test_a_hidden_reply_is_no_longer_quoted_in_notifications(client: FlaskClient) -> None:
    from civic.deliberation.moderation import services as moderation

    author, moderator = make_user(), make_user()
    consultation = discussion_consultation(moderators=[moderator])
    thread = make_thread(consultation)
    top = make_comment(thread, author)
    reply = make_comment(thread, make_user(), "Propos injurieux ici", parent=top)
    moderation.hide(moderator, consultation, "comment", reply.id, "Insulte")
    sign_in(client, author.email)
    page = html_text(client.get("/notifications"))
    assert "Propos injurieux" not in page
    assert "a répondu à votre commentaire" in page  # the notice stays, without the hidden text


def test_a_deleted_reply_is_no_longer_quoted_in_notifications(client: FlaskClient) -> None:
    from civic.deliberation.discussion import services as discussion

    author, replier = make_user(), make_user()
    thread = make_thread(discussion_consultation())
    top = make_comment(thread, author)
    reply = make_comment(thread, replier, "Texte regretté", parent=top)
    discussion.delete_comment(replier, reply)
    sign_in(client, author.email)
    assert "Texte regretté" not in html_text(client.get("/notifications"))


def test_notifications_of_a_consultation_taken_back_to_draft_are_not_listed(client: FlaskClient) -> None:
    author = make_user()
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    top = make_comment(thread, author)
    make_comment(thread, make_user(), "Réponse confidentielle", parent=top)
    consultation.status = "draft"
    db.session.commit()
    sign_in(client, author.email)
    assert "Réponse confidentielle" not in html_text(client.get("/notifications"))


def test_an_english_email_quotes_with_english_marks_and_a_french_one_with_guillemets(app: Flask) -> None:
    for locale, quoted in (("en", "“Hello”"), ("fr", "« Hello »")):
        user = make_user(locale=locale)
        user.email_notifications = True
        db.session.commit()
        services.notify(user.id, "reply", None, "/discussion/comments/1", "Jean", "Hello")
        mail = app.extensions["civic_outbox"][-1]
        body = mail.get_content() if hasattr(mail, "get_content") else str(mail)
        assert quoted in body, body
