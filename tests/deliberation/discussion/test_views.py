"""The discussion through its pages: post, reply, edit, delete, vote, sort, pages, bad input, rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic import create_app
from civic.deliberation.discussion.models import Comment, CommentVote
from civic.extensions import db, limiter
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_user


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _page(consultation_slug: str) -> str:
    return f"/c/{consultation_slug}/discussion"


def _post(client: FlaskClient, slug: str, thread_id: int, body: str, **extra: str) -> object:
    return post_form(
        client,
        f"/discussion/threads/{thread_id}/comments",
        {"body": body, "stance": "", "next": _page(slug), **extra},
        token_from=_page(slug),
    )


def test_discussion_page_is_public_and_invites_to_sign_in(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    response = client.get(_page(consultation.slug))
    assert response.status_code == 200
    text = html_text(response)
    assert "Aucun commentaire pour l'instant." in text or "No comments yet." in text
    assert "/sign-in?next=" in text


def test_consultation_page_links_to_the_discussion(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    assert _page(consultation.slug) in client.get(f"/c/{consultation.slug}").get_data(as_text=True)


def test_posting_a_comment_redirects_to_it(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user(name="Jeanne").email)
    response = _post(client, consultation.slug, thread.id, "Bonjour **à tous**", stance="favour")
    comment = db.session.scalar(select(Comment))
    assert response.status_code == 302
    assert comment is not None and response.headers["Location"].endswith(f"#comment-{comment.id}")
    page = html_text(client.get(_page(consultation.slug)))
    assert "<strong>à tous</strong>" in page and "Jeanne" in page
    assert "Position :" in page or "Position:" in page


@pytest.mark.parametrize(
    ("body", "status"),
    [("", 422), ("   ", 422), ("x" * 5001, 422)],
    ids=["empty", "blank", "oversized"],
)
def test_bad_comment_is_refused_and_text_kept(client: FlaskClient, body: str, status: int) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user().email)
    response = _post(client, consultation.slug, thread.id, body)
    assert response.status_code == status
    assert _count(Comment) == 0
    if body.strip():
        assert body in html_text(response)


def test_unknown_stance_is_refused(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user().email)
    response = _post(client, consultation.slug, thread.id, "Texte gardé", stance="maybe")
    assert response.status_code == 422 and "Texte gardé" in html_text(response)
    assert _count(Comment) == 0


def test_comment_on_a_locked_thread_is_a_conflict_with_text_kept(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    thread.locked = True
    db.session.commit()
    sign_in(client, make_user().email)
    response = _post(client, consultation.slug, thread.id, "Mon texte précieux")
    assert response.status_code == 409 and "Mon texte précieux" in html_text(response)
    assert _count(Comment) == 0


def test_reply_to_a_hidden_comment_is_refused_and_keeps_the_text(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    parent = make_comment(thread, make_user())
    parent.hidden = True
    db.session.commit()
    sign_in(client, make_user().email)
    path = f"/discussion/comments/{parent.id}/reply"
    response = post_form(
        client, path, {"body": "Réponse gardée", "stance": ""}, token_from=_page(consultation.slug)
    )
    assert response.status_code == 403 and "Réponse gardée" in html_text(response)
    assert _count(Comment) == 1
    assert client.get(path).status_code == 403  # nothing typed yet: no form to keep


def test_reply_with_js_off_flow(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    parent = make_comment(thread, make_user())
    sign_in(client, make_user().email)
    path = f"/discussion/comments/{parent.id}/reply"
    form_page = client.get(f"{path}?next={_page(consultation.slug)}")
    assert form_page.status_code == 200 and 'name="body"' in form_page.get_data(as_text=True)
    response = post_form(
        client, path, {"body": "Je réponds", "stance": "against", "next": _page(consultation.slug)}
    )
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == parent.id))
    assert reply is not None and reply.stance == "against"
    assert response.headers["Location"].endswith(f"{_page(consultation.slug)}#comment-{reply.id}")


def test_external_next_is_ignored(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user().email)
    response = _post(client, consultation.slug, thread.id, "Texte", next="https://evil.example/")
    assert "evil.example" not in response.headers["Location"]


def test_edit_page_and_late_edit_shows_the_mark(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    author = make_user()
    comment = make_comment(thread, author, "Avant", minutes_ago=30)
    sign_in(client, author.email)
    response = post_form(client, f"/discussion/comments/{comment.id}/edit", {"body": "Après", "stance": ""})
    assert response.status_code == 302
    page = html_text(client.get(_page(consultation.slug)))
    assert "Après" in page and f"/discussion/comments/{comment.id}/history" in page
    history = html_text(client.get(f"/discussion/comments/{comment.id}/history"))
    assert "Avant" in history and "Après" in history


def test_someone_else_cannot_open_the_edit_page(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    comment = make_comment(make_thread(consultation), make_user())
    sign_in(client, make_user().email)
    assert client.get(f"/discussion/comments/{comment.id}/edit").status_code == 403


def test_delete_shows_placeholder_and_keeps_replies(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    author = make_user()
    top = make_comment(thread, author, "Message à effacer")
    make_comment(thread, make_user(), "Réponse qui reste", parent=top)
    sign_in(client, author.email)
    post_form(
        client,
        f"/discussion/comments/{top.id}/delete",
        {"next": _page(consultation.slug)},
        token_from=_page(consultation.slug),
    )
    page = html_text(client.get(_page(consultation.slug)))
    assert "Message à effacer" not in page and "Réponse qui reste" in page
    assert "supprimé par son auteur" in page or "deleted by its author" in page


def test_vote_twice_toggles(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    comment = make_comment(make_thread(consultation), make_user())
    sign_in(client, make_user().email)
    path = f"/discussion/comments/{comment.id}/vote"
    post_form(client, path, {"value": "up"}, token_from=_page(consultation.slug))
    assert _count(CommentVote) == 1
    post_form(client, path, {"value": "up"}, token_from=_page(consultation.slug))
    assert _count(CommentVote) == 0


def test_bad_vote_value_is_refused(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    comment = make_comment(make_thread(consultation), make_user())
    sign_in(client, make_user().email)
    response = post_form(
        client,
        f"/discussion/comments/{comment.id}/vote",
        {"value": "sideways"},
        token_from=_page(consultation.slug),
    )
    assert response.status_code == 422 and _count(CommentVote) == 0


def test_sort_by_newest_and_most_helpful(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    old = make_comment(thread, make_user(), "ANCIEN", minutes_ago=10)
    make_comment(thread, make_user(), "RÉCENT", minutes_ago=1)
    services_vote_user = make_user()
    from civic.deliberation.discussion import services

    services.vote(services_vote_user, old, 1)
    newest = html_text(client.get(_page(consultation.slug) + "?sort=newest"))
    assert newest.index("RÉCENT") < newest.index("ANCIEN")
    helpful = html_text(client.get(_page(consultation.slug) + "?sort=helpful"))
    assert helpful.index("ANCIEN") < helpful.index("RÉCENT")


@pytest.mark.parametrize("query", ["?sort=nonsense&page=abc", "?page=-3", "?page=0", "?page=999&sort="])
def test_bad_sort_or_page_values_show_the_first_page_oldest_first(client: FlaskClient, query: str) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    make_comment(thread, make_user(), "ANCIEN", minutes_ago=10)
    make_comment(thread, make_user(), "RÉCENT", minutes_ago=1)
    response = client.get(_page(consultation.slug) + query)
    assert response.status_code == 200
    page = html_text(response)
    assert page.index("ANCIEN") < page.index("RÉCENT")


def test_deep_replies_are_behind_continue_this_thread(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    author = make_user()
    parent = None
    comments = []
    for depth in range(7):
        parent = make_comment(thread, author, f"NIVEAU-{depth}", parent=parent)
        comments.append(parent)
    page = html_text(client.get(_page(consultation.slug)))
    assert "NIVEAU-3" in page and "NIVEAU-4" not in page
    link = f"/discussion/comments/{comments[3].id}"
    assert f'href="{link}"' in page
    sub = html_text(client.get(link))
    assert "NIVEAU-4" in sub and "NIVEAU-6" in sub and "NIVEAU-2" not in sub


def test_registered_only_consultation_hides_its_discussion(client: FlaskClient) -> None:
    consultation = discussion_consultation(visibility="registered")
    comment = make_comment(make_thread(consultation), make_user())
    assert client.get(_page(consultation.slug)).status_code == 403
    assert client.get(f"/discussion/comments/{comment.id}").status_code == 404
    assert client.get(f"/discussion/comments/{comment.id}/fragment").status_code == 404


def test_fragment_is_rendered_in_the_readers_language(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    comment = make_comment(make_thread(consultation), make_user(), stance="against")
    client.set_cookie("lang", "en", domain="civic.test")
    fragment = html_text(client.get(f"/discussion/comments/{comment.id}/fragment?next=/c/x/discussion"))
    assert fragment.lstrip().startswith("<li") and "Against" in fragment and "<html" not in fragment


@pytest.fixture
def rate_limited(app: Flask) -> Iterator[Flask]:
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "COMMENT_LIMITS": "3 per minute"})
    limited.test_client_class = app.test_client_class
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.enabled = False


def test_comments_are_limited_per_person_not_per_address(rate_limited: Flask) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    first, second = rate_limited.test_client(), rate_limited.test_client()
    sign_in(first, make_user().email)
    sign_in(second, make_user().email)
    statuses = [_post(first, consultation.slug, thread.id, f"Message {i}").status_code for i in range(4)]  # type: ignore[attr-defined]
    assert statuses == [302, 302, 302, 429]
    limited = _post(first, consultation.slug, thread.id, "Encore")
    assert "Retry-After" in limited.headers  # type: ignore[attr-defined]
    assert _post(second, consultation.slug, thread.id, "Autre personne").status_code == 302  # type: ignore[attr-defined]


def test_a_comment_of_invisible_characters_only_is_refused_and_kept(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user().email)
    invisible = "\u200b\u3164\u2060 \u00ad"
    response = post_form(
        client,
        f"/discussion/threads/{thread.id}/comments",
        {"body": invisible, "stance": ""},
        token_from=_page(consultation.slug),
    )
    assert response.status_code == 422
    assert "invisibles" in html_text(response) and invisible in html_text(response)
    assert _count(Comment) == 0


def test_the_buttons_shown_follow_the_predicates_the_services_check(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    author, reader = make_user(), make_user()
    mine = make_comment(thread, author, "Mon avis")
    make_comment(thread, reader, "Un autre avis")
    thread.locked = True
    db.session.commit()
    sign_in(client, author.email)
    page = client.get(_page(consultation.slug)).get_data(as_text=True)
    # Locked: no edit (the service refuses it), but the author may still delete their comment.
    assert f"/discussion/comments/{mine.id}/edit" not in page
    assert f"/discussion/comments/{mine.id}/delete" in page
    assert f"/discussion/comments/{mine.id}/vote" not in page  # not on one's own comment
    assert page.count("/vote") == 1  # on the other's
    response = post_form(
        client, f"/discussion/comments/{mine.id}/delete", {"next": _page(consultation.slug)},
        token_from=_page(consultation.slug),
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, mine.id).deleted  # type: ignore[union-attr]
