"""Moderators find their work: the header's count, the overview of queues, what a queue item shows."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from civic.deliberation.moderation import queries, services
from civic.extensions import db
from civic.text import render_excerpt
from tests.conftest import html_text, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.usefixtures("app")


def _flag(kind: str, target_id: int, times: int = 1) -> None:
    for _ in range(times):
        services.flag(make_user(), kind, target_id, "spam")


def _header_link(page: str) -> str | None:
    match = re.search(r'<a href="/moderation"[^>]*>(.*?)</a>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else None


def test_waiting_counts_distinct_unsettled_items_of_the_consultations_one_moderates() -> None:
    moderator = make_user()
    mine, other = discussion_consultation([moderator]), discussion_consultation()
    first = make_comment(make_thread(mine), make_user())
    second = make_comment(make_thread(mine), make_user(), "Deuxième")
    elsewhere = make_comment(make_thread(other), make_user())
    _flag("comment", first.id, 2)
    _flag("comment", second.id)
    _flag("comment", elsewhere.id)
    assert queries.waiting(moderator) == queries.Waiting(2)
    services.restore(moderator, mine, "comment", second.id)
    assert queries.waiting(moderator) == queries.Waiting(1)
    assert queries.waiting(make_user(admin=True)) == queries.Waiting(2)  # first and elsewhere


def test_waiting_is_none_for_people_who_moderate_nothing() -> None:
    discussion_consultation([make_user()])
    assert queries.waiting(make_user()) is None
    assert queries.waiting(None) is None
    assert queries.waiting(make_user(admin=True)) == queries.Waiting(0)


@pytest.mark.parametrize(
    ("locale", "expected"), [("fr", "Modération (2 en attente)"), ("en", "Moderation (2 waiting)")]
)
def test_header_shows_the_count_to_a_moderator(client: FlaskClient, locale: str, expected: str) -> None:
    moderator = make_user(locale=locale)
    consultation = discussion_consultation([moderator])
    _flag("comment", make_comment(make_thread(consultation), make_user()).id)
    _flag("comment", make_comment(make_thread(consultation), make_user(), "Autre").id)
    sign_in(client, moderator.email)
    assert _header_link(html_text(client.get("/"))) == expected


def test_header_has_no_moderation_link_for_others_and_no_count_when_nothing_waits(
    client: FlaskClient,
) -> None:
    moderator, citizen = make_user(), make_user()
    discussion_consultation([moderator])
    sign_in(client, citizen.email)
    assert _header_link(html_text(client.get("/"))) is None
    sign_in(client, moderator.email)
    assert _header_link(html_text(client.get("/"))) == "Modération"


def test_header_count_costs_one_query(client: FlaskClient, app: object) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    sign_in(client, moderator.email)
    client.get("/")

    def queries_for_home() -> int:
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get("/")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return sum("flags" in statement for statement in statements)

    assert queries_for_home() == 1
    for index in range(3):
        _flag("comment", make_comment(make_thread(consultation), make_user(), f"N{index}").id)
    assert queries_for_home() == 1


def test_overview_lists_each_queue_and_sends_a_single_queue_straight_to_it(client: FlaskClient) -> None:
    moderator = make_user()
    first = discussion_consultation([moderator])
    sign_in(client, moderator.email)
    response = client.get("/moderation")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/c/{first.slug}/moderation"
    )
    second = discussion_consultation([moderator])
    _flag("comment", make_comment(make_thread(second), make_user()).id)
    page = html_text(client.get("/moderation"))
    assert f"/c/{first.slug}/moderation" in page and f"/c/{second.slug}/moderation" in page
    assert page.index(f"/c/{second.slug}/moderation") < page.index(f"/c/{first.slug}/moderation")
    assert "1 contribution en attente" in page


def test_overview_is_forbidden_to_people_who_moderate_nothing(client: FlaskClient) -> None:
    assert client.get("/moderation").status_code == 302  # to sign in
    sign_in(client, make_user().email)
    assert client.get("/moderation").status_code == 403


def test_queue_item_shows_rendered_excerpt_author_and_place(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    proposal = make_proposal(consultation, make_user(name="Autrice"), title="Des parcs")
    thread = make_thread(consultation, "proposal", proposal.id)
    comment = make_comment(
        thread, make_user(name="Jean Commentaire"), "# Titre\n\nDu **gras** <script>alert(1)</script>"
    )
    _flag("comment", comment.id)
    _flag("proposal", proposal.id)
    sign_in(client, moderator.email)
    page = client.get(f"/c/{consultation.slug}/moderation").get_data(as_text=True)
    assert "Jean Commentaire" in page and "Autrice" in page
    assert "<strong>gras</strong>" in page and "<script>alert" not in page
    assert "<p><strong>Titre</strong></p>" in page  # no heading of the author's in the queue
    assert f'href="/c/{consultation.slug}/proposals/{proposal.id}">Des parcs</a>' in page
    assert f'href="/c/{consultation.slug}/proposals"' in page  # the proposal stands among the proposals


def test_excerpt_is_cut_at_a_word_and_keeps_tags_closed() -> None:
    source = "Un **début** " + "mot " * 200
    html = str(render_excerpt(source, 100))
    assert html.startswith("<p>Un <strong>début</strong>") and html.endswith("…</p>")
    assert len(html) < 140 and "mo …" not in html
    assert str(render_excerpt("Court.")) == "<p>Court.</p>"
