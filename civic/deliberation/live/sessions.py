"""Session verbs: create and describe a session, start and end it, pin an announcement, the newcomers rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.live import permissions
from civic.deliberation.live.agenda import take_up
from civic.deliberation.live.changes import change, facilitator, preparing, running
from civic.deliberation.live.minutes import draft
from civic.deliberation.live.models import (
    PLACE_MAX,
    TITLE_MAX,
    URL_MAX,
    AgendaItem,
    LiveSession,
    QuickPoll,
    Speaker,
)
from civic.deliberation.live.quickpolls import close_open_polls
from civic.deliberation.live.speakers import reorder_waiting
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

ANNOUNCEMENT_MAX = 1000
SPEAKING_MAX = 3600


@dataclass(slots=True)
class SessionData:
    """A session as the facilitator describes it."""

    title_fr: str = ""
    title_en: str = ""
    starts_at: datetime | None = None
    place: str = ""
    online_url: str = ""
    speaking_seconds: int = 120
    newcomers_first: bool = False


def _check(data: SessionData) -> dict[str, str]:
    """Return the problems of a description, by field (empty when there are none)."""
    errors: dict[str, str] = {}
    title_fr, title_en = data.title_fr.strip(), data.title_en.strip()
    if not (title_fr or title_en) or is_blank(title_fr + title_en):
        errors["title_fr"] = _("Give a title in at least one language.")
    for name, title in (("title_fr", title_fr), ("title_en", title_en)):
        if len(title) > TITLE_MAX:
            errors[name] = _("At most %(n)d characters.", n=TITLE_MAX)
    if data.starts_at is None:
        errors["starts_at"] = _("Give the date and time of the session.")
    if len(data.place.strip()) > PLACE_MAX:
        errors["place"] = _("At most %(n)d characters.", n=PLACE_MAX)
    url = data.online_url.strip()
    if url:
        parts = urlsplit(url)
        if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
            errors["online_url"] = _("Give a web address starting with https:// (or leave it empty).")
    if not 0 <= data.speaking_seconds <= SPEAKING_MAX:
        errors["speaking_seconds"] = _("Between 0 (no limit) and %(n)d seconds.", n=SPEAKING_MAX)
    return errors


class SessionInvalid(Invalid):
    """A description with problems, by field (the form shows each under its field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _describe(session: LiveSession, data: SessionData) -> None:
    errors = _check(data)
    if errors:
        raise SessionInvalid(errors)
    session.title_fr, session.title_en = data.title_fr.strip(), data.title_en.strip()
    session.starts_at = data.starts_at or session.starts_at  # _check refused a missing date
    session.place, session.online_url = data.place.strip(), data.online_url.strip()
    session.speaking_seconds = data.speaking_seconds
    session.newcomers_first = data.newcomers_first


def get_session(consultation: Consultation, session_id: int, user: User | None) -> LiveSession:
    """Return the consultation's session if this person may follow it; NotFound otherwise."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.consultation_id != consultation.id:
        raise NotFound()
    if not permissions.can_view_session(user, consultation):
        raise NotFound()
    return session


def sessions_of(consultation: Consultation) -> list[LiveSession]:
    """A consultation's sessions: running first, then upcoming (soonest first), then past (latest first)."""
    found = list(
        db.session.scalars(select(LiveSession).where(LiveSession.consultation_id == consultation.id))
    )
    order = {LiveSession.RUNNING: 0, LiveSession.PLANNED: 1, LiveSession.ENDED: 2}
    return sorted(
        found,
        key=lambda s: (order[s.state], s.starts_at.timestamp() * (-1 if s.state == LiveSession.ENDED else 1)),
    )


def create_session(user: User | None, consultation: Consultation, data: SessionData) -> LiveSession:
    if not permissions.can_view_session(user, consultation):
        raise NotFound()
    if user is None or not permissions.can_facilitate(user, consultation):
        raise Forbidden(_("Only the consultation's moderators run its live sessions."))
    ensure_can_participate(user)
    session = LiveSession(consultation_id=consultation.id, created_by_id=user.id)
    _describe(session, data)
    db.session.add(session)
    db.session.commit()
    return session


def update_session(user: User | None, session: LiveSession, data: SessionData) -> None:
    facilitator(user, session)
    errors = _check(data)
    if errors:
        raise SessionInvalid(errors)
    with change(session.id, user) as now:
        preparing(now.session)
        rule_changed = now.session.newcomers_first != data.newcomers_first
        _describe(now.session, data)
        now.log("described")
        if rule_changed:
            reorder_waiting(now.session)
            now.log("newcomers", on=data.newcomers_first)


def start_session(user: User | None, session: LiveSession) -> None:
    """Start a planned session (in a phase that enables live sessions) and its first agenda item."""
    _user, consultation = facilitator(user, session)
    with change(session.id, user) as now:
        live = now.session
        if live.state != LiveSession.PLANNED:
            raise Conflict(
                _("This session has already started.")
                if live.state == LiveSession.RUNNING
                else _("This session has ended.")
            )
        if not permissions.live_open(consultation):
            raise Forbidden(_("The current phase of the consultation does not include live sessions."))
        moment = utcnow()
        live.state, live.started_at = LiveSession.RUNNING, moment
        now.log("started")
        first = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.session_id == live.id)
            .order_by(AgendaItem.position, AgendaItem.id)
            .limit(1)
        )
        if first is not None:
            take_up(now, first, moment)


def end_session(user: User | None, session: LiveSession) -> None:
    """End the session: the current turn and item end, an open poll is closed and counted."""
    facilitator(user, session)
    with change(session.id, user) as now:
        live = now.session
        running(live)
        moment = utcnow()
        close_open_polls(now, moment)
        for speaker in db.session.scalars(
            select(Speaker).where(Speaker.session_id == live.id, Speaker.state == Speaker.SPEAKING)
        ):
            speaker.state, speaker.ended_at = Speaker.DONE, moment
            now.log("turn-ended", speaker=speaker.id, name=speaker.name)
        for speaker in db.session.scalars(
            select(Speaker).where(Speaker.session_id == live.id, Speaker.state == Speaker.WAITING)
        ):
            speaker.state = Speaker.WITHDRAWN
        take_up(now, None, moment)
        live.state, live.ended_at = LiveSession.ENDED, moment
        now.log("ended")
        db.session.flush()
        live.minutes = draft(live)
        live.minutes_html = str(render_markdown(live.minutes))
        live.minutes_lang = str(get_locale() or "fr")


def pin_announcement(user: User | None, session: LiveSession, text: str) -> None:
    facilitator(user, session)
    text = text.strip()
    if not text or is_blank(text):
        raise Invalid(_("Write the announcement first."))
    if len(text) > ANNOUNCEMENT_MAX:
        raise Invalid(
            _(
                "An announcement has at most %(n)d characters; this one has %(count)d.",
                n=ANNOUNCEMENT_MAX,
                count=len(text),
            )
        )
    with change(session.id, user) as now:
        running(now.session)
        now.session.announcement = text
        now.session.announcement_html = str(render_markdown(text))
        now.log("announcement", text=text)


def clear_announcement(user: User | None, session: LiveSession) -> None:
    facilitator(user, session)
    with change(session.id, user) as now:
        running(now.session)
        if not now.session.announcement:
            raise Conflict(_("There is no announcement to take down."))
        now.session.announcement = now.session.announcement_html = ""
        now.log("announcement-cleared")


def set_newcomers_first(user: User | None, session: LiveSession, on: bool) -> None:
    """Turn the rule on or off; the waiting list is put in the rule's order at once."""
    facilitator(user, session)
    with change(session.id, user) as now:
        preparing(now.session)
        if now.session.newcomers_first == on:
            raise Conflict(_("The rule is already on.") if on else _("The rule is already off."))
        now.session.newcomers_first = on
        reorder_waiting(now.session)
        now.log("newcomers", on=on)


def hide_results(user: User | None, session: LiveSession) -> None:
    """Take the last poll's results off the screens."""
    facilitator(user, session)
    with change(session.id, user) as now:
        running(now.session)
        shown = db.session.scalar(
            select(QuickPoll).where(QuickPoll.session_id == now.session.id, QuickPoll.shown.is_(True))
        )
        if shown is None or shown.state != QuickPoll.CLOSED:
            raise Conflict(_("No results are on the screens."))
        shown.shown = False
        now.log("results-hidden")
