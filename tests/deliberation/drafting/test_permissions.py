"""Roles on a document: role × mode × phase tables."""

from __future__ import annotations

import pytest
from flask import Flask

from civic.deliberation.drafting import permissions
from tests.deliberation.drafting.factories import drafting_consultation
from tests.factories import make_document, make_user

# person -> role in each mode (open, editors, suggest, final) while the phase enables co-drafting
ROLES = {
    "anonymous": ("viewer", "viewer", "viewer", "viewer"),
    "participant": ("editor", "suggester", "suggester", "viewer"),
    "co-author": ("editor", "editor", "suggester", "viewer"),
    "moderator": ("editor", "editor", "suggester", "viewer"),
    "admin": ("editor", "editor", "suggester", "viewer"),
}
# ... and when the current phase does not enable co-drafting: only moderators still edit
ROLES_CLOSED = {
    "anonymous": ("viewer", "viewer", "viewer", "viewer"),
    "participant": ("viewer", "viewer", "viewer", "viewer"),
    "co-author": ("viewer", "viewer", "viewer", "viewer"),
    "moderator": ("editor", "editor", "suggester", "viewer"),
    "admin": ("editor", "editor", "suggester", "viewer"),
}
MODES = ("open", "editors", "suggest", "final")


@pytest.mark.parametrize("open_now", [True, False])
@pytest.mark.parametrize("who", list(ROLES))
def test_roles_by_mode(app: Flask, who: str, open_now: bool) -> None:
    moderator, co_author, participant = make_user(), make_user(), make_user()
    admin = make_user(admin=True)
    consultation = drafting_consultation(moderators=[moderator], open_now=open_now)
    person = {
        "anonymous": None,
        "participant": participant,
        "co-author": co_author,
        "moderator": moderator,
        "admin": admin,
    }[who]
    expected = (ROLES if open_now else ROLES_CLOSED)[who]
    for mode, role in zip(MODES, expected, strict=True):
        document = make_document(consultation, moderator, "Texte", mode=mode, editors=[co_author])
        assert permissions.role_for(person, document) == role, mode
        assert permissions.can_edit_document(person, document) == (role == "editor")


def test_a_registered_only_consultation_hides_documents_from_visitors(app: Flask) -> None:
    consultation = drafting_consultation(visibility="registered")
    document = make_document(consultation, None, "Texte")
    assert not permissions.can_view_document(None, document)
    assert permissions.can_view_document(make_user(), document)
    assert permissions.role_for(None, document) == "viewer"


@pytest.mark.parametrize(
    ("who", "allowed"), [("moderator", True), ("admin", True), ("participant", False), ("anonymous", False)]
)
def test_who_manages_documents(app: Flask, who: str, allowed: bool) -> None:
    moderator = make_user()
    consultation = drafting_consultation(moderators=[moderator])
    person = {
        "moderator": moderator,
        "admin": make_user(admin=True),
        "participant": make_user(),
        "anonymous": None,
    }[who]
    assert permissions.can_manage_documents(person, consultation) is allowed
