"""Amendment predicates as role × mode tables (pure: no request, no write)."""

from __future__ import annotations

import pytest
from flask import Flask

from civic.deliberation.drafting.amendments import permissions, services
from civic.extensions import db
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user

MODES = ("open", "editors", "suggest", "final")
# person -> (propose, support, decide) in each mode, while the phase enables co-drafting
TABLE = {
    "anonymous": ("----", "----", "----"),
    "participant": ("--P-", "SSS-", "----"),
    "author": ("--P-", "----", "----"),
    "moderator": ("--P-", "SSS-", "DDD-"),
    "other-moderator": ("--P-", "SSS-", "----"),
}


@pytest.mark.parametrize("who", list(TABLE))
def test_amendment_permissions_by_mode(app: Flask, who: str) -> None:
    moderator, author, participant, other_moderator = make_user(), make_user(), make_user(), make_user()
    consultation = drafting_consultation(moderators=[moderator])
    drafting_consultation(moderators=[other_moderator])
    document = make_document(consultation, moderator, "Un texte à amender.", mode="suggest")
    amendment = services.propose_amendment(author, document, "texte", "écrit", "Plus précis")
    person = {
        "anonymous": None,
        "participant": participant,
        "author": author,
        "moderator": moderator,
        "other-moderator": other_moderator,
    }[who]
    propose, support, decide = TABLE[who]
    for i, mode in enumerate(MODES):
        document.mode = mode
        db.session.commit()
        assert permissions.can_propose_amendment(person, document) == (propose[i] == "P"), mode
        assert permissions.can_support_amendment(person, amendment) == (support[i] == "S"), mode
        assert permissions.can_decide_amendment(person, amendment) == (decide[i] == "D"), mode


def test_nothing_is_possible_on_a_decided_amendment(app: Flask) -> None:
    moderator, author, participant = make_user(), make_user(), make_user()
    consultation = drafting_consultation(moderators=[moderator])
    document = make_document(consultation, moderator, "Un texte à amender.", mode="suggest")
    amendment = services.propose_amendment(author, document, "texte", "écrit", "Plus précis")
    services.reject_amendment(moderator, amendment, "Non merci")
    assert not permissions.can_support_amendment(participant, amendment)
    assert not permissions.can_withdraw_amendment_support(participant, amendment)
    assert not permissions.can_decide_amendment(moderator, amendment)
    assert not permissions.can_answer_consent(participant, amendment)


def test_consent_answers_need_an_open_poll_and_an_open_phase(app: Flask) -> None:
    moderator, author, participant = make_user(), make_user(), make_user()
    consultation = drafting_consultation(moderators=[moderator], open_now=False)
    document = make_document(consultation, moderator, "Un texte à amender.", mode="suggest")
    amendment = services.propose_amendment(moderator, document, "texte", "écrit", "Plus précis")
    assert not permissions.can_answer_consent(participant, amendment)
    services.open_consent(moderator, amendment)
    assert not permissions.can_answer_consent(participant, amendment)  # the phase is closed to them
    assert permissions.can_answer_consent(moderator, amendment)
    assert not permissions.can_propose_amendment(author, document)
