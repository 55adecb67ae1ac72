"""The OpenAPI document describes every API route, and the API keeps to it: schemathesis sends generated
requests to every operation (signed in with a read-write token) and checks there is never a 500 and every
answer matches its documented schema, status and content type."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from civic.deliberation.live import minutes, sessions
from civic.deliberation.opinions import runs
from civic.extensions import db
from civic.voting import closing
from tests.api.conftest import token_for
from tests.coalitions.factories import endorse, make_position
from tests.deliberation.factories import make_comment, make_thread
from tests.deliberation.live.factories import make_session
from tests.deliberation.opinions.factories import make_map, planted_groups
from tests.factories import make_consultation, make_organisation, make_proposal, make_user
from tests.voting.factories import cast, make_poll


def test_every_api_route_is_in_the_document(app: Flask, client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(("api-docs", "api_pages")):
            continue
        path = rule.rule
        for converter in ("<int:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        served |= {(path, method) for method in (rule.methods or ()) - {"HEAD", "OPTIONS"}}
    assert served and served <= documented, served - documented


def test_the_browsable_description_lists_every_operation(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in set(item) - {"parameters"}:
            assert f"{method.upper()} {path}" in page


def _world() -> str:
    """A read-write token, and a consultation ("plan") with a proposal and an open poll to find."""
    consultation = make_consultation(slug="plan")
    make_proposal(consultation, make_user())
    make_poll(consultation)
    return token_for(make_user())


def test_the_api_keeps_to_its_description_and_never_fails(app: Flask) -> None:
    """A bounded number of generated requests per operation (schemathesis strategies run by hypothesis)."""
    headers = {"Authorization": f"Bearer {_world()}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            # Every check but "schema-valid data is accepted": a page cursor is any string in the schema
            # (it is opaque), and one this API did not hand out is refused with 422, as documented.
            case.call_and_validate(headers=headers, excluded_checks=[checks.positive_data_acceptance])

        check()
        checked.append(operation.label)
    assert len(checked) >= 15, checked


def test_every_document_of_a_full_consultation_keeps_to_its_schema(app: Flask, client: Any) -> None:
    """Generated requests rarely name objects that exist: here every GET is called with real ones (a closed
    poll, an endorsed position, an analysed map, published minutes, a comment) and its answer validated."""
    moderator = make_user(name="Modératrice")
    consultation = make_consultation(slug="plan", moderators=[moderator], phases=[("deliberation", -1, 10)])
    consultation.phases[0].components = "proposals discussion voting opinions live"
    db.session.commit()
    proposal = make_proposal(consultation, make_user())
    make_comment(make_thread(consultation), moderator, "Un avis")
    poll = make_poll(consultation)
    cast(moderator, poll, consultation, [0, 1])
    closing.close_poll(moderator, consultation, poll)
    position = make_position(consultation, moderator)
    representative = make_user()
    endorse(representative, position, organisation=make_organisation(representative, name="Centre"))
    opinion_map = make_map(consultation, moderator)
    planted_groups(opinion_map, (6, 6))
    runs.run_analysis(opinion_map.id)
    session = make_session(consultation, moderator)
    sessions.end_session(moderator, session)
    minutes.save_minutes(moderator, session, "Compte rendu", publish=True)
    ids = {
        "slug": "plan",
        "proposal_id": proposal.id,
        "poll_id": poll.id,
        "position_id": position.id,
        "map_id": opinion_map.id,
        "session_id": session.id,
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token_for(moderator)}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        organisation = {"slug": representative.memberships[0].organisation.slug}
        path = operation.full_path.format(
            **(ids | organisation if "organisations/" in operation.path else ids)
        )
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        operation.validate_response(response)
        checked.append(path)
    assert len(checked) >= 18, checked
