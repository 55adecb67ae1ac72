"""What a document's mode makes of a person: their role (sanctions included) and how others see them."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.accounts import sanctions
from civic.accounts.models import User
from civic.deliberation.drafting import permissions
from civic.deliberation.drafting.models import Document

# Cursor and name colours: each reaches 4.5:1 against white, and white text on them does too.
COLORS = (
    "#1d4ed8", "#b91c1c", "#047857", "#7e22ce", "#9a3412", "#0e7490",
    "#be185d", "#4d7c0f", "#4338ca", "#a16207", "#0f766e", "#6d28d9",
)  # fmt: skip
GUEST_COLOR = "#595959"


def person(user: User | None) -> dict[str, object]:
    """The name and colour everyone sees for this person (the server sets them, clients cannot)."""
    if user is None:
        return {"id": None, "name": _("Guest"), "color": GUEST_COLOR}
    return {"id": user.id, "name": user.display_name, "color": COLORS[user.id % len(COLORS)]}


def role_of(user: User | None, document: Document, sanctioned: bool | None = None) -> str:
    """The mode's role for this person; suspended or banned people only read.

    `sanctioned`: already known (a re-check of many people asks once for all of them).
    """
    role = permissions.role_for(user, document)
    if role != permissions.VIEWER and user is not None:
        if sanctioned is None:
            sanctioned = sanctions.is_sanctioned(user)
        if sanctioned:
            return permissions.VIEWER
    return role
