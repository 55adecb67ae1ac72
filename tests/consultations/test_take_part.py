"""Invite, then guide: "Take part now" on a consultation, the step and call to action on the home page,
"Sign in to ..." for people signed out, and a local `next` that survives sign-in and sign-up."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic.consultations.models import Consultation
from tests.conftest import html_text, post_form, sign_in
from tests.factories import PASSWORD, make_consultation, make_document, make_proposal, make_user
from tests.voting.factories import make_poll


def _text(html: str, keep_links: bool = False) -> str:
    """The page without its tags (links kept on demand): user text inside a sentence carries a lang span."""
    return re.sub(r"<(?!a |/a>)[^>]+>" if keep_links else r"<[^>]+>", "", html)


def _lang(client: FlaskClient, lang: str) -> None:
    client.set_cookie("lang", lang, domain="civic.test")


def _consultation() -> Consultation:
    """Proposals open now (until day 10), one published proposal, and a poll open for 3 more days."""
    consultation = make_consultation(slug="plan")
    make_proposal(consultation, make_user(name="Autrice"))
    make_poll(consultation, closes_in_days=3.5)
    return consultation


@pytest.mark.parametrize(
    ("lang", "heading", "about", "items"),
    [
        (
            "en",
            "Take part now",
            "About this consultation",
            [
                "Write a proposal",
                "Read the proposal and support it",
                "Vote: Which priorities?",
                "3 days left",
            ],
        ),
        (
            "fr",
            "Participer maintenant",
            "À propos de cette consultation",
            [
                "Rédiger une proposition",
                "Lire la proposition et l’appuyer",
                "Voter : Quelles priorités?",
                "3 jours restants",
            ],
        ),
    ],
)
def test_the_consultation_page_starts_with_what_is_open_now(
    client: FlaskClient, lang: str, heading: str, about: str, items: list[str]
) -> None:
    _consultation()
    sign_in(client, make_user(locale=lang).email)
    page = html_text(client.get("/c/plan"))
    section = _text(page[page.index(heading) : page.index(about)])
    for item in items:
        assert item in section
    # Only the poll has a deadline of its own; the rest closes with the phase, given once by the step line.
    assert section.count(items[-1].split(" ", 1)[1]) == 1
    assert page.index(heading) < page.index(about) < page.index('class="timeline"')


@pytest.mark.parametrize(
    ("lang", "propose", "vote"),
    [
        ("en", "Sign in to propose", "Sign in to vote: Which priorities?"),
        ("fr", "Connectez-vous pour proposer", "Connectez-vous pour voter : Quelles priorités?"),
    ],
)
def test_someone_signed_out_is_asked_to_sign_in_where_the_action_would_be(
    client: FlaskClient, lang: str, propose: str, vote: str
) -> None:
    _consultation()
    _lang(client, lang)
    page = html_text(client.get("/c/plan"))
    assert f'<a class="button primary" href="/sign-in?next=/c/plan">{propose}</a>' in page
    assert _href(_text(page, keep_links=True), vote) == "/sign-in?next=/c/plan"
    assert "/c/plan/proposals/new" not in page


def test_nothing_open_is_said_plainly(client: FlaskClient) -> None:
    make_consultation(slug="plan", phases=[("report", -1, 10)])
    _lang(client, "en")
    page = html_text(client.get("/c/plan"))
    assert "Nothing is open for taking part at the moment." in page


def test_the_timeline_names_only_components_that_exist(client: FlaskClient) -> None:
    consultation = make_consultation(slug="plan", phases=[("proposals", -1, 10), ("co-drafting", 10, 20)])
    _lang(client, "en")
    assert "Open in this phase: Co-drafting" not in html_text(client.get("/c/plan"))
    make_document(consultation)
    assert "Open in this phase: Co-drafting" in html_text(client.get("/c/plan"))


@pytest.mark.parametrize(
    ("lang", "step", "action"),
    [
        ("en", "Step 2 of 3: Proposals, until", "Write a proposal"),
        ("fr", "Étape 2 sur 3 : Propositions, jusqu'au", "Rédiger une proposition"),
    ],
)
def test_the_home_page_gives_purpose_step_and_what_to_do(
    client: FlaskClient, lang: str, step: str, action: str
) -> None:
    consultation = _consultation()
    consultation.description_html_en = "<p>Plan the <em>digital</em> future together.</p><p>More.</p>"
    consultation.description_html_fr = "<p>Planifier <em>ensemble</em> le numérique.</p><p>Suite.</p>"
    sign_in(client, make_user(locale=lang).email)
    page = html_text(client.get("/"))
    purpose = "Plan the digital future together." if lang == "en" else "Planifier ensemble le numérique."
    assert f'<p class="purpose" lang="{lang}">{purpose}</p>' in page
    assert step in page
    assert f'<a class="button primary" href="/c/plan/proposals/new">{action}</a>' in page


def test_the_home_page_asks_someone_signed_out_to_sign_in_and_come_back(client: FlaskClient) -> None:
    _consultation()
    _lang(client, "fr")
    page = html_text(client.get("/"))
    assert '<a class="button primary" href="/sign-in?next=/">Connectez-vous pour proposer</a>' in page


def _href(page: str, text: str) -> str:
    """The address of the first link whose text starts with `text` (the page already unescaped)."""
    match = re.search(r'<a(?: class="[^"]*")? href="([^"]+)">' + re.escape(text), page)
    assert match, text
    return match.group(1)


def _next_of(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("next")
    return values[0] if values else None


def test_signing_in_brings_the_person_back(client: FlaskClient) -> None:
    _consultation()
    user = make_user()
    _lang(client, "en")
    sign_in_url = _href(html_text(client.get("/c/plan")), "Sign in to propose")
    assert _next_of(sign_in_url) == "/c/plan"
    response = post_form(
        client, sign_in_url, {"email": user.email, "password": PASSWORD}, token_from="/sign-in"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/c/plan"


def test_creating_an_account_brings_the_person_back(app: Flask, client: FlaskClient) -> None:
    _consultation()
    _lang(client, "en")
    sign_in_url = _href(html_text(client.get("/c/plan")), "Sign in to propose")
    register_url = _href(html_text(client.get(sign_in_url)), "Create an account")
    assert _next_of(register_url) == "/c/plan"
    form = {"display_name": "Marie", "email": "marie@example.org", "password": "une phrase assez longue"}
    response = post_form(client, register_url, {**form, "locale": "en"}, token_from="/register")
    sent = response.headers["Location"]
    # The "check your e-mail" page's sign-in link keeps the way back too (for someone who confirms elsewhere).
    assert _next_of(_href(html_text(client.get(sent)), "Sign in")) == "/c/plan"
    body = app.extensions["civic_outbox"][-1].get_content()
    link = re.search(r"http://civic\.test(/register/confirm/\S+)", body)
    assert link
    response = client.get(link.group(1))
    assert response.status_code == 302 and response.headers["Location"] == "/c/plan"


def test_someone_who_already_has_an_account_is_mailed_a_sign_in_link_that_comes_back(
    app: Flask, client: FlaskClient
) -> None:
    owner = make_user(email="prise@example.org")
    form = {"display_name": "X", "email": owner.email, "password": "une phrase assez longue", "locale": "fr"}
    post_form(client, "/register?next=/c/plan", form, token_from="/register")
    body = app.extensions["civic_outbox"][-1].get_content()
    assert "/sign-in?next=/c/plan" in body


HOSTILE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "evil"]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_is_dropped_on_sign_in(client: FlaskClient, target: str) -> None:
    user = make_user()
    response = post_form(
        client, "/sign-in", {"email": user.email, "password": PASSWORD}, query_string={"next": target}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_is_dropped_on_sign_up_and_not_passed_on(
    app: Flask, client: FlaskClient, target: str
) -> None:
    for path in ("/register", "/sign-in"):
        links = re.findall(
            r'<a[^>]* href="([^"]*)"', html_text(client.get(path, query_string={"next": target}))
        )
        assert links and not [link for link in links if "evil" in link.lower()], path
    form = {"display_name": "Marie", "email": "marie@example.org", "password": "une phrase assez longue"}
    response = post_form(
        client, "/register", {**form, "locale": "fr"}, token_from="/register", query_string={"next": target}
    )
    assert "evil" not in response.headers["Location"]
    body = app.extensions["civic_outbox"][-1].get_content()
    link = re.search(r"http://civic\.test(/register/confirm/\S+)", body)
    assert link
    assert client.get(link.group(1)).headers["Location"] == "/"


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "Sign in to propose"), ("fr", "Connectez-vous pour proposer")]
)
def test_the_proposals_page_asks_someone_signed_out_to_sign_in_to_propose(
    client: FlaskClient, lang: str, label: str
) -> None:
    _consultation()
    _lang(client, lang)
    page = html_text(client.get("/c/plan/proposals"))
    assert f'<a class="button primary" href="/sign-in?next=/c/plan/proposals">{label}</a>' in page


def test_the_proposals_page_does_not_ask_to_sign_in_when_proposals_are_closed(client: FlaskClient) -> None:
    make_consultation(slug="plan", phases=[("voting", -1, 10)])
    _lang(client, "en")
    assert "Sign in to propose" not in html_text(client.get("/c/plan/proposals"))


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("closed", "This consultation no longer takes contributions"),
        ("draft", "This consultation is not open: it takes no contributions."),
    ],
)
def test_a_consultation_not_open_says_why_nothing_is_open(
    client: FlaskClient, status: str, said: str
) -> None:
    moderator = make_user(locale="en")
    make_consultation(slug="plan", status=status, moderators=[moderator])
    sign_in(client, moderator.email)
    page = html_text(client.get("/c/plan"))
    assert said in page and "Write a proposal" not in page
