"""Search in French and English, accents and stemming, on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import pytest

from civic.deliberation.proposals import queries, search
from tests.factories import make_consultation, make_proposal, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_normalise_strips_accents_and_stems_both_languages() -> None:
    assert "bibliothequ" in search.normalise("Bibliothèques")
    assert set(search.stems("libraries")) & set(search.stems("library"))
    assert set(search.stems("numériques")) & set(search.stems("numerique"))


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("bibliothèque", True),
        ("BIBLIOTHEQUES", True),
        ("wifi gratuit", True),
        ("gratuites bibliothèque", True),
        ("libraries", False),
        ("internet", False),
        ("", True),
    ],
)
def test_search_matches_french_words_whatever_the_accents(app: object, query: str, found: bool) -> None:
    consultation = make_consultation()
    make_proposal(consultation, make_user(), title="Wi-Fi gratuit", body="Dans les bibliothèques publiques")
    page = queries.proposal_page(consultation, None, queries.ProposalFilter(query=query))
    assert (page.total == 1) is found


def test_search_matches_english_stems(app: object) -> None:
    consultation = make_consultation()
    make_proposal(consultation, make_user(), title="Free internet in public libraries", body="For everyone")
    page = queries.proposal_page(consultation, None, queries.ProposalFilter(query="library"))
    assert page.total == 1


def test_search_operators_typed_by_visitors_are_words(app: object) -> None:
    consultation = make_consultation()
    make_proposal(consultation, make_user(), title="Wi-Fi", body="NEAR OR AND NOT")
    for query in ['"', "AND OR", "NEAR(", "*", "a:b", "'); DROP TABLE proposals; --"]:
        queries.proposal_page(consultation, None, queries.ProposalFilter(query=query))


def test_search_finds_an_edited_text(app: object) -> None:
    from civic.deliberation.proposals import services

    consultation = make_consultation()
    author = make_user()
    proposal = make_proposal(consultation, author, title="Wi-Fi", body="Bibliothèques")
    services.update_proposal(author, proposal, "Formation", "Ateliers pour les aînés")
    assert queries.proposal_page(consultation, None, queries.ProposalFilter(query="bibliothèque")).total == 0
    assert queries.proposal_page(consultation, None, queries.ProposalFilter(query="atelier")).total == 1
