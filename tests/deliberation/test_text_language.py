"""User text in the other language than the page carries lang, so screen readers pronounce it right."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.deliberation.discussion.models import Comment
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_thread
from tests.factories import make_consultation, make_user


def _propose(client: FlaskClient, slug: str, **fields: str) -> object:
    data = {"title": "Workshops", "body": "For *all* ages", "theme": "", "organisation": "", "publish": "1"}
    return post_form(client, f"/c/{slug}/proposals/new", {**data, **fields})


def test_a_proposal_written_on_an_english_page_is_english_and_marked_on_french_pages(
    client: FlaskClient,
) -> None:
    consultation = make_consultation()
    sign_in(client, make_user(locale="en").email)
    response = _propose(client, consultation.slug)
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal is not None and proposal.language == "en"
    english = html_text(client.get(response.headers["Location"]))
    assert "<h1>Workshops</h1>" in english and '<div class="prose">' in english
    reader = make_user(locale="fr")
    sign_in(client, reader.email)
    french = html_text(client.get(response.headers["Location"]))
    assert '<h1 lang="en">Workshops</h1>' in french and '<div class="prose" lang="en">' in french
    listing = html_text(client.get(f"/c/{consultation.slug}/proposals"))
    assert '<span lang="en">Workshops</span>' in listing


def test_the_author_can_say_the_text_is_in_the_other_language(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user(locale="fr").email)
    form = html_text(client.get(f"/c/{consultation.slug}/proposals/new"))
    assert re.search(r'<option selected value="fr">Français</option>|<option value="fr" selected>', form)
    response = _propose(client, consultation.slug, language="en")
    assert response.status_code == 302
    assert '<h1 lang="en">Workshops</h1>' in html_text(client.get(response.headers["Location"]))


def test_an_unknown_language_is_refused_with_the_text_kept(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user(locale="fr").email)
    response = _propose(client, consultation.slug, language="xx")
    assert response.status_code == 422 and "For *all* ages" in html_text(response)
    assert db.session.scalar(select(Proposal)) is None


def test_a_comment_keeps_the_language_of_the_page_it_was_written_on(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    sign_in(client, make_user(locale="en").email)
    page = f"/c/{consultation.slug}/discussion"
    response = post_form(
        client, f"/discussion/threads/{thread.id}/comments", {"body": "Good idea"}, token_from=page
    )
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert comment is not None and comment.language == "en"
    assert '<div class="prose">' in html_text(client.get(page))  # same language: no attribute
    sign_in(client, make_user(locale="fr").email)
    assert '<div class="prose" lang="en"><p>Good idea</p>' in html_text(client.get(page))


def test_the_demos_english_speaker_writes_in_english(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["civic", "demo"])
    assert result.exit_code == 0, result.output
    english = db.session.scalar(
        select(Proposal).where(Proposal.title == "Plain-language government websites")
    )
    french = db.session.scalar(select(Proposal).where(Proposal.title.startswith("Du Wi-Fi gratuit")))
    assert english is not None and english.language == "en"
    assert french is not None and french.language == "fr"
    languages = {c.body[:10]: c.language for c in db.session.scalars(select(Comment))}
    assert languages["Yes — and "] == "en" and languages["Tout à fai"] == "fr"
