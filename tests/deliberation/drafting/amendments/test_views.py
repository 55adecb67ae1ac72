"""Amendment pages: role × action tables, bad input refused with the text kept, nothing written."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ColumnElement, func, select

from civic.accounts.models import User
from civic.deliberation.drafting.amendments import services
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentSupport, AmendmentVote
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user

TEXT = "Le numérique pour tous. Des bibliothèques ouvertes le dimanche. Une fibre dans chaque village."


@dataclass
class World:
    moderator: User
    author: User
    participant: User
    other_moderator: User
    admin: User
    document: Document
    amendment: Amendment


def _world(mode: str = "suggest", open_now: bool = True) -> World:
    moderator, author, participant = make_user(name="Modératrice"), make_user(name="Autrice"), make_user()
    other_moderator, admin = make_user(), make_user(admin=True)
    consultation = drafting_consultation(moderators=[moderator])
    drafting_consultation(moderators=[other_moderator])
    document = make_document(consultation, moderator, TEXT, mode="suggest")
    amendment = services.propose_amendment(
        author, document, "le dimanche", "tous les jours", "Plus **souvent**"
    )
    if mode != "suggest" or not open_now:
        document.mode = mode
        if not open_now:
            for phase in consultation.phases:
                phase.kind, phase.components = "voting", "voting"
        db.session.commit()
    return World(moderator, author, participant, other_moderator, admin, document, amendment)


def _who(world: World, who: str) -> User | None:
    return None if who == "anonymous" else getattr(world, who.replace("-", "_"))


def _url(document: Document, suffix: str = "") -> str:
    return f"/c/{document.consultation.slug}/documents/{document.id}/amendments{suffix}"


def _count(model: type, *where: ColumnElement[bool]) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _status(amendment: Amendment) -> str:
    db.session.rollback()
    found = db.session.get(Amendment, amendment.id)
    assert found is not None
    return found.status


def _sign(client: FlaskClient, user: User | None) -> None:
    if user is not None:
        sign_in(client, user.email)


PROPOSAL = {"passage": "chaque village", "replacement": "chaque hameau", "reason": "Plus juste"}


# ---- proposing: only signed-in participants, only in suggest mode ------------------------------------


@pytest.mark.parametrize(
    ("who", "mode", "expected"),
    [
        ("participant", "suggest", 302),
        ("moderator", "suggest", 302),
        ("anonymous", "suggest", 302),  # to the sign-in page, nothing written
        ("participant", "open", 403),
        ("participant", "editors", 403),
        ("participant", "final", 403),
        ("moderator", "final", 403),
    ],
)
def test_who_may_propose_in_which_mode(
    app: Flask, client: FlaskClient, who: str, mode: str, expected: int
) -> None:
    world = _world(mode)
    _sign(client, _who(world, who))
    response = post_form(client, _url(world.document), PROPOSAL, token_from=_url(world.document))
    assert response.status_code == expected
    written = _count(Amendment, Amendment.passage == "chaque village")
    assert written == (1 if expected == 302 and who != "anonymous" else 0)
    if who == "anonymous":
        assert "/sign-in" in response.headers["Location"]


def test_participants_cannot_propose_when_the_phase_is_closed(app: Flask, client: FlaskClient) -> None:
    world = _world(open_now=False)
    _sign(client, world.participant)
    response = post_form(client, _url(world.document), PROPOSAL, token_from=_url(world.document))
    assert response.status_code == 403 and _count(Amendment) == 1


def test_a_proposal_leads_to_its_page_with_the_change_and_the_reason(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.participant)
    response = post_form(client, _url(world.document), PROPOSAL, token_from=_url(world.document))
    assert response.headers["Location"].endswith(_url(world.document, "/2"))
    page = html_text(client.get(response.headers["Location"]))
    assert "<del>chaque village</del>" in page and "<ins>chaque hameau</ins>" in page
    assert "Une fibre dans " in page and 'id="discussion"' in page


# ---- bad input: 4xx, the text kept, nothing written ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("passage", ""),
        ("passage", "pas dans le texte"),
        ("passage", "e"),  # occurs many times
        ("passage", "x" * 2001),
        ("replacement", "   "),
        ("replacement", "y" * 5001),
        ("replacement", "chaque village"),  # the same as the passage
        ("reason", ""),
        ("reason", "z" * 2001),
    ],
)
def test_bad_proposals_are_refused_with_the_text_kept(
    app: Flask, client: FlaskClient, field: str, value: str
) -> None:
    world = _world()
    _sign(client, world.participant)
    data = {**PROPOSAL, "reason": "Ma raison à garder", field: value}
    response = post_form(client, _url(world.document), data, token_from=_url(world.document))
    assert response.status_code == 422
    page = html_text(response)
    for kept in data.values():
        if kept.strip() and len(kept) < 100:
            assert kept in page, kept
    assert 'aria-invalid="true"' in page
    assert _count(Amendment) == 1


def test_a_proposal_without_csrf_is_refused(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.participant)
    assert client.post(_url(world.document), data=PROPOSAL).status_code == 400
    assert _count(Amendment) == 1


# ---- supports --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "mode", "expected"),
    [
        ("participant", "suggest", 302),
        ("moderator", "suggest", 302),
        ("author", "suggest", 409),
        ("participant", "final", 409),
        ("anonymous", "suggest", 302),  # to the sign-in page
    ],
)
def test_who_may_support(app: Flask, client: FlaskClient, who: str, mode: str, expected: int) -> None:
    world = _world(mode)
    _sign(client, _who(world, who))
    page = _url(world.document, "/1")
    response = post_form(client, page + "/support", {}, token_from=page)
    assert response.status_code == expected
    assert _count(AmendmentSupport) == (1 if expected == 302 and who != "anonymous" else 0)


def test_a_support_is_withdrawn_and_counted_once(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.participant)
    page = _url(world.document, "/1")
    assert post_form(client, page + "/support", {}, token_from=page).status_code == 302
    assert post_form(client, page + "/support", {}, token_from=page).status_code == 409
    assert "1 personne appuie" in html_text(client.get(page))  # issue 18: supports are appuis site-wide
    assert post_form(client, page + "/unsupport", {}, token_from=page).status_code == 302
    assert post_form(client, page + "/unsupport", {}, token_from=page).status_code == 409
    assert _count(AmendmentSupport) == 0


# ---- decisions: the consultation's moderators only, never on final documents -------------------------


@pytest.mark.parametrize(
    ("who", "mode", "expected"),
    [
        ("moderator", "suggest", 302),
        ("admin", "suggest", 302),
        ("moderator", "open", 302),
        ("moderator", "final", 409),
        ("participant", "suggest", 403),
        ("author", "suggest", 403),
        ("other-moderator", "suggest", 403),
        ("anonymous", "suggest", 302),  # to the sign-in page
    ],
)
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_who_may_decide(
    app: Flask, client: FlaskClient, who: str, mode: str, expected: int, decision: str
) -> None:
    world = _world(mode)
    _sign(client, _who(world, who))
    page = _url(world.document, "/1")
    rows = _count(DocumentUpdate)
    response = post_form(client, page + "/decide", {"decision": decision, "answer": "Merci"}, token_from=page)
    assert response.status_code == expected
    decided = expected == 302 and who != "anonymous"
    assert _status(world.amendment) == (
        {"accept": "accepted", "reject": "rejected"}[decision] if decided else "open"
    )
    assert _count(DocumentUpdate) == rows + (1 if decided and decision == "accept" else 0)


def test_accepting_without_javascript_changes_the_text_and_credits_the_author(
    app: Flask, client: FlaskClient
) -> None:
    world = _world()
    _sign(client, world.moderator)
    page = _url(world.document, "/1")
    response = post_form(client, page + "/decide", {"decision": "accept", "answer": ""}, token_from=page)
    assert response.status_code == 302
    assert log_rows.text_at(world.document.id)[0] == TEXT.replace("le dimanche", "tous les jours")
    newest = db.session.scalar(select(DocumentUpdate).order_by(DocumentUpdate.id.desc()).limit(1))
    assert newest is not None and newest.user_id == world.author.id
    document_page = html_text(
        client.get(f"/c/{world.document.consultation.slug}/documents/{world.document.id}")
    )
    assert "ouvertes tous les jours" in document_page


def test_a_rejection_without_an_answer_is_refused_and_nothing_changes(
    app: Flask, client: FlaskClient
) -> None:
    world = _world()
    _sign(client, world.moderator)
    page = _url(world.document, "/1")
    response = post_form(client, page + "/decide", {"decision": "reject", "answer": "  "}, token_from=page)
    assert response.status_code == 422 and 'aria-invalid="true"' in html_text(response)
    assert _status(world.amendment) == "open"


def test_an_unknown_decision_is_refused(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.moderator)
    page = _url(world.document, "/1")
    response = post_form(
        client, page + "/decide", {"decision": "merge", "answer": "Mon avis"}, token_from=page
    )
    assert response.status_code == 422 and "Mon avis" in html_text(response)
    assert _status(world.amendment) == "open"


def test_an_amendment_decided_twice_is_a_conflict(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.moderator)
    page = _url(world.document, "/1")
    post_form(client, page + "/decide", {"decision": "reject", "answer": "Non"}, token_from=page)
    rows = _count(DocumentUpdate)
    response = post_form(client, page + "/decide", {"decision": "accept", "answer": ""}, token_from=page)
    assert response.status_code == 409 and _count(DocumentUpdate) == rows
    assert _status(world.amendment) == "rejected"


# ---- forged ids and other consultations -----------------------------------------------------------------


def test_forged_numbers_and_documents_of_other_consultations_are_not_found(
    app: Flask, client: FlaskClient
) -> None:
    world = _world()
    other = drafting_consultation(moderators=[world.moderator])
    foreign = make_document(other, world.moderator, "Autre texte", mode="suggest")
    _sign(client, world.moderator)
    assert client.get(_url(world.document, "/99")).status_code == 404
    page = _url(world.document, "/1")
    forged = _url(world.document, "/99/decide")
    assert post_form(client, forged, {"decision": "accept"}, token_from=page).status_code == 404
    # the amendment's document under another consultation's address
    crossed = f"/c/{other.slug}/documents/{world.document.id}/amendments/1"
    assert client.get(crossed).status_code == 404
    assert post_form(client, crossed + "/decide", {"decision": "accept"}, token_from=page).status_code == 404
    # another document's amendment number
    assert client.get(f"/c/{other.slug}/documents/{foreign.id}/amendments/1").status_code == 404
    assert _status(world.amendment) == "open"


# ---- consent polls ------------------------------------------------------------------------------------------


def test_a_consent_poll_decides_without_javascript(app: Flask, client: FlaskClient) -> None:
    world = _world()
    page = _url(world.document, "/1")
    _sign(client, world.participant)
    assert post_form(client, page + "/poll", {}, token_from=page).status_code == 403
    _sign(client, world.moderator)
    assert post_form(client, page + "/poll", {}, token_from=page).status_code == 302
    assert post_form(client, page + "/decide", {"decision": "accept"}, token_from=page).status_code == 409
    for response in ("agree", "agree", "abstain"):
        voter = make_user()
        _sign(client, voter)
        assert (
            post_form(client, page + "/consent", {"response": response}, token_from=page).status_code == 302
        )
    _sign(client, world.participant)
    assert post_form(client, page + "/consent", {"response": "maybe"}, token_from=page).status_code == 422
    assert _count(AmendmentVote) == 3
    assert post_form(client, page + "/consent/close", {}, token_from=page).status_code == 403
    _sign(client, world.moderator)
    assert post_form(client, page + "/consent/close", {"answer": ""}, token_from=page).status_code == 302
    assert _status(world.amendment) == "accepted"
    result = html_text(client.get(page))
    assert "2 d'accord, 1 abstention" in result or "2 agree, 1 abstain" in result
    assert log_rows.text_at(world.document.id)[0] == TEXT.replace("le dimanche", "tous les jours")


# ---- lists and conflicts ----------------------------------------------------------------------------------


def test_the_list_and_pages_show_conflicting_amendments(app: Flask, client: FlaskClient) -> None:
    world = _world()
    services.propose_amendment(world.participant, world.document, "ouvertes le dimanche", "fermées", "Budget")
    services.propose_amendment(world.participant, world.document, "chaque village", "chaque hameau", "Juste")
    listing = html_text(client.get(_url(world.document)))
    assert listing.count("Conflit") == 2
    assert f'href="{_url(world.document, "/2")}"' in listing
    first = html_text(client.get(_url(world.document, "/1")))
    assert "Conflit" in first and f'href="{_url(world.document, "/2")}"' in first
    assert "Conflit" not in html_text(client.get(_url(world.document, "/3")))
    services.accept_amendment(world.moderator, world.amendment)
    listing = html_text(client.get(_url(world.document)))
    assert "Conflit" not in listing and "Dépassé" in listing


def test_the_document_page_links_to_the_amendments(app: Flask, client: FlaskClient) -> None:
    world = _world()
    page = html_text(client.get(f"/c/{world.document.consultation.slug}/documents/{world.document.id}"))
    assert f'href="{_url(world.document)}"' in page and "1 amendement ouvert" in page


# ---- the passage filled from the editor's selection (?passage=) --------------------------------------------


def _passage_field(page: str) -> str:
    """What the passage field of the proposal form holds, as HTML."""
    match = re.search(r'<textarea[^>]*\bname="passage"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match, "no passage field on the page"
    return match.group(1).strip()


def test_the_form_starts_with_the_passage_given_in_the_address(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.participant)
    response = client.get(_url(world.document), query_string={"passage": "Des bibliothèques <ouvertes>"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _passage_field(page) == "Des bibliothèques &lt;ouvertes&gt;"  # escaped, not markup
    assert 'aria-invalid="true"' not in page  # a suggestion, not a refused proposal


def test_an_empty_passage_in_the_address_leaves_the_form_empty(app: Flask, client: FlaskClient) -> None:
    world = _world()
    _sign(client, world.participant)
    page = client.get(_url(world.document), query_string={"passage": ""}).get_data(as_text=True)
    assert _passage_field(page) == "" and 'aria-invalid="true"' not in page


def test_a_passage_too_long_in_the_address_is_not_kept_and_the_form_says_why(
    app: Flask, client: FlaskClient
) -> None:
    world = _world()
    _sign(client, world.participant)
    response = client.get(_url(world.document), query_string={"passage": "x" * 2001})
    assert response.status_code == 200
    page = html_text(response)
    assert _passage_field(page) == ""
    field = re.search(r'<textarea[^>]*\bname="passage"[^>]*>', page)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert "Un passage compte au plus 2000 caractères." in page


def test_the_passage_in_the_address_fills_only_the_form(app: Flask, client: FlaskClient) -> None:
    """Nothing is written by following the link: the person still proposes with the form."""
    world = _world()
    _sign(client, world.participant)
    client.get(_url(world.document), query_string={"passage": "chaque village"})
    assert _count(Amendment) == 1
