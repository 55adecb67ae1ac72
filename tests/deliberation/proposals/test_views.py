"""Proposal pages: list, filters, random order, writing with preview, bad input, rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic import create_app
from civic.deliberation.proposals.models import Proposal, Support
from civic.extensions import db, limiter
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_proposal, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _new(client: FlaskClient, slug: str, **fields: str) -> object:
    data = {
        "title": "Des ateliers",
        "body": "Pour *tous* les âges",
        "theme": "",
        "organisation": "",
        "publish": "Publier",
    }
    data.update(fields)
    return post_form(client, f"/c/{slug}/proposals/new", data)


def test_publish_a_proposal_and_read_it(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = _new(client, consultation.slug)
    assert response.status_code == 302
    page = html_text(client.get(response.headers["Location"]))
    assert "<h1>Des ateliers</h1>" in page and "<em>tous</em>" in page


def test_preview_shows_the_rendering_and_stores_nothing(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = _new(client, consultation.slug, publish="", preview="Aperçu")
    page = html_text(response)
    assert response.status_code == 200 and "<em>tous</em>" in page and "Pour *tous* les âges" in page
    assert _count(Proposal) == 0


def test_draft_is_invisible_to_others(app: Flask, client: FlaskClient) -> None:
    consultation = make_consultation()
    author = make_user()
    sign_in(client, author.email)
    response = _new(client, consultation.slug, publish="", save_draft="Brouillon")
    location = response.headers["Location"]
    assert client.get(location).status_code == 200
    other = app.test_client()
    assert other.get(location).status_code == 404
    assert "Des ateliers" not in html_text(other.get(f"/c/{consultation.slug}/proposals"))


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"body": ""},
        {"title": "x" * 151},
        {"body": "x" * 10_001},
        {"theme": "not-a-number"},
        {"theme": str(2**63)},
        {"title": "\u200b\u3164"},
        {"body": "\u2060\u00ad \u200d"},
    ],
)
def test_bad_proposal_is_refused_with_text_kept(client: FlaskClient, fields: dict[str, str]) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = _new(client, consultation.slug, **fields)
    assert response.status_code == 422
    assert _count(Proposal) == 0
    typed = fields.get("body", "Pour *tous* les âges")
    if len(typed) < 200:
        assert typed in html_text(response)


def test_unknown_theme_is_refused_with_text_kept(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = _new(client, consultation.slug, theme="999")
    assert response.status_code == 422 and "Pour *tous* les âges" in html_text(response)
    assert _count(Proposal) == 0


def test_script_in_a_proposal_is_neutralised(client: FlaskClient) -> None:
    consultation = make_consultation()
    sign_in(client, make_user().email)
    response = _new(client, consultation.slug, body="<script>alert(1)</script> [x](javascript:alert(1))")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page


def test_support_through_the_page_and_twice_is_a_conflict(client: FlaskClient) -> None:
    proposal = make_proposal(make_consultation(), make_user())
    path = f"/c/{proposal.consultation.slug}/proposals/{proposal.id}"
    sign_in(client, make_user().email)
    assert post_form(client, f"{path}/support", {}, token_from=path).status_code == 302
    assert post_form(client, f"{path}/support", {}, token_from=path).status_code == 409
    assert _count(Support) == 1
    assert "1 personne appuie cette proposition." in html_text(client.get(path))


def test_anonymous_support_is_sent_to_sign_in(client: FlaskClient) -> None:
    proposal = make_proposal(make_consultation(), make_user())
    path = f"/c/{proposal.consultation.slug}/proposals/{proposal.id}"
    response = post_form(client, f"{path}/support", {}, token_from=path)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _count(Support) == 0


def test_list_filters_by_theme_state_and_text(client: FlaskClient) -> None:
    from civic.deliberation.proposals import services

    admin = make_user(admin=True)
    consultation = make_consultation()
    theme = services.add_theme(admin, consultation, "Accès", "Access")
    first = make_proposal(consultation, make_user(), title="Bornes Wi-Fi")
    first.theme_id = theme.id
    make_proposal(consultation, make_user(), title="Ateliers", body="Formation", state="accepted")
    db.session.commit()
    base = f"/c/{consultation.slug}/proposals"
    assert "Ateliers" not in html_text(client.get(f"{base}?theme={theme.id}"))
    assert "Bornes Wi-Fi" not in html_text(client.get(f"{base}?state=accepted"))
    assert "Ateliers" not in html_text(client.get(f"{base}?q=bornes"))
    assert "2 propositions" in html_text(client.get(base))


def test_sort_by_most_supported(client: FlaskClient) -> None:
    consultation = make_consultation()
    make_proposal(consultation, make_user(), title="Peu", supports=1)
    make_proposal(consultation, make_user(), title="Beaucoup", supports=9)
    page = html_text(client.get(f"/c/{consultation.slug}/proposals?sort=supported"))
    assert page.index("Beaucoup") < page.index("Peu")


def test_random_order_is_stable_for_a_visitor_across_pages(app: Flask) -> None:
    consultation = make_consultation()
    for n in range(45):
        make_proposal(consultation, make_user(), title=f"Proposition {n:02d}")
    client = app.test_client()
    base = f"/c/{consultation.slug}/proposals?sort=random"

    def titles(page: int) -> list[str]:
        import re

        return re.findall(r"Proposition \d\d", html_text(client.get(f"{base}&page={page}")))

    seen = titles(1) + titles(2) + titles(3)
    assert sorted(seen) == [f"Proposition {n:02d}" for n in range(45)]  # every one exactly once
    assert titles(1) == seen[:20]  # the same order when coming back
    assert seen != sorted(seen)
    client = app.test_client()  # another visitor, another order
    assert titles(1) + titles(2) + titles(3) != seen


def test_bad_filters_are_ignored_not_errors(client: FlaskClient) -> None:
    consultation = make_consultation()
    for query in ["?theme=abc", "?state=nope", "?sort=nope", "?page=-3", "?page=abc", "?q=" + "x" * 500]:
        assert client.get(f"/c/{consultation.slug}/proposals{query}").status_code == 200


@pytest.fixture
def limited(app: Flask) -> Iterator[Flask]:
    limited_app = create_app({**app.config, "RATELIMIT_ENABLED": True, "PROPOSAL_LIMITS": "2 per hour"})
    limited_app.test_client_class = app.test_client_class
    limiter.reset()
    yield limited_app
    limiter.reset()
    limiter.enabled = False


def test_proposals_are_limited_per_person(limited: Flask) -> None:
    consultation = make_consultation()
    user = make_user()
    statuses = []
    for n in range(3):
        client = limited.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"  # another computer, the same person
        sign_in(client, user.email)
        statuses.append(_new(client, consultation.slug, title=f"P{n}").status_code)
    assert statuses == [302, 302, 429]
    assert _count(Proposal) == 2


def _queries_for(app: Flask, client: FlaskClient, path: str) -> int:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_list_costs_the_same_queries_for_5_or_60_proposals(app: Flask, client: FlaskClient) -> None:
    small, large = make_consultation(), make_consultation()
    for n in range(5):
        make_proposal(small, make_user(), title=f"Petite {n}")
    authors = [make_user() for _ in range(6)]
    for n in range(60):
        make_proposal(large, authors[n % 6], title=f"Grande {n}", supports=n)
    for query in ["", "?sort=supported", "?sort=discussed", "?sort=random&page=2", "?q=bornes"]:
        assert _queries_for(app, client, f"/c/{small.slug}/proposals{query}") == _queries_for(
            app, client, f"/c/{large.slug}/proposals{query}"
        ), query
