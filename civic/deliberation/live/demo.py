"""Demo live sessions: tonight's town hall on the Digital Plan (planned, with its agenda linked to a
proposal and the manifesto, and prepared polls) and last week's launch evening (ended, minutes published).

The town hall is created through the services by the demo moderator, so starting it from its console
runs exactly as a real session. The launch evening is history: its rows are written with the times they
would have had, then its minutes are drafted from them by the same code as at the end of any session.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import agenda, quickpolls, sessions, tallies
from civic.deliberation.live.minutes import draft
from civic.deliberation.live.models import (
    AgendaItem,
    LiveSession,
    QuickAnswer,
    QuickPoll,
    SessionEvent,
    Speaker,
)
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.text import render_markdown

MODERATOR = "moderatrice@example.org"


def _evening(days: int) -> datetime:
    """7 p.m. in the site's zone, `days` from today."""
    zone = ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "America/Toronto")))
    day = datetime.now(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(19, 0), tzinfo=zone).astimezone(UTC)


def _town_hall(consultation: Consultation, moderator: User) -> LiveSession:
    session = sessions.create_session(
        moderator,
        consultation,
        sessions.SessionData(
            title_fr="Assemblée publique : le plan numérique",
            title_en="Town hall: the Digital Plan",
            starts_at=_evening(0),
            place="Centre communautaire Saint-Michel, 7501 rue François-Perrault, Montréal",
            online_url="https://example.org/assemblee-numerique",
            speaking_seconds=120,
            newcomers_first=True,
        ),
    )
    proposal = db.session.scalar(
        select(Proposal)
        .where(Proposal.consultation_id == consultation.id, Proposal.hidden.is_(False))
        .order_by(Proposal.id)
    )
    manifesto = db.session.scalar(
        select(Document).where(Document.consultation_id == consultation.id).order_by(Document.id)
    )
    items = [
        ("Accueil et règles de la soirée", "Welcome and ground rules", 10, ""),
        (
            "Du Wi-Fi gratuit dans les bibliothèques",
            "Free Wi-Fi in libraries",
            20,
            f"proposal:{proposal.id}" if proposal else "",
        ),
        (
            "Le manifeste : ce qui reste à écrire",
            "The manifesto: what is left to write",
            25,
            f"document:{manifesto.id}" if manifesto else "",
        ),
        ("Questions et prochaines étapes", "Questions and next steps", 15, ""),
    ]
    for title_fr, title_en, minutes, link in items:
        agenda.add_item(moderator, session, agenda.ItemData(title_fr, title_en, minutes, link))
    quickpolls.create_poll(
        moderator,
        session,
        quickpolls.PollData(
            kind="yes-no",
            question_fr="Le Wi-Fi gratuit dans les lieux publics doit-il être la première priorité ?",
            question_en="Should free Wi-Fi in public places be the first priority?",
            open_now=False,
        ),
    )
    quickpolls.create_poll(
        moderator,
        session,
        quickpolls.PollData(
            kind="consent",
            question_fr="Adopter le chapitre « Accès » du manifeste tel qu'il est rédigé ?",
            question_en="Adopt the manifesto's “Access” chapter as written?",
            open_now=False,
        ),
    )
    return session


def _launch(consultation: Consultation, users: dict[str, User]) -> LiveSession:
    """Last week's launch evening, as its rows would stand after it ended."""
    moderator = users[MODERATOR]
    start = _evening(-7)
    at = lambda minutes: start + timedelta(minutes=minutes)  # noqa: E731 - a short local clock
    session = LiveSession(
        consultation_id=consultation.id,
        title_fr="Soirée de lancement de la consultation",
        title_en="Launch evening of the consultation",
        starts_at=start,
        place="Bibliothèque du Boisé, Montréal",
        state=LiveSession.ENDED,
        started_at=at(0),
        ended_at=at(62),
        speaking_seconds=120,
        created_by_id=moderator.id,
    )
    db.session.add(session)
    db.session.flush()
    first = AgendaItem(
        session_id=session.id,
        position=1,
        title_fr="Présentation de la démarche",
        title_en="How the consultation works",
        planned_minutes=15,
        started_at=at(0),
        ended_at=at(17),
        spent_seconds=17 * 60,
    )
    second = AgendaItem(
        session_id=session.id,
        position=2,
        title_fr="Vos constats",
        title_en="What you see",
        planned_minutes=40,
        started_at=at(17),
        ended_at=at(62),
        spent_seconds=45 * 60,
    )
    db.session.add_all([first, second])
    db.session.flush()
    turns = [
        (users["citoyen@example.org"], "", "normal", first, 2, 4),
        (None, "Louise Bergeron", "normal", second, 18, 21),
        (users["citizen@example.org"], "", "order", second, 21, 22),
        (users["representant@example.org"], "", "normal", second, 22, 25),
        (None, "Marc-André Roy", "reply", second, 25, 26),
        (users["citoyen@example.org"], "", "normal", second, 30, 32),
    ]
    for position, (user, name, lane, item, begin, end) in enumerate(turns, start=1):
        db.session.add(
            Speaker(session_id=session.id, user_id=user.id if user else None, name=user.display_name if user else name,
                    lane=lane, state=Speaker.DONE, position=position, item_id=item.id, allowed_seconds=120,
                    requested_at=at(begin - 1), started_at=at(begin), ended_at=at(end))
        )  # fmt: skip
    poll = QuickPoll(session_id=session.id, item_id=second.id, kind="yes-no", question_fr="Faut-il tenir une deuxième soirée en anglais ?",
                     question_en="Should there be a second evening in English?", state=QuickPoll.CLOSED, opened_at=at(40),
                     closed_at=at(43), tally_json=json.dumps({"counts": [14, 3, 2]}))  # fmt: skip
    db.session.add(poll)
    db.session.flush()
    for user, choice in (
        (users["citizen@example.org"], 0),
        (users["citoyen@example.org"], 0),
        (users["representant@example.org"], 2),
    ):
        db.session.add(
            QuickAnswer(poll_id=poll.id, user_id=user.id, choice=json.dumps(choice), created_at=at(41))
        )
    db.session.flush()
    poll.result_json = json.dumps(tallies.count(poll, [0, 0, 2]))
    db.session.add(
        SessionEvent(
            session_id=session.id,
            at=at(0),
            kind="item",
            actor_id=moderator.id,
            data_json=json.dumps({"item": first.id}),
        )
    )
    db.session.add(
        SessionEvent(
            session_id=session.id,
            at=at(17),
            kind="item",
            actor_id=moderator.id,
            data_json=json.dumps({"item": second.id}),
        )
    )
    db.session.add(
        SessionEvent(session_id=session.id, at=at(35), kind="announcement", actor_id=moderator.id,
                     data_json=json.dumps({"text": "Pause de 5 minutes : du café vous attend à l'arrière de la salle."}, ensure_ascii=False))
    )  # fmt: skip
    db.session.flush()
    with force_locale("fr"):
        session.minutes = draft(session)
    session.minutes_html = str(render_markdown(session.minutes))
    session.minutes_lang = "fr"
    session.minutes_published_at = at(60 * 24)
    db.session.commit()
    return session


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Create the demo sessions; return a summary for the demo command."""
    _launch(consultation, users)
    # Agenda items keep their link's address, built for a request: the demo command has none.
    with current_app.test_request_context("/"):
        town_hall = _town_hall(consultation, users[MODERATOR])
    return f"2 live sessions (tonight's town hall, no. {town_hall.id}, and last week's, with minutes)"
