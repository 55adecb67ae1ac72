"""Minutes: drafted when a session ends from its agenda, turns, polls, announcements and questions;
edited by a facilitator (markdown) and published on the consultation."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

from flask_babel import format_date, format_time, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import User
from civic.deliberation.live import state as states
from civic.deliberation.live.changes import change, facilitator
from civic.deliberation.live.models import AgendaItem, LiveSession, Question, QuickPoll, SessionEvent, Speaker
from civic.errors import Conflict, Invalid
from civic.extensions import db
from civic.i18n import localized
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow
from civic.voting.counting.registry import METHODS

MINUTES_MAX = 50_000
# What turns text typed in a line into formatting: emphasis, code, links, HTML, table cells.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")


def md(text: str) -> str:
    """Escape what markdown would read as formatting in a name or title typed by someone."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def duration(seconds: int) -> str:
    """A length of time as "1 h 05 min", "2 min 10 s" or "45 s" (the same symbols in both languages)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def _lane(speaker: Speaker) -> str:
    return {Speaker.ORDER: _("point of order"), Speaker.REPLY: _("direct reply")}.get(speaker.lane, "")


def _turn(speaker: Speaker) -> str:
    started = speaker.started_at or utcnow()
    spent = int(((speaker.ended_at or started) - started).total_seconds())
    parts = [
        md(speaker.name) + (" " + _("(in the room)") if speaker.user_id is None else ""),
        duration(spent),
    ]
    if _lane(speaker):
        parts.append(_lane(speaker))
    return "- " + " — ".join(parts)


def answer_labels(poll: QuickPoll) -> list[str]:
    """The answers of a poll in the reader's language."""
    if poll.kind == "yes-no":
        return [_("Yes"), _("No"), _("Abstain")]
    if poll.kind == "consent":
        return [_("Agree"), _("Abstain"), _("Disagree"), _("Block")]
    locale = 0 if str(get_locale() or "fr") == "fr" else 1
    return [pair[locale] or pair[1 - locale] for pair in poll.options]


def outcome_text(poll: QuickPoll) -> str:
    result = poll.result or {}
    outcome = str(result.get("outcome", ""))
    labels = answer_labels(poll)
    if poll.kind == "yes-no":
        return {
            "yes": _("More yes than no."),
            "no": _("More no than yes."),
            "tie": _("As many yes as no."),
        }.get(outcome, "")
    if poll.kind == "consent":
        return {
            "passes": _("Consent reached."),
            "blocked": _("Blocked."),
            "no-agreement": _("No consent: not enough agreement."),
        }.get(outcome, "")
    if poll.kind == "choice":
        leading = result.get("leading") or []
        return (
            _("Most chosen: %(options)s.", options=", ".join(labels[i] for i in leading)) if leading else ""
        )
    winners = result.get("winners") or []
    return (
        _(
            "Counted by %(method)s; chosen: %(options)s.",
            method=poll.method,
            options=", ".join(labels[i] for i in winners),
        )
        if winners
        else _("No answers to count.")
    )


def _poll_lines(poll: QuickPoll) -> list[str]:
    result = poll.result or {}
    labels = [md(label) for label in answer_labels(poll)]
    question = md(localized(poll, "question"))
    answers = ngettext("%(num)d answer online", "%(num)d answers online", result.get("answers", 0))
    if poll.kind == "method":
        kind = METHODS[poll.method].name if poll.method in METHODS else poll.method
        return [f"- **{question}** ({kind}, {answers}): {md(outcome_text(poll))}"]
    totals = " · ".join(f"{label} {n}" for label, n in zip(labels, result.get("totals", []), strict=False))
    lines = [f"- **{question}** ({answers}): {totals}. {md(outcome_text(poll))}"]
    if result.get("hands"):
        hands = " · ".join(f"{label} {n}" for label, n in zip(labels, result["hands"], strict=False))
        lines.append("  " + _("Show of hands counted in the room, included above: %(hands)s.", hands=hands))
    return lines


def _time(moment: datetime | None) -> str:
    return format_time(moment, "short") if moment else "?"


def draft(session: LiveSession) -> str:
    """Write the minutes of an ended session in the current language, for the facilitator to edit."""
    items = states.agenda(session.id)
    turns = list(
        db.session.scalars(
            select(Speaker)
            .where(Speaker.session_id == session.id, Speaker.started_at.is_not(None))
            .order_by(Speaker.started_at, Speaker.id)
        )
    )
    polls = list(
        db.session.scalars(
            select(QuickPoll)
            .where(QuickPoll.session_id == session.id, QuickPoll.state == QuickPoll.CLOSED)
            .order_by(QuickPoll.opened_at, QuickPoll.id)
        )
    )
    events = list(
        db.session.scalars(
            select(SessionEvent).where(SessionEvent.session_id == session.id).order_by(SessionEvent.id)
        )
    )
    actors = {e.actor_id for e in events if e.kind in ("started", "ended", "floor", "item") and e.actor_id}
    facilitators = (
        [u.display_name for u in db.session.scalars(select(User).where(User.id.in_(actors)))]
        if actors
        else []
    )
    # Announcements under the item current when they were pinned (the log says which).
    announcements: dict[int | None, list[SessionEvent]] = defaultdict(list)
    current: int | None = None
    for event in events:
        if event.kind == "item":
            current = event.data.get("item")
        elif event.kind == "agenda-done":
            current = None
        elif event.kind == "announcement":
            announcements[current].append(event)

    lines = [
        _(
            "Minutes of the session of %(date)s.",
            date=format_date(session.started_at or session.starts_at, "long"),
        ),
        "",
    ]
    span = ""
    if session.started_at and session.ended_at:
        spent = int((session.ended_at - session.started_at).total_seconds())
        span = f"{_time(session.started_at)} – {_time(session.ended_at)} ({duration(spent)})"
    details = [(_("Time"), span), (_("Place"), md(session.place)), (_("Online"), session.online_url)]
    if facilitators:
        details.append((_("Facilitation"), ", ".join(md(name) for name in sorted(facilitators))))
    lines += [f"- **{label}**: {value}" for label, value in details if value]

    def section(item: AgendaItem | None) -> list[str]:
        key = item.id if item is not None else None
        out: list[str] = []
        said = [t for t in turns if t.item_id == key]
        if said:
            out += ["", _("Speakers:"), "", *(_turn(t) for t in said)]
        asked = [p for p in polls if p.item_id == key]
        if asked:
            out += ["", _("Polls:"), ""]
            for poll in asked:
                out += _poll_lines(poll)
        pinned = announcements.get(key, [])
        if pinned:
            out += ["", _("Announcements:"), ""]
            # An announcement is markdown already (as the screens showed it), on one line here.
            out += [f"- {_time(e.at)} — {' '.join(str(e.data.get('text', '')).split())}" for e in pinned]
        return out

    before = section(None)
    if before:
        lines += ["", "## " + _("Outside the agenda"), *before]
    if items:
        lines += ["", "## " + _("Agenda")]
    for number, item in enumerate(items, start=1):
        lines += ["", f"### {number}. {md(localized(item, 'title'))}", ""]
        if item.started_at is None:
            lines.append(_("Planned: %(planned)d min; not taken up.", planned=item.planned_minutes))
        else:
            lines.append(
                _(
                    "Planned: %(planned)d min; took %(spent)s.",
                    planned=item.planned_minutes,
                    spent=duration(item.spent_seconds),
                )
            )
        if item.link_url:
            lines += ["", _("About: %(link)s", link=f"[{md(item.link_title)}]({item.link_url})")]
        lines += section(item)
    times = states.speaking_times(session.id, session.ended_at or utcnow())
    if times:
        lines += [
            "",
            "## " + _("Speaking time"),
            "",
            f"| {_('Person')} | {_('Turns')} | {_('Time')} |",
            "|---|---:|---:|",
        ]
        lines += [f"| {md(t['name'])} | {t['turns']} | {duration(t['seconds'])} |" for t in times]
        lines += ["", _("Total: %(time)s.", time=duration(sum(t["seconds"] for t in times)))]
    asked = list(
        db.session.scalars(
            select(Question)
            .where(
                Question.session_id == session.id, Question.state.in_((Question.APPROVED, Question.ANSWERED))
            )
            .order_by(Question.support_count.desc(), Question.id)
        )
    )
    if asked:
        lines += ["", "## " + _("Questions"), ""]
        for question in asked:
            status = _("answered") if question.state == Question.ANSWERED else _("not answered")
            supports = ngettext("%(num)d support", "%(num)d supports", question.support_count)
            lines.append(f"- {md(question.body)} ({supports}; {status})")
    return "\n".join(lines) + "\n"


def _editable(user: User | None, session: LiveSession) -> None:
    facilitator(user, session)
    if session.state != LiveSession.ENDED:
        raise Conflict(_("The minutes are written once the session has ended."))


def save_minutes(user: User | None, session: LiveSession, text: str, publish: bool | None = None) -> None:
    """Store the minutes as edited; `publish` True puts them on the consultation, False takes them down."""
    _editable(user, session)
    text = text.strip()
    if not text or is_blank(text):
        raise Invalid(_("The minutes are empty."))
    if len(text) > MINUTES_MAX:
        raise Invalid(
            _("Minutes have at most %(n)d characters; these have %(count)d.", n=MINUTES_MAX, count=len(text))
        )
    with change(session.id, user, publish="quiet") as now:
        live = now.session
        if live.state != LiveSession.ENDED:
            raise Conflict(_("The minutes are written once the session has ended."))
        live.minutes, live.minutes_html = text, str(render_markdown(text))
        live.minutes_lang = str(get_locale() or "fr")
        if publish is True:
            live.minutes_published_at = utcnow()
            now.log("minutes-published")
        elif publish is False:
            if live.minutes_published_at is None:
                raise Conflict(_("The minutes are not published."))
            live.minutes_published_at = None
            now.log("minutes-withdrawn")
        else:
            now.log("minutes-edited")


def redraft_minutes(user: User | None, session: LiveSession) -> None:
    """Write the minutes again from the session (what was edited is replaced)."""
    _editable(user, session)
    with change(session.id, user, publish="quiet") as now:
        text = draft(now.session)
        now.session.minutes, now.session.minutes_html = text, str(render_markdown(text))
        now.session.minutes_lang = str(get_locale() or "fr")
        now.log("minutes-redrafted")
