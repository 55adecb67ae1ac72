"""Results in plain words: the first sentence, numbers a citizen reads, ties explained, the page before close."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic.voting import closing, wording
from tests.conftest import html_text
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll


def poll_rounds(poll: Any) -> list[dict[str, Any]]:
    rounds: list[dict[str, Any]] = json.loads(poll.result_json)["result"]["rounds"]
    return rounds


PEOPLE = ["Marie-Claude Bouchard", "Kateri Sioui", "Fatima Benali", "Jean Tremblay"]


@pytest.mark.parametrize(
    ("lang", "names", "expected"),
    [
        ("en", PEOPLE[:3], "Marie-Claude Bouchard, Kateri Sioui and Fatima Benali are elected."),
        ("fr", PEOPLE[:3], "Marie-Claude Bouchard, Kateri Sioui et Fatima Benali obtiennent un siège."),
        ("en", PEOPLE[:1], "Marie-Claude Bouchard is elected."),
        ("fr", PEOPLE[:1], "Marie-Claude Bouchard obtient un siège."),
    ],
)
def test_headline_names_the_elected_joined_with_the_languages_and(
    app: Flask, lang: str, names: list[str], expected: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert wording.headline("stv", names) == expected


@pytest.mark.parametrize(
    ("lang", "voters", "eligible", "expected"),
    [
        ("en", 24, 29, "24 of 29 people voted."),
        ("fr", 24, 29, "24 personnes sur 29 ont voté."),
        ("fr", 1, 29, "1 personne sur 29 a voté."),
        ("en", 1, None, "1 person voted."),
        ("fr", 5, None, "5 personnes ont voté."),
        ("en", 0, 10, "No one voted."),
    ],
)
def test_turnout_is_one_sentence_with_plurals(
    app: Flask, lang: str, voters: int, eligible: int | None, expected: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert wording.turnout(voters, eligible) == expected


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en", 12, "12"),
        ("en", "37/3", "12.3"),
        ("fr", "37/3", "12,3"),
        ("en", "12.000000", "12"),
        ("en", "4.25", "4.2"),
        ("en", 1234, "1,234"),
    ],
)
def test_amounts_are_whole_or_one_decimal(app: Flask, lang: str, value: object, expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert wording.amount(value) == expected
        assert wording.signed(Fraction(-3, 2)) == ("−1.5" if lang == "en" else "−1,5")


def test_a_tie_broken_by_an_earlier_round_then_lot_is_told_in_words(app: Flask) -> None:
    tie = {
        "round": 3,
        "tied": ["a", "b"],
        "chosen": "b",
        "purpose": "elimination",
        "how": "round 1, then lot (seed 7)",
    }
    with app.test_request_context(headers={"Accept-Language": "en"}):
        (sentence,) = wording.tie_sentences([tie], {"a": "Access", "b": "Training"}, rounds=4)
    assert sentence == (
        "Round 3: Access and Training had the same count; Training was eliminated, decided by "
        "the votes of round 1, then a draw by lot (seed 7: anyone can repeat it)."
    )


def test_results_page_opens_with_the_sentence_and_shows_no_fractions(client: FlaskClient) -> None:
    moderator = make_user(locale="fr")
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method="stv", seats=2, options=PEOPLE)
    for choice in ([0, 1], [0, 2], [0, 1], [1, 0], [2, 1], [3, 2], [0, 3]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    tallies = [v for r in poll_rounds(poll) for v in r["tallies"].values()]
    assert any(isinstance(v, str) and "/" in v for v in tallies)  # the count has exact fractions...
    page = client.get(f"/c/{consultation.slug}/polls/{poll.id}/results", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_text(page)))
    after_title = text.split(" Résultats ", 2)[-1].lstrip()
    assert after_title.startswith("Marie-Claude Bouchard et "), after_title[:80]
    assert "obtiennent un siège. 7 personnes sur 8 ont voté." in text  # the moderator could vote too
    assert not re.search(r"\d/\d", text)  # ...that the page shows with one decimal
    assert "1,5 voix" in text
    assert "Tour 2" in text
    rounds = poll_rounds(poll)
    (gone,) = [n for r in rounds[:-1] for n in r["eliminated"]][:1]
    last = text.split(f"Tour {len(rounds)}, le dernier")[1].split("Les mêmes chiffres")[0]
    assert gone in PEOPLE and gone not in last  # eliminated before the last round: not drawn again


def test_open_polls_results_page_says_when_results_come_and_links_to_the_ballot(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    for lang, words in (("fr", "Le vote est encore ouvert"), ("en", "Voting is still open")):
        page = client.get(
            f"/c/{consultation.slug}/polls/{poll.id}/results", headers={"Accept-Language": lang}
        )
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and words in body and "Conflict" not in body
        assert f'href="/c/{consultation.slug}/polls/{poll.id}"' in body


def test_an_option_written_in_french_only_is_marked_french_on_the_english_results(
    client: FlaskClient,
) -> None:
    moderator = make_user(locale="en")
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method="irv")
    poll.options[0].label_en = ""  # written in French only
    for choice in ([0, 1], [0, 2], [1, 0]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    page = html_text(
        client.get(f"/c/{consultation.slug}/polls/{poll.id}/results", headers={"Accept-Language": "en"})
    )
    assert '<span class="bar-label" lang="fr">Accès Internet</span>' in page
    assert '<span class="bar-label">Option 2</span>' in page


def test_a_tie_in_french_names_no_gender(app: Flask) -> None:
    tie = {"round": 2, "tied": ["a", "b"], "chosen": "b", "purpose": "elimination", "how": "lot (seed 7)"}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        (sentence,) = wording.tie_sentences([tie], {"a": "Samuel Nguyen", "b": "Kateri Sioui"}, rounds=3)
    assert sentence == (
        "Tour 2 : Égalité entre Samuel Nguyen et Kateri Sioui : Kateri Sioui est éliminé·e "
        "(départage : un tirage au sort (graine 7, que chacun peut refaire))."
    )
