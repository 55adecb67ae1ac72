"""The API's and open data's pages in a real browser: axe in French and English; without JavaScript, a
token is created, shown once, used by a program, and revoked; the open-data package downloads and its
description answers."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from typing import Any

import pytest

from tests.e2e.conftest import Server, assert_accessible, sign_in

CITIZEN = "citizen@example.org"  # Amira Haddad in the demo


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_api_and_open_data_pages_are_accessible(new_context: Any, axe_source: str, lang: str) -> None:
    page = new_context(lang=lang).new_page()
    for path in ("/api/v1/docs", "/c/plan-numerique/open-data"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, axe_source)
    sign_in(page)
    page.goto("/account/tokens")
    assert_accessible(page, axe_source)
    # A refused form (no name) keeps what was chosen and says what is wrong, accessibly.
    page.check("input[name=scope][value=read-write]")
    with page.expect_navigation():
        page.locator("main form.stack button[type=submit]").click()
    assert page.locator("input[name=scope][value=read-write]").is_checked()
    assert page.locator("[aria-invalid=true]").count() == 1
    assert_accessible(page, axe_source)


def _api(server: Server, path: str, token: str) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{server.url}{path}", headers=headers)  # noqa: S310 (our test server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_token_is_made_shown_once_used_and_revoked_without_javascript(
    new_context: Any, server: Server
) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    sign_in(page, CITIZEN)
    page.goto("/account/tokens")
    page.fill("input[name=name]", "Mon tableur")
    with page.expect_navigation():
        page.locator("main form.stack button[type=submit]").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("civic_")
    status, me = _api(server, "/api/v1/me", token)
    assert status == 200 and (me["name"], me["token"], me["scope"]) == ("Amira Haddad", "Mon tableur", "read")
    # Shown on the answer to the form alone (never put in the session cookie nor an address): coming back
    # to the page shows only its first characters.
    page.goto("/account/tokens")
    assert page.locator("#new-token").count() == 0 and token not in page.content()
    assert token[: len("civic_") + 6] in page.locator("main .token-list").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke Mon tableur").click()
    assert "revoked" in page.locator("main .token-list").inner_text()
    status, error = _api(server, "/api/v1/me", token)
    assert status == 401 and error["error"]["code"] == "unauthorized"


def test_the_open_data_package_downloads_from_its_page_without_javascript(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    page.goto("/c/plan-numerique/open-data")
    with page.expect_download() as download:
        page.locator("main a[href$='/open-data.zip']").first.click()
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:  # noqa: PTH123
        names = archive.namelist()
        descriptor = json.loads(archive.read("datapackage.json"))
    assert {"datapackage.json", "README.md", "data/proposals.csv", "data/endorsements.csv"} <= set(names)
    assert {f"data/{r['name']}.csv" for r in descriptor["resources"] if r["path"].startswith("data/")} <= set(
        names
    )
