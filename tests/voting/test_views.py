"""Polls through the pages: define, vote without JavaScript, receipts, bad input, results, audit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.consultations.models import Consultation
from civic.extensions import db
from civic.voting import ballots, closing
from civic.voting.models import Ballot, Participation, Poll
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll

NEW = {
    "question_fr": "Quelle priorité?",
    "question_en": "Which priority?",
    "description_fr": "Une **description**",
    "description_en": "",
    "options_fr": "Accès\nFormation\nServices",
    "options_en": "Access\nTraining\nServices",
    "method": "schulze",
    "seats": "1",
    "rules_preset": "default",
    "max_score": "5",
    "block_threshold": "1",
    "opens_at": "2020-01-01T09:00",
    "closes_at": "2099-01-01T09:00",
    "eligibility": "registered",
    "secrecy": "secret",
}


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _url(consultation: Consultation, poll: Poll | None = None, tail: str = "") -> str:
    base = f"/c/{consultation.slug}/polls"
    return f"{base}/{poll.id}{tail}" if poll else base + tail


def _moderated(locale: str = "fr") -> tuple[Consultation, Any]:
    moderator = make_user(locale=locale)
    return make_consultation(moderators=[moderator]), moderator


def test_moderator_creates_a_poll(client: FlaskClient) -> None:
    consultation, moderator = _moderated()
    sign_in(client, moderator.email)
    response = post_form(client, _url(consultation, tail="/new"), NEW)
    assert response.status_code == 302
    poll = db.session.scalar(select(Poll))
    assert poll is not None and [o.label_en for o in poll.options] == ["Access", "Training", "Services"]
    assert poll.description_html_fr == "<p>Une <strong>description</strong></p>"


def test_citizen_cannot_create_a_poll(client: FlaskClient) -> None:
    consultation, _moderator = _moderated()
    sign_in(client, make_user().email)
    assert client.get(_url(consultation, tail="/new")).status_code == 403
    response = post_form(client, _url(consultation, tail="/new"), NEW, token_from=_url(consultation))
    assert response.status_code == 403 and _count(Poll) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"options_fr": "Une seule", "options_en": ""}, "Give at least two options"),
        ({"options_en": "Access"}, "Give as many options in English"),
        ({"options_fr": "A\nA", "options_en": ""}, "Each option must be different"),
        ({"closes_at": "2019-01-01T09:00"}, "The poll must close after it opens"),
        ({"question_fr": "", "question_en": ""}, "Write the question in at least one language"),
        (
            {"eligibility": "invited", "invited_emails": "nobody@example.org"},
            "No account uses: nobody@example.org",
        ),
        ({"method": "stv", "seats": "3"}, "Choose between 1 and 2 seats"),
    ],
)
def test_bad_poll_definitions_are_refused_and_text_kept(
    client: FlaskClient, change: dict[str, str], message: str
) -> None:
    consultation, moderator = _moderated(locale="en")
    sign_in(client, moderator.email)
    response = post_form(client, _url(consultation, tail="/new"), {**NEW, **change})
    assert response.status_code == 422
    page = html_text(response)
    assert message in page and "Une **description**" in page
    assert _count(Poll) == 0


def test_method_and_options_are_locked_once_there_are_ballots(client: FlaskClient) -> None:
    consultation, moderator = _moderated()
    poll = make_poll(consultation)
    cast(make_user(), poll, consultation, [0])
    sign_in(client, moderator.email)
    edit = _url(consultation, poll, "/edit")
    form = {**NEW, "options_fr": "Un\nDeux", "options_en": ""}
    response = post_form(client, edit, form)
    assert response.status_code == 409
    assert "its method and options can no longer change" in html_text(
        response
    ) or "ne peuvent plus" in html_text(response)
    db.session.refresh(poll)
    assert len(poll.options) == 4


def _ranked_page(client: FlaskClient, consultation: Consultation, poll: Poll) -> str:
    return client.get(_url(consultation, poll)).get_data(as_text=True)


def test_ranked_ballot_without_javascript_then_receipt_shown_once(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    sign_in(client, make_user().email)
    page = _ranked_page(client, consultation, poll)
    assert 'name="rank-0"' in page and "<legend>" in page
    response = post_form(
        client,
        _url(consultation, poll, "/ballot"),
        {"rank-1": "1", "rank-3": "2"},
        token_from=_url(consultation, poll),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.choice == "[1,3]"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ballot.receipt in receipt and ballot.record_hash in receipt
    again = client.get(response.headers["Location"])
    assert again.status_code == 302 and ballot.receipt not in client.get(again.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"rank-0": "1", "rank-1": "1"}, "Le rang 1 est donné à plus d'une option"),
        ({"rank-0": "1", "rank-2": "3"}, "Le rang 2 manque"),
        ({}, "Classez au moins une option"),
        ({"rank-0": "1", "rank-9": "2"}, "une option qui ne fait pas partie du scrutin"),
    ],
)
def test_bad_ballots_get_a_french_message_keep_choices_and_store_nothing(
    client: FlaskClient, form: dict[str, str], message: str
) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    sign_in(client, make_user(locale="fr").email)
    response = post_form(
        client, _url(consultation, poll, "/ballot"), form, token_from=_url(consultation, poll)
    )
    assert response.status_code == 422
    page = html_text(response)
    assert message in page, re.findall(r'role="alert".*?</div>', page, re.S)
    if "rank-0" in form:
        assert re.search(r'id="rank-0".*?<option value="1" selected>', page, re.S)
    assert _count(Ballot) == 0 and _count(Participation) == 0


def test_forged_form_without_csrf_token_is_refused(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    sign_in(client, make_user().email)
    response = client.post(_url(consultation, poll, "/ballot"), data={"rank-0": "1"})
    assert response.status_code == 400 and _count(Ballot) == 0


def test_signed_out_visitor_cannot_vote(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    page = client.get(_url(consultation, poll)).get_data(as_text=True)
    assert "rank-0" not in page
    response = post_form(
        client, _url(consultation, poll, "/ballot"), {"rank-0": "1"}, token_from=_url(consultation, poll)
    )
    assert response.status_code == 403 and _count(Ballot) == 0


def test_second_ballot_is_a_conflict_and_replay_is_refused(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    sign_in(client, make_user().email)
    ballot = _url(consultation, poll, "/ballot")
    assert post_form(client, ballot, {"rank-0": "1"}, token_from=_url(consultation, poll)).status_code == 302
    assert post_form(client, ballot, {"rank-0": "1"}, token_from=_url(consultation, poll)).status_code == 409
    assert _count(Ballot) == 1


def test_results_wait_for_closing_then_show_charts_and_tables(client: FlaskClient) -> None:
    consultation, moderator = _moderated()
    poll = make_poll(consultation, method="stv", seats=2)
    for choice in ([0, 1], [0, 2], [1, 0], [2, 1], [3, 2], [0, 3]):
        cast(make_user(), poll, consultation, choice)
    waiting = client.get(_url(consultation, poll, "/results"))
    # Issue 18: an open poll's results address is a page that says when results come (it was a 409).
    assert waiting.status_code == 200 and "Conflict" not in waiting.get_data(as_text=True)
    audit_first = client.get(_url(consultation, poll, "/audit"))  # the same page, not a 409 (issue 18)
    assert audit_first.status_code == 200 and "Conflict" not in audit_first.get_data(as_text=True)
    assert client.get(_url(consultation, poll, "/ballots.blt")).status_code == 409
    sign_in(client, moderator.email)
    response = post_form(client, _url(consultation, poll, "/close"), {}, token_from=_url(consultation, poll))
    assert response.status_code == 302
    page = client.get(_url(consultation, poll, "/results")).get_data(as_text=True)
    # The chart's words and numbers are page text beside decorative bars (issue 18: was text in an SVG).
    assert page.count("<h1>") == 1 and 'id="rounds-chart"' in page and 'class="bars"' in page
    assert '<svg class="bar"' in page and 'aria-hidden="true"' in page
    assert "<caption>" in page and 'scope="col"' in page
    audit = client.get(_url(consultation, poll, "/audit")).get_data(as_text=True)
    receipts = [b.receipt for b in ballots.counted_ballots(poll)]
    assert all(code in audit for code in receipts)
    positions = [audit.index(code) for code in receipts]
    assert positions == sorted(positions)  # listed by receipt code, not in casting order
    blt = client.get(_url(consultation, poll, "/ballots.blt"))
    assert blt.status_code == 200 and "attachment" in blt.headers["Content-Disposition"]


def test_condorcet_results_show_the_pairwise_matrix(client: FlaskClient) -> None:
    consultation, moderator = _moderated()
    poll = make_poll(consultation, method="ranked-pairs")
    for choice in ([0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    page = client.get(_url(consultation, poll, "/results")).get_data(as_text=True)
    assert 'class="data pairwise"' in page and "heat-" in page and 'scope="row"' in page


def test_score_results_show_the_distribution(client: FlaskClient) -> None:
    consultation, moderator = _moderated()
    poll = make_poll(consultation, method="majority-judgment")
    for choice in ([5, 3, None, 0], [1, 4, 2, 2]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    page = client.get(_url(consultation, poll, "/results")).get_data(as_text=True)
    assert 'id="scores-chart"' in page and "Excellent" in page and "médiane" in page


def test_poll_list_is_the_consultations_voting_component(client: FlaskClient) -> None:
    consultation = make_consultation()
    make_poll(consultation)
    page = client.get(_url(consultation)).get_data(as_text=True)
    assert "Quelles priorités?" in page or "Which priorities?" in page
