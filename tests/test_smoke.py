"""The main pages answer in both languages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.factories import make_consultation


@pytest.mark.parametrize("path", ["/", "/organisations", "/sign-in", "/register", "/password/forgot"])
@pytest.mark.parametrize(("lang", "word"), [("fr", "Consultations"), ("en", "Consultations")])
def test_page_answers_in_each_language(client: FlaskClient, path: str, lang: str, word: str) -> None:
    client.set_cookie("lang", lang, domain="civic.test")
    response = client.get(path)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_consultation_page_shows_timeline_as_ordered_list(client: FlaskClient) -> None:
    consultation = make_consultation()
    page = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert '<ol class="timeline">' in page
    assert 'aria-current="step"' in page
