"""Amendments as services: anchoring a passage, conflicts, acceptance as a credited update, consent polls."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import ColumnElement, func, select

from civic.accounts.models import User
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.amendments import services
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentSupport
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.log import updates
from civic.deliberation.drafting.models import (
    Document,
    DocumentUpdate,
    DocumentVersion,
)
from civic.deliberation.drafting.sync import protocol
from civic.errors import Conflict, Forbidden
from civic.extensions import db
from civic.notifications.models import Notification
from tests.deliberation.drafting.factories import client_doc, drafting_consultation, edit
from tests.factories import make_document, make_user

TEXT = "Le numérique pour tous. Des bibliothèques ouvertes le dimanche. Une fibre dans chaque village."


def _setup(text: str = TEXT, mode: str = "suggest") -> tuple[User, User, Document]:
    moderator = make_user(name="Modératrice")
    author = make_user(name="Autrice")
    consultation = drafting_consultation(moderators=[moderator])
    return moderator, author, make_document(consultation, moderator, text, mode=mode)


def _count(model: type, *where: ColumnElement[bool]) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _set_mode(document: Document, mode: str) -> None:
    document.mode = mode
    db.session.commit()


def test_a_proposal_records_the_passage_where_it_is(app: Flask) -> None:
    _moderator, author, document = _setup()
    amendment = services.propose_amendment(
        author, document, " le dimanche\r\n", "tous les jours", "Plus **souvent**."
    )
    assert amendment.number == 1 and amendment.status == "open"
    assert amendment.passage == "le dimanche"
    assert TEXT[amendment.passage_start : amendment.passage_end] == "le dimanche"
    assert amendment.reason_html == "<p>Plus <strong>souvent</strong>.</p>"
    assert services.propose_amendment(author, document, "fibre", "antenne", "Moins cher").number == 2


def test_the_anchors_follow_the_passage_through_later_edits(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "ouvertes le dimanche", "ouvertes tard", "Oui")
    _set_mode(document, "open")
    doc = client_doc(document.id)
    updates.receive_update(document, moderator.id, edit(doc, "Préambule ajouté. Été " + TEXT), "editor")
    where = services.amendment_overview(document, [amendment])
    text, place = where[0], where[1][amendment.id]
    assert place is not None and text[place[0] : place[1]] == "ouvertes le dimanche"
    assert place[0] == amendment.passage_start + len("Préambule ajouté. Été ")


def test_a_passage_at_the_end_of_an_accented_text_keeps_its_place_through_edits_around_it(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "chaque village.", "chaque hameau.", "Oui")
    _set_mode(document, "open")
    doc = client_doc(document.id)
    changed = "Été : " + TEXT.replace("pour tous", "pour toutes et tous").replace("Une fibre", "Une fibre ")
    updates.receive_update(document, moderator.id, edit(doc, changed), "editor")
    text, where, _conflicts = services.amendment_overview(document, [amendment])
    place = where[amendment.id]
    assert place is not None and text[place[0] : place[1]] == "chaque village."
    _set_mode(document, "suggest")
    services.accept_amendment(moderator, amendment)
    assert log_rows.text_at(document.id)[0] == changed.replace("chaque village.", "chaque hameau.")


def test_an_edited_passage_no_longer_locates(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "ouvertes le dimanche", "ouvertes tard", "Oui")
    _set_mode(document, "open")
    doc = client_doc(document.id)
    updates.receive_update(
        document, moderator.id, edit(doc, TEXT.replace("le dimanche", "le samedi")), "editor"
    )
    assert services.amendment_overview(document, [amendment])[1][amendment.id] is None


def test_overlapping_open_amendments_conflict_and_separate_ones_do_not(app: Flask) -> None:
    _moderator, author, document = _setup()
    first = services.propose_amendment(author, document, "bibliothèques ouvertes", "médiathèques", "A")
    second = services.propose_amendment(author, document, "ouvertes le dimanche", "ouvertes tard", "B")
    third = services.propose_amendment(author, document, "chaque village", "chaque hameau", "C")
    _text, _where, overlaps = services.amendment_overview(document, [first, second, third])
    assert overlaps == {first.id: [second.id], second.id: [first.id], third.id: []}


def test_accepting_applies_the_text_credits_the_author_and_records_a_version(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    services.accept_amendment(moderator, amendment, "Bonne idée")
    assert log_rows.text_at(document.id)[0] == TEXT.replace("le dimanche", "tous les jours")
    db.session.refresh(amendment)
    assert amendment.status == "accepted" and amendment.decided_by_id == moderator.id
    row = db.session.get(DocumentUpdate, amendment.applied_update_id)
    assert row is not None and row.user_id == author.id and row.document_id == document.id
    version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id))
    assert version is not None and version.upto_update_id == row.id
    assert "1" in version.name and "Autrice" in version.name
    notice = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notice is not None and notice.kind == "amendment_accepted" and notice.url == amendment.url


def test_accepting_makes_conflicting_open_amendments_outdated_and_keeps_the_others(app: Flask) -> None:
    moderator, author, document = _setup()
    first = services.propose_amendment(author, document, "bibliothèques ouvertes", "médiathèques", "A")
    second = services.propose_amendment(author, document, "ouvertes le dimanche", "ouvertes tard", "B")
    third = services.propose_amendment(author, document, "chaque village", "chaque hameau", "C")
    services.accept_amendment(moderator, first)
    statuses = dict(db.session.execute(select(Amendment.number, Amendment.status)).all())
    assert statuses == {1: "accepted", 2: "outdated", 3: "open"}
    services.accept_amendment(moderator, third)
    assert log_rows.text_at(document.id)[0] == (
        "Le numérique pour tous. Des médiathèques le dimanche. Une fibre dans chaque hameau."
    )
    with pytest.raises(services.AmendmentClosed):
        services.accept_amendment(moderator, second)


def test_an_amendment_whose_passage_changed_cannot_be_accepted(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    _set_mode(document, "open")
    doc = client_doc(document.id)
    updates.receive_update(document, moderator.id, edit(doc, TEXT.replace("dimanche", "lundi")), "editor")
    _set_mode(document, "suggest")
    rows = _count(DocumentUpdate)
    with pytest.raises(services.AmendmentClosed):
        services.accept_amendment(moderator, amendment)
    assert _count(DocumentUpdate) == rows
    assert db.session.get(Amendment, amendment.id).status == "open"  # type: ignore[union-attr]


def test_rejecting_needs_an_answer_and_notifies_the_author(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    with pytest.raises(services.AmendmentInvalid):
        services.reject_amendment(moderator, amendment, "  ")
    services.reject_amendment(moderator, amendment, "Pas de *budget*.")
    db.session.refresh(amendment)
    assert amendment.status == "rejected" and amendment.answer_html == "<p>Pas de <em>budget</em>.</p>"
    assert log_rows.text_at(document.id)[0] == TEXT
    notice = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notice is not None and notice.kind == "amendment_rejected"


def test_supports_are_one_per_person_withdrawable_and_not_by_the_author(app: Flask) -> None:
    _moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    reader = make_user()
    services.support_amendment(reader, amendment)
    with pytest.raises(Conflict):
        services.support_amendment(reader, amendment)
    with pytest.raises(Conflict):
        services.support_amendment(author, amendment)
    db.session.refresh(amendment)
    assert amendment.support_count == 1 and _count(AmendmentSupport) == 1
    services.withdraw_amendment_support(reader, amendment)
    db.session.refresh(amendment)
    assert amendment.support_count == 0 and _count(AmendmentSupport) == 0
    with pytest.raises(Conflict):
        services.withdraw_amendment_support(reader, amendment)


@pytest.mark.parametrize(
    ("answers", "passes"),
    [
        (["agree", "agree", "disagree", "abstain"], True),
        (["agree", "agree", "agree", "block"], False),
        (["agree", "disagree"], False),
        (["abstain"], False),
    ],
)
def test_a_consent_poll_decides_with_the_counting_library(
    app: Flask, answers: list[str], passes: bool
) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    services.open_consent(moderator, amendment)
    with pytest.raises(services.AmendmentClosed):
        services.accept_amendment(moderator, amendment)
    for answer in answers:
        services.answer_consent(make_user(), amendment, answer)
    assert services.close_consent(moderator, amendment) is passes
    db.session.refresh(amendment)
    assert amendment.consent == "closed"
    assert amendment.status == ("accepted" if passes else "rejected")
    expected = TEXT.replace("le dimanche", "tous les jours") if passes else TEXT
    assert log_rows.text_at(document.id)[0] == expected
    assert f"{answers.count('agree')} " in amendment.answer


def test_a_consent_answer_can_be_changed_but_counts_once(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    services.open_consent(moderator, amendment)
    voter = make_user()
    services.answer_consent(voter, amendment, "block")
    services.answer_consent(voter, amendment, "agree")
    assert services.consent_responses(amendment) == {"agree": 1, "abstain": 0, "disagree": 0, "block": 0}
    with pytest.raises(services.AmendmentInvalid):
        services.answer_consent(voter, amendment, "maybe")


def test_participants_cannot_decide(app: Flask) -> None:
    _moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    for verb in (services.accept_amendment, services.open_consent):
        with pytest.raises(Forbidden):
            verb(author, amendment)
    with pytest.raises(Forbidden):
        services.reject_amendment(author, amendment, "Non")


def test_an_accepted_amendment_reaches_the_people_on_the_document(app: Flask) -> None:
    from tests.deliberation.drafting.sync.sockets import Browser

    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    reader = Browser(app, make_user())
    try:
        assert reader.connect(document)["type"] == "welcome"
        reader.received()
        copy = client_doc(document.id)
        services.accept_amendment(moderator, amendment)
        relayed = reader.received()
        assert len(relayed) == 1
        message = protocol.parse_message(relayed[0])
        assert message.kind == "update"
        copy.apply_update(message.payload)
        assert crdt.text_of(copy) == TEXT.replace("le dimanche", "tous les jours")
    finally:
        reader.close()


def test_a_poll_adopting_an_amendment_whose_passage_changed_makes_it_outdated(app: Flask) -> None:
    moderator, author, document = _setup()
    amendment = services.propose_amendment(author, document, "le dimanche", "tous les jours", "Oui")
    services.open_consent(moderator, amendment)
    services.answer_consent(make_user(), amendment, "agree")
    _set_mode(document, "open")
    updates.receive_update(
        document, moderator.id, edit(client_doc(document.id), TEXT.replace("dimanche", "lundi")), "editor"
    )
    _set_mode(document, "suggest")
    rows = _count(DocumentUpdate)
    assert services.close_consent(moderator, amendment) is False
    db.session.refresh(amendment)
    assert amendment.status == "outdated" and amendment.consent == "closed"
    assert _count(DocumentUpdate) == rows
    assert log_rows.text_at(document.id)[0] == TEXT.replace("dimanche", "lundi")
