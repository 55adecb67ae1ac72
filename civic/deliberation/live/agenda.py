"""The agenda: items in order with their planned time and what they are about; the current item and its timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.deliberation.live import links
from civic.deliberation.live.changes import Change, change, consultation_of, facilitator, preparing, running
from civic.deliberation.live.models import TITLE_MAX, AgendaItem, LiveSession
from civic.deliberation.live.state import agenda
from civic.errors import Conflict, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank
from civic.timestamps import utcnow

MAX_MINUTES = 600
MAX_ITEMS = 100
STEP_SECONDS = 60


@dataclass(slots=True)
class ItemData:
    title_fr: str = ""
    title_en: str = ""
    minutes: int = 10
    link: str = ""  # "kind:id" or ""


class ItemInvalid(Invalid):
    """An item with problems, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _check(data: ItemData) -> tuple[str, str, tuple[str, int] | None]:
    errors: dict[str, str] = {}
    title_fr, title_en = data.title_fr.strip(), data.title_en.strip()
    if not (title_fr or title_en) or is_blank(title_fr + title_en):
        errors["title_fr"] = _("Give a title in at least one language.")
    for name, title in (("title_fr", title_fr), ("title_en", title_en)):
        if len(title) > TITLE_MAX:
            errors[name] = _("At most %(n)d characters.", n=TITLE_MAX)
    if not 1 <= data.minutes <= MAX_MINUTES:
        errors["minutes"] = _("Between 1 and %(n)d minutes.", n=MAX_MINUTES)
    link = None
    try:
        link = links.parse(data.link)
    except Invalid as error:
        errors["link"] = error.message
    if errors:
        raise ItemInvalid(errors)
    return title_fr, title_en, link


def _apply(item: AgendaItem, session: LiveSession, data: ItemData) -> None:
    title_fr, title_en, link = _check(data)
    item.title_fr, item.title_en, item.planned_minutes = title_fr, title_en, data.minutes
    if link is None:
        item.link_kind, item.link_id, item.link_title, item.link_url = "", None, "", ""
        return
    try:
        title, url = links.resolve(consultation_of(session), *link)
    except Invalid as error:
        raise ItemInvalid({"link": error.message}) from None
    item.link_kind, item.link_id, item.link_title, item.link_url = link[0], link[1], title[:300], url[:300]


def _item(now: Change, item_id: int | None) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if item_id is not None else None
    if item is None or item.session_id != now.session.id:
        raise NotFound(_("This item is not on this session's agenda."))
    return item


def add_item(user: User | None, session: LiveSession, data: ItemData) -> AgendaItem:
    person, _consultation = facilitator(user, session)
    _check(data)
    with change(session.id, person) as now:
        preparing(now.session)
        count, last = db.session.execute(
            select(func.count(AgendaItem.id), func.max(AgendaItem.position)).where(
                AgendaItem.session_id == now.session.id
            )
        ).one()
        if count >= MAX_ITEMS:
            raise Conflict(_("An agenda has at most %(n)d items.", n=MAX_ITEMS))
        item = AgendaItem(session_id=now.session.id, position=(last or 0) + 1)
        _apply(item, now.session, data)
        db.session.add(item)
        db.session.flush()
        now.log("agenda-added", item=item.id, title=[item.title_fr, item.title_en])
        return item


def update_item(user: User | None, session: LiveSession, item_id: int | None, data: ItemData) -> None:
    person, _consultation = facilitator(user, session)
    _check(data)
    with change(session.id, person) as now:
        preparing(now.session)
        item = _item(now, item_id)
        _apply(item, now.session, data)
        now.log("agenda-changed", item=item.id, title=[item.title_fr, item.title_en])


def move_item(user: User | None, session: LiveSession, item_id: int | None, direction: str) -> None:
    person, _consultation = facilitator(user, session)
    if direction not in ("up", "down"):
        raise Invalid(_("Unknown move."))
    with change(session.id, person) as now:
        preparing(now.session)
        item = _item(now, item_id)
        items = agenda(now.session.id)
        at = items.index(item)
        to = at - 1 if direction == "up" else at + 1
        if not 0 <= to < len(items):
            raise Conflict(_("This item is already first.") if to < 0 else _("This item is already last."))
        items.insert(to, items.pop(at))
        for position, each in enumerate(items, start=1):
            each.position = position
        now.log("agenda-moved", item=item.id, to=to + 1)


def remove_item(user: User | None, session: LiveSession, item_id: int | None) -> None:
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        preparing(now.session)
        item = _item(now, item_id)
        if item.started_at is not None:
            raise Conflict(_("This item has been taken up: it stays on the agenda and in the minutes."))
        db.session.delete(item)
        now.log("agenda-removed", item=item.id, title=[item.title_fr, item.title_en])


def _close(item: AgendaItem, moment: datetime) -> None:
    if item.started_at is not None and item.ended_at is None:
        item.ended_at = moment
        item.spent_seconds += max(0, int((moment - item.started_at).total_seconds()))


def take_up(now: Change, item: AgendaItem | None, moment: datetime) -> None:
    """End the current item and make `item` current (None: no item), as of `moment`."""
    session = now.session
    current = db.session.get(AgendaItem, session.current_item_id) if session.current_item_id else None
    if current is not None:
        _close(current, moment)
    session.current_item_id = None if item is None else item.id
    if item is not None:
        item.started_at, item.ended_at = moment, None
        now.log("item", item=item.id, title=[item.title_fr, item.title_en])
    elif current is not None:
        now.log("agenda-done")


def start_item(user: User | None, session: LiveSession, item_id: int | None) -> None:
    """Take up an item (the current one ends); an item already done can be taken up again."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        item = _item(now, item_id)
        if item.id == now.session.current_item_id:
            raise Conflict(_("This item is already under way."))
        take_up(now, item, utcnow())


def next_item(user: User | None, session: LiveSession) -> None:
    """Take up the item after the current one (after the last, the agenda is done)."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        items = agenda(now.session.id)
        current = next((i for i in items if i.id == now.session.current_item_id), None)
        if current is not None:
            following = items[items.index(current) + 1 :]
        else:
            following = [i for i in items if i.started_at is None]
            if not following:
                raise Conflict(_("No item is left on the agenda."))
        take_up(now, following[0] if following else None, utcnow())


def change_item_time(user: User | None, session: LiveSession, seconds: int) -> None:
    """Add time to the current item (or take some away)."""
    person, _consultation = facilitator(user, session)
    with change(session.id, person) as now:
        running(now.session)
        item = (
            db.session.get(AgendaItem, now.session.current_item_id) if now.session.current_item_id else None
        )
        if item is None:
            raise Conflict(_("No item is under way."))
        item.extra_seconds += seconds
        now.log("item-time", item=item.id, seconds=seconds)
