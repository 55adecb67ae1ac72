"""Writing through the API goes through the same services as the pages: same rules, same refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts.models import Sanction
from civic.deliberation.discussion.models import Comment
from civic.deliberation.proposals.models import Proposal, Support
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting.models import Ballot
from tests.api.conftest import call, token_for
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_consultation, make_proposal, make_user
from tests.voting.factories import make_poll


def _count(model: type) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_proposal_put_forward_through_the_api_is_the_site_s(client: FlaskClient) -> None:
    consultation = make_consultation()
    token = token_for(make_user(name="Amira"))
    response = call(client, "POST", f"/api/v1/consultations/{consultation.slug}/proposals", token,
                    json={"title": "Des ateliers", "body": "Pour *tous*"})  # fmt: skip
    assert response.status_code == 201
    made = response.get_json()
    assert (
        made["state"] == "published"
        and made["author"]["name"] == "Amira"
        and "<em>tous</em>" in made["body_html"]
    )
    assert client.get(made["url"].replace("http://civic.test", "")).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": "", "body": "x"}, 422),
        ({"title": "x" * 151, "body": "x"}, 422),
        ({"title": "\u200b", "body": "\u3164"}, 422),
        ({"title": "T", "body": "B", "theme": 2**63}, 422),
        ({"title": "T"}, 422),
        ({"title": "T", "body": "B", "theme": 999}, 422),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(
    client: FlaskClient, body: dict[str, object], status: int
) -> None:
    consultation = make_consultation()
    response = call(client, "POST", f"/api/v1/consultations/{consultation.slug}/proposals", token_for(make_user()),
                    json=body)  # fmt: skip
    assert response.status_code == status and response.get_json()["error"]["message"]
    assert _count(Proposal) == 0


def test_the_phase_rules_hold(client: FlaskClient) -> None:
    closed = make_consultation(phases=[("voting", -1, 10)])
    response = call(client, "POST", f"/api/v1/consultations/{closed.slug}/proposals", token_for(make_user()),
                    json={"title": "T", "body": "B"})  # fmt: skip
    assert response.status_code == 403 and _count(Proposal) == 0


def test_sanctioned_people_are_refused_with_their_reason(client: FlaskClient) -> None:
    consultation = make_consultation()
    person = make_user()
    db.session.add(
        Sanction(user_id=person.id, kind="suspension", reason="Pause", ends_at=utcnow() + timedelta(days=1))
    )
    db.session.commit()
    token = token_for(person)
    proposal = make_proposal(consultation, make_user())
    poll = make_poll(consultation)
    base = f"/api/v1/consultations/{consultation.slug}"
    # Every write of the API (tests/test_sanctions.py's API set, and supporting).
    responses = [
        call(client, "POST", f"{base}/proposals", token, json={"title": "T", "body": "B"}),
        call(client, "PUT", f"{base}/proposals/{proposal.id}/support", token),
        call(client, "POST", f"{base}/comments", token, json={"body": "Avis"}),
        call(client, "POST", f"{base}/proposals/{proposal.id}/comments", token, json={"body": "Avis"}),
        call(client, "POST", f"{base}/polls/{poll.id}/ballot", token, json={"choice": [0, 1]}),
    ]
    for response in responses:
        assert response.status_code == 403 and "Pause" in response.get_json()["error"]["message"]
    assert (_count(Support), _count(Proposal), _count(Comment), _count(Ballot)) == (0, 1, 0, 0)


def test_support_once_then_withdraw(client: FlaskClient) -> None:
    consultation = make_consultation()
    proposal = make_proposal(consultation, make_user())
    token = token_for(make_user())
    path = f"/api/v1/consultations/{consultation.slug}/proposals/{proposal.id}/support"
    assert call(client, "PUT", path, token).get_json()["supports"] == 1
    assert call(client, "PUT", path, token).status_code == 409
    assert call(client, "DELETE", path, token).get_json()["supports"] == 0
    own = call(client, "PUT", path, token_for(proposal.author))
    assert own.status_code == 409 and _count(Support) == 0


def test_comment_and_reply_with_the_discussion_s_rules(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    hidden = make_comment(thread, make_user(), "Caché")
    hidden.hidden = True
    db.session.commit()
    token = token_for(make_user())
    path = f"/api/v1/consultations/{consultation.slug}/comments"
    made = call(client, "POST", path, token, json={"body": "Bonne idée", "stance": "favour"})
    assert made.status_code == 201 and made.get_json()["stance"] == "favour"
    reply = call(client, "POST", path, token, json={"body": "Et aussi", "parent": made.get_json()["id"]})
    assert reply.status_code == 201 and reply.get_json()["depth"] == 1
    refused = call(client, "POST", path, token, json={"body": "Réponse", "parent": hidden.id})
    assert refused.status_code == 403
    blank = call(client, "POST", path, token, json={"body": "\u200b\u2060"})
    assert blank.status_code == 422
    assert _count(Comment) == 3


def test_a_ballot_gets_a_receipt_once(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    token = token_for(make_user())
    path = f"/api/v1/consultations/{consultation.slug}/polls/{poll.id}/ballot"
    made = call(client, "POST", path, token, json={"choice": [2, 0]})
    assert made.status_code == 201 and len(made.get_json()["receipt"]) == 19
    assert call(client, "POST", path, token, json={"choice": [1]}).status_code == 409
    for choice in ([0, 0], ["x"], [99], "rank", [True]):
        response = call(client, "POST", path, token_for(make_user()), json={"choice": choice})
        assert response.status_code == 422, choice
    assert _count(Ballot) == 1


def test_api_writes_are_rate_limited_per_token(app: Flask) -> None:
    from civic import create_app
    from civic.extensions import limiter

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "API_LIMITS": "2 per minute"})
    limiter.reset()
    try:
        client = limited.test_client()
        token = token_for(make_user(), "read")
        codes = [call(client, "GET", "/api/v1/me", token).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert call(client, "GET", "/api/v1/me", token_for(make_user(), "read")).status_code == 200
    finally:
        limiter.reset()
        limiter.enabled = False
