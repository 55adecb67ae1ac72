"""What the session pages share (everyone's page, the projector, the console): a session from its
address, the pages' context (the same state the socket sends), dates of the forms in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_timezone

from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.live import permissions, sessions, tallies
from civic.deliberation.live import state as states
from civic.deliberation.live.forms import LANE_LABELS, SessionForm
from civic.deliberation.live.minutes import answer_labels, outcome_text
from civic.deliberation.live.models import LiveSession, QuickPoll
from civic.deliberation.live.queries import remaining
from civic.timestamps import utcnow
from civic.voting.counting.registry import METHODS


def load(slug: str, session_id: int) -> tuple[Consultation, LiveSession]:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    return consultation, sessions.get_session(consultation, session_id, user)


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def to_utc(local: datetime) -> datetime:
    """Read a datetime-local field in the site's zone (America/Toronto by default) as UTC."""
    return local.replace(tzinfo=_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(_zone()).replace(tzinfo=None)


def session_data(form: SessionForm) -> sessions.SessionData:
    return sessions.SessionData(
        title_fr=form.title_fr.data or "",
        title_en=form.title_en.data or "",
        starts_at=to_utc(form.starts_at.data) if form.starts_at.data else None,
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        speaking_seconds=form.speaking_seconds.data if form.speaking_seconds.data is not None else 120,
        newcomers_first=bool(form.newcomers_first.data),
    )


def poll_view(poll: dict[str, Any] | None, source: QuickPoll | None) -> dict[str, Any] | None:
    """The shown poll as the templates need it: labels in the reader's language, outcome worded."""
    if poll is None or source is None:
        return None
    return {
        **poll,
        "labels": answer_labels(source),
        "ballot": tallies.ballot_kind(source),
        "outcome": outcome_text(source) if source.state == QuickPoll.CLOSED else "",
        "method_name": source.method if source.method in METHODS else "",
    }


def page_context(consultation: Consultation, session: LiveSession) -> dict[str, Any]:
    """What the participant page and the projector show (the same state the socket sends)."""
    user = current_participant()
    state = states.public_state(session)
    now = state["now"]
    item, speaker = state["item"], state["speaker"]
    own = states.own(session, user)
    return {
        "consultation": consultation,
        "session": session,
        "state": state,
        "own": own,
        "poll": poll_view(state["poll"], states.shown_poll(session)),
        "item_left": remaining(item["started_at"], item["seconds"], now) if item else None,
        "turn_left": remaining(speaker.get("started_at"), speaker.get("seconds"), now) if speaker else None,
        "my_place": next(
            (i for i, s in enumerate(state["queue"], start=1) if own["who"] and s["who"] == own["who"]), None
        ),
        "speaking": bool(speaker and own["who"] and speaker["who"] == own["who"]),
        "can_take_part": permissions.can_take_part(user, session, consultation),
        "can_facilitate": permissions.can_facilitate(user, consultation),
        "lane_labels": LANE_LABELS,
        "loaded_at": utcnow(),
    }
