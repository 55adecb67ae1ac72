"""The OpenAPI document describes every API route, and the API keeps to it: schemathesis sends generated
requests to every operation (signed in with a read-write token) and checks there is never a 500 and every
answer matches its documented schema, status and content type."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import token_for
from tests.factories import make_consultation, make_proposal, make_user
from tests.voting.factories import make_poll


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
