"""The console's buttons and the participants' gestures by name: one table for the forms and the socket.

Each action reads its parameters (ids through civic.inputs, texts as given) and calls its service, which
checks who may do it. `perform` returns what the service answers, ready for a socket acknowledgement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from civic.accounts.models import User
from civic.deliberation.live import agenda, questions, quickpolls, sessions, speakers
from civic.deliberation.live.models import LiveSession, Question, Speaker
from civic.errors import Invalid
from civic.inputs import as_id

Params = Mapping[str, Any]
Action = Callable[[User | None, LiveSession, Params], Any]


def _id(params: Params, name: str) -> int | None:
    return as_id(params.get(name))


def _text(params: Params, name: str) -> str:
    value = params.get(name)
    return value if isinstance(value, str) else ""


def _lane(params: Params) -> str:
    return _text(params, "lane") or Speaker.NORMAL


def _counts(params: Params) -> list[int]:
    """The numbers of hands, one per answer (0 to 999,999 each; the service checks the bounds)."""
    values = params.get("counts")
    numbers = [str(v).strip() for v in values] if isinstance(values, list) and len(values) <= 20 else None
    if numbers is None or not all(n.isascii() and n.isdigit() and len(n) <= 6 for n in numbers):
        raise Invalid(_("Give a number of hands, from 0, for every answer."))
    return [int(n) for n in numbers]


CONSOLE: dict[str, Action] = {
    "start": lambda u, s, p: sessions.start_session(u, s),
    "end": lambda u, s, p: sessions.end_session(u, s),
    "next-item": lambda u, s, p: agenda.next_item(u, s),
    "start-item": lambda u, s, p: agenda.start_item(u, s, _id(p, "item")),
    "item-up": lambda u, s, p: agenda.move_item(u, s, _id(p, "item"), "up"),
    "item-down": lambda u, s, p: agenda.move_item(u, s, _id(p, "item"), "down"),
    "remove-item": lambda u, s, p: agenda.remove_item(u, s, _id(p, "item")),
    "item-more": lambda u, s, p: agenda.change_item_time(u, s, agenda.STEP_SECONDS),
    "item-less": lambda u, s, p: agenda.change_item_time(u, s, -agenda.STEP_SECONDS),
    "floor": lambda u, s, p: speakers.give_floor(u, s, _id(p, "speaker")).id,
    "done": lambda u, s, p: speakers.finish_turn(u, s),
    "turn-more": lambda u, s, p: speakers.extend_turn(u, s),
    "speaker-up": lambda u, s, p: speakers.move_speaker(u, s, _id(p, "speaker"), "up"),
    "speaker-down": lambda u, s, p: speakers.move_speaker(u, s, _id(p, "speaker"), "down"),
    "speaker-top": lambda u, s, p: speakers.move_speaker(u, s, _id(p, "speaker"), "top"),
    "remove-speaker": lambda u, s, p: speakers.remove_speaker(u, s, _id(p, "speaker")),
    "add-speaker": lambda u, s, p: speakers.add_in_room(u, s, _text(p, "name"), _lane(p)),
    "newcomers-on": lambda u, s, p: sessions.set_newcomers_first(u, s, True),
    "newcomers-off": lambda u, s, p: sessions.set_newcomers_first(u, s, False),
    "open-poll": lambda u, s, p: quickpolls.open_poll(u, s, _id(p, "poll")),
    "close-poll": lambda u, s, p: quickpolls.close_poll(u, s, _id(p, "poll")),
    "tally": lambda u, s, p: quickpolls.enter_tally(u, s, _id(p, "poll"), _counts(p)),
    "hide-results": lambda u, s, p: sessions.hide_results(u, s),
    "approve": lambda u, s, p: questions.decide(u, s, _id(p, "question"), Question.APPROVED),
    "reject": lambda u, s, p: questions.decide(u, s, _id(p, "question"), Question.REJECTED),
    "answered": lambda u, s, p: questions.decide(u, s, _id(p, "question"), Question.ANSWERED),
    "announce": lambda u, s, p: sessions.pin_announcement(u, s, _text(p, "text")),
    "clear-announcement": lambda u, s, p: sessions.clear_announcement(u, s),
}

PARTICIPANT: dict[str, Action] = {
    "raise": lambda u, s, p: speakers.raise_hand(u, s, _lane(p)),
    "lower": lambda u, s, p: speakers.lower_hand(u, s, _lane(p)),
    "answer": lambda u, s, p: quickpolls.answer(u, s, _id(p, "poll"), p.get("choice")),
    "ask": lambda u, s, p: questions.ask(u, s, _text(p, "text")).id,
    "support": lambda u, s, p: questions.support(u, s, _id(p, "question")),
}

ACTIONS = {**CONSOLE, **PARTICIPANT}

# What each action says once done (the console's flash message, the socket's acknowledgement).
MESSAGES: dict[str, LazyString] = {
    "start": _l("The session has started."),
    "end": _l("The session has ended. Its minutes are drafted: read them, edit them and publish them."),
    "next-item": _l("The next item is under way."),
    "start-item": _l("The item is under way."),
    "item-up": _l("The agenda is reordered."),
    "item-down": _l("The agenda is reordered."),
    "remove-item": _l("The item is removed from the agenda."),
    "item-more": _l("One more minute for this item."),
    "item-less": _l("One minute less for this item."),
    "floor": _l("The floor is given."),
    "done": _l("The turn is over."),
    "turn-more": _l("30 more seconds for the speaker."),
    "speaker-up": _l("The speakers' list is reordered."),
    "speaker-down": _l("The speakers' list is reordered."),
    "speaker-top": _l("The speakers' list is reordered."),
    "remove-speaker": _l("Taken off the speakers' list."),
    "newcomers-on": _l("People who have not spoken yet now go first."),
    "newcomers-off": _l("The speakers' list keeps the order of the requests."),
    "open-poll": _l("The poll is open."),
    "close-poll": _l("The poll is closed: its results are on the screens."),
    "hide-results": _l("The results are taken off the screens."),
    "approve": _l("The question is shown to everyone."),
    "reject": _l("The question is set aside."),
    "answered": _l("The question is marked answered."),
    "clear-announcement": _l("The announcement is taken down."),
    "add-speaker": _l("The person is on the speakers' list."),
    "announce": _l("The announcement is on every screen."),
    "tally": _l("The show of hands is recorded."),
    "raise": _l("You are on the speakers' list."),
    "lower": _l("You are off the speakers' list."),
    "answer": _l("Your answer is recorded. The results are shown when the poll closes."),
    "ask": _l("Your question is sent. It will be shown once a facilitator approves it."),
    "support": _l("Done."),
}


def perform(
    name: str,
    user: User | None,
    session: LiveSession,
    params: Params,
    allowed: Mapping[str, Action] = ACTIONS,
) -> Any:
    """Run the named action; Invalid for an unknown name. Returns the service's answer (JSON-ready)."""
    action = allowed.get(name)
    if action is None:
        raise Invalid(_("Unknown action."))
    result = action(user, session, params)
    return asdict(result) if is_dataclass(result) and not isinstance(result, type) else result
