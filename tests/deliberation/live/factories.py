"""Live-session test data: a consultation whose current phase enables live sessions, sessions, people."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.live import agenda, sessions
from civic.deliberation.live.models import LiveSession
from civic.extensions import db
from civic.timestamps import utcnow
from tests.factories import make_consultation, make_user


def live_consultation(moderators: list[User] | None = None, **kwargs: object) -> Consultation:
    """An open consultation in a deliberation phase (which enables live sessions)."""
    return make_consultation(moderators=moderators, phases=[("deliberation", -1, 10)], **kwargs)  # type: ignore[arg-type]


def make_session(
    consultation: Consultation,
    moderator: User,
    items: int = 2,
    start: bool = True,
    title: str = "Assemblée du soir",
    **settings: object,
) -> LiveSession:
    """A session with `items` agenda items, started unless asked otherwise."""
    session = sessions.create_session(
        moderator,
        consultation,
        sessions.SessionData(
            title_fr=title, title_en="Evening meeting", starts_at=utcnow() + timedelta(hours=1), **settings
        ),  # type: ignore[arg-type]
    )
    for number in range(items):
        agenda.add_item(moderator, session, agenda.ItemData(f"Point {number + 1}", f"Item {number + 1}", 10))
    if start:
        sessions.start_session(moderator, session)
    db.session.refresh(session)
    return session


def people(count: int, prefix: str = "Personne") -> list[User]:
    return [make_user(name=f"{prefix} {number}") for number in range(count)]
