"""The main journeys work with JavaScript turned off: plain forms, Post/Redirect/Get, nothing else."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.conftest import DEMO_ADMIN, DEMO_PASSWORD, Server, sign_in, switch_language

SIGN_OUT = "header form[action$='/sign-out'] button"


def submit(page: Any, selector: str = "main form.stack button[type=submit]") -> Any:
    """Click a submit button and return the response of the page it leads to (after any redirect)."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    return navigation.value


def assert_signed_in(page: Any) -> None:
    button = page.locator(SIGN_OUT)
    assert button.count() == 1, f"not signed in on {page.url}:\n{page.locator('main').inner_text()}"
    expected = {"fr": "Se déconnecter", "en": "Sign out"}[page.locator("html").get_attribute("lang")]
    assert button.inner_text().strip() == expected


def assert_signed_out(page: Any) -> None:
    assert page.locator(SIGN_OUT).count() == 0
    assert page.locator("header a[href^='/sign-in']").count() == 1


def test_register_confirm_sign_out_and_sign_in_again(new_context: Any, server: Server) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    email = f"e2e-{secrets.token_hex(4)}@example.com"
    password = "une phrase assez longue"
    page.goto("/register")
    page.locator("input[name=display_name]").fill("Testeuse E2E")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=locale][value=fr]").check()
    response = submit(page)
    assert response.status == 200, (
        f"registration ended on {response.status}:\n{page.locator('main').inner_text()}"
    )
    assert email in page.locator("main").inner_text()  # "we have sent a message to …"
    assert_signed_out(page)
    response = page.goto(server.link_mailed_to(email, "/register/confirm/"))
    assert response is not None and response.status == 200
    assert_signed_in(page)

    response = submit(page, SIGN_OUT)
    assert response.status == 200
    assert_signed_out(page)

    page.goto("/sign-in")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    response = submit(page)
    assert response.status == 200
    assert_signed_in(page)
    page.goto("/account")
    assert email in page.locator("main").inner_text()

    # Signed in on a second browser too; "sign out everywhere" ends both.
    other = new_context(lang="fr", javascript=False).new_page()
    other.goto("/sign-in")
    other.locator("input[name=email]").fill(email)
    other.locator("input[name=password]").fill(password)
    submit(other)
    assert_signed_in(other)
    page.goto("/account")
    assert "2 navigateurs ou appareils" in page.locator("main").inner_text()
    response = submit(page, "main form[action$='/sign-out-everywhere'] button")
    assert response.status == 200
    assert_signed_out(page)
    other.goto("/")
    assert_signed_out(other)


def test_wrong_password_is_explained_and_keeps_the_address(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    page.goto("/sign-in")
    page.locator("input[name=email]").fill(DEMO_ADMIN)
    page.locator("input[name=password]").fill("certainly-not-the-password")
    response = submit(page)
    assert response.status == 401
    alert = page.locator("main [role=alert]")
    assert alert.count() == 1 and alert.inner_text().strip(), "no error message shown"
    assert page.locator("input[name=email]").input_value() == DEMO_ADMIN
    assert page.locator("input[name=password]").input_value() == ""
    assert_signed_out(page)


def test_language_switch_without_javascript(new_context: Any) -> None:
    page = new_context(lang="fr", javascript=False).new_page()
    page.goto("/organisations")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Organisations"

    submit(page, "header form.language button:has-text('English')")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/organisations"), "the switch should come back to the same page"
    assert page.locator("header a[href^='/sign-in']").inner_text() == "Sign in"

    submit(page, "header form.language button:has-text('Français')")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("header a[href^='/sign-in']").inner_text() == "Se connecter"


def test_admin_creates_a_consultation_and_adds_a_phase(new_context: Any) -> None:
    page = new_context(lang="en", javascript=False).new_page()
    sign_in(page, DEMO_ADMIN, DEMO_PASSWORD)
    switch_language(page, "en")  # the admin's language is stored on the account
    slug = f"e2e-{secrets.token_hex(3)}"

    page.goto("/consultations/new")
    page.locator("input[name=slug]").fill(slug)
    page.locator("input[name=title_fr]").fill("Consultation de bout en bout")
    page.locator("input[name=title_en]").fill("End-to-end consultation")
    page.locator("textarea[name=description_en]").fill("Created **without** JavaScript.")
    page.locator("input[name=status][value=open]").check()
    page.locator("input[name=visibility][value=public]").check()
    response = submit(page)
    assert response.status == 200, page.locator("main").inner_text()
    assert page.url.endswith(f"/c/{slug}/phases"), page.url

    # The form reads dates in the site's zone; a phase from yesterday to in two weeks is running now.
    zone = ZoneInfo(os.environ.get("CIVIC_TIMEZONE", "America/Toronto"))
    start = datetime.now(zone).replace(second=0, microsecond=0) - timedelta(days=1)
    end = start + timedelta(days=14)
    page.locator("select[name=kind]").select_option("voting")
    label = page.locator("select[name=kind] option[value=voting]").inner_text().strip()
    page.locator("input[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=ends_at]").fill(end.strftime("%Y-%m-%dT%H:%M"))
    response = submit(page, "main form.stack:has(select[name=kind]) button[type=submit]")
    assert response.status == 200, page.locator("main").inner_text()
    assert page.locator("table.data tbody th", has_text=label).count() == 1

    response = page.goto(f"/c/{slug}")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "End-to-end consultation"
    timeline = page.locator("ol.timeline > li")
    assert timeline.count() == 1
    assert label in timeline.first.locator("h3").inner_text()
    assert timeline.first.get_attribute("aria-current") == "step", "the phase running now is the current one"
