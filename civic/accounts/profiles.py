"""Sections other packages add to an organisation's page (its endorsements, say), without accounts
importing them: each registers a renderer from its init_app.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from civic.accounts.models import Organisation, User

# (organisation, visitor) -> the section's HTML, rendered from the registering package's own template.
Section = Callable[[Organisation, User | None], Markup]
SECTIONS: list[Section] = []


def add_section(section: Section) -> None:
    """Show `section` on every organisation's page, after its description (idempotent)."""
    if section not in SECTIONS:
        SECTIONS.append(section)


def sections_for(organisation: Organisation, user: User | None) -> list[Markup]:
    return [section(organisation, user) for section in SECTIONS]
