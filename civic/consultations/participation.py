"""What a person can do now in a consultation: the one computation pages show and services agree with.

A read model (query layer). Each opening asks the same predicate the service asks before it writes
(`can_create_proposal`, `can_comment`, `role_for`, `can_cast`, `can_endorse_as_citizen`, `can_vote`,
`can_take_part`), so what the consultation page says is open is what accepts input. Two kinds of
components decide differently, and the pages say so truthfully:

- proposals, discussion, co-drafting and opinion maps are switched on by the current phase;
- a poll takes ballots between its own dates, a position takes endorsements during its own period and
  a live session takes part while it runs: the phase does not gate them, so neither does this list.

For someone signed out an opening is listed with `allowed=False, sign_in=True` when signing in as
anyone would be enough (every predicate above needs a signed-in person); the page then says
"Sign in to propose" where the action would be.

What "exists" means (the timeline lists only these): a component whose content participants write
(proposals, discussion) exists as soon as a phase enables it; one whose content moderators prepare
(documents, polls, positions, live sessions, opinion maps) exists once it has at least one of them.
"""

from __future__ import annotations

import html as entities
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.coalitions import permissions as coalition_permissions
from civic.coalitions.models import Position
from civic.components import REGISTRY
from civic.consultations.models import Consultation, Phase
from civic.consultations.services import current_phase, used_components
from civic.deliberation.discussion import permissions as discussion_permissions
from civic.deliberation.discussion.models import Thread
from civic.deliberation.drafting import permissions as drafting_permissions
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import permissions as live_permissions
from civic.deliberation.live.models import LiveSession
from civic.deliberation.opinions import permissions as opinion_permissions
from civic.deliberation.opinions.models import OpinionMap
from civic.deliberation.proposals import permissions as proposal_permissions
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.i18n import localized
from civic.timestamps import utcnow
from civic.voting import permissions as voting_permissions
from civic.voting.models import Poll

# Components whose content moderators prepare: they exist once one object does.
PREPARED = {
    "drafting": Document,
    "voting": Poll,
    "endorsements": Position,
    "live": LiveSession,
    "opinions": OpinionMap,
}


@dataclass(frozen=True, slots=True)
class Opening:
    """One thing that accepts input now: a verb (`action`), where to do it, and how much time is left.

    `subject` is the poll, position, map, session or document it concerns (None for a whole component);
    `count` is how many items there are to read (proposals, comments, documents) where that helps.
    """

    component: str
    action: str
    endpoint: str
    arguments: dict[str, Any] = field(default_factory=dict)
    allowed: bool = False
    sign_in: bool = False
    count: int | None = None
    closes_at: datetime | None = None
    subject: Any = None


@dataclass(slots=True)
class Contents:
    """What a consultation holds that may take input, loaded for many consultations in one query per kind."""

    proposals: int = 0  # published, shown and still open to supports
    thread: Thread | None = None  # the consultation's own discussion, once someone opened it
    documents: list[Document] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    maps: list[OpinionMap] = field(default_factory=list)
    sessions: list[LiveSession] = field(default_factory=list)  # running ones


def load_contents(ids: list[int]) -> dict[int, Contents]:
    """Load what these consultations hold: seven queries whatever their number (the home page lists many)."""
    contents = {cid: Contents() for cid in ids}
    if not ids:
        return contents
    counts = db.session.execute(
        select(Proposal.consultation_id, func.count(Proposal.id))
        .where(
            Proposal.consultation_id.in_(ids),
            Proposal.state.in_(Proposal.OPEN_STATES),
            Proposal.hidden.is_(False),
        )
        .group_by(Proposal.consultation_id)
    )
    for cid, count in counts:
        contents[cid].proposals = count
    threads = select(Thread).where(Thread.kind == "consultation", Thread.target_id.in_(ids))
    for thread in db.session.scalars(threads):
        contents[thread.target_id].thread = thread
    documents = select(Document).options(selectinload(Document.editors)).order_by(Document.id)
    for document in db.session.scalars(documents.where(Document.consultation_id.in_(ids))):
        contents[document.consultation_id].documents.append(document)
    for poll in db.session.scalars(
        select(Poll).where(Poll.consultation_id.in_(ids)).order_by(Poll.closes_at)
    ):
        contents[poll.consultation_id].polls.append(poll)
    positions = select(Position).where(Position.consultation_id.in_(ids)).order_by(Position.closes_at)
    for position in db.session.scalars(positions):
        contents[position.consultation_id].positions.append(position)
    maps = select(OpinionMap).where(OpinionMap.consultation_id.in_(ids)).order_by(OpinionMap.id)
    for opinion_map in db.session.scalars(maps):
        contents[opinion_map.consultation_id].maps.append(opinion_map)
    running = select(LiveSession).where(
        LiveSession.consultation_id.in_(ids), LiveSession.state == LiveSession.RUNNING
    )
    for session in db.session.scalars(running.order_by(LiveSession.id)):
        contents[session.consultation_id].sessions.append(session)
    return contents


def _phase_end(consultation: Consultation, now: datetime) -> datetime | None:
    phase = current_phase(consultation, now)
    return phase.ends_at if phase is not None else None


def _proposals(consultation: Consultation, held: Contents, user: User | None, now: datetime) -> list[Opening]:
    if not proposal_permissions.can_create_proposal(user or _anyone(), consultation, now):
        return []
    slug, ends = consultation.slug, _phase_end(consultation, now)
    openings = [
        Opening(
            "proposals",
            "propose",
            "proposals.new",
            {"slug": slug},
            user is not None,
            user is None,
            None,
            ends,
        )
    ]
    if held.proposals:
        openings.append(
            Opening(
                "proposals",
                "read_proposals",
                "proposals.index",
                {"slug": slug},
                True,
                False,
                held.proposals,
                ends,
            )
        )
    return openings


def _discussion(
    consultation: Consultation, held: Contents, user: User | None, now: datetime
) -> list[Opening]:
    thread = held.thread
    probe = thread or Thread(kind="consultation", target_id=consultation.id, locked=False)
    if not discussion_permissions.can_comment(user or _anyone(), consultation, probe, now):
        return []
    return [
        Opening(
            "discussion",
            "discuss",
            "discussion.consultation_thread",
            {"slug": consultation.slug},
            user is not None,
            user is None,
            thread.comment_count if thread is not None else 0,
            _phase_end(consultation, now),
        )
    ]


def _drafting(consultation: Consultation, held: Contents, user: User | None, now: datetime) -> list[Opening]:
    openings = []
    for document in held.documents:
        role = drafting_permissions.role_for(user or _anyone(), document, now)
        if role == drafting_permissions.VIEWER:
            continue
        openings.append(
            Opening(
                "drafting",
                "codraft" if role == drafting_permissions.EDITOR else "suggest",
                "drafting.show",
                {"slug": consultation.slug, "document_id": document.id},
                user is not None,
                user is None,
                None,
                _phase_end(consultation, now),
                document,
            )
        )
    return openings


def _voting(consultation: Consultation, held: Contents, user: User | None, now: datetime) -> list[Opening]:
    openings = []
    for poll in held.polls:
        # Open to ballots at all (someone eligible could cast one now); then whether this person can.
        if consultation.status != "open" or voting_permissions.poll_state(poll, now) != "open":
            continue
        if not voting_permissions.can_view_poll(user or _anyone(), consultation):
            continue
        openings.append(
            Opening(
                "voting",
                "vote",
                "voting.show",
                {"slug": consultation.slug, "poll_id": poll.id},
                voting_permissions.can_cast(user, poll, consultation, now),
                user is None,
                None,
                poll.closed_at or poll.closes_at,
                poll,
            )
        )
    return openings


def _endorsements(
    consultation: Consultation, held: Contents, user: User | None, now: datetime
) -> list[Opening]:
    return [
        Opening(
            "endorsements",
            "endorse",
            "coalitions.position",
            {"slug": consultation.slug, "position_id": position.id},
            user is not None,
            user is None,
            None,
            position.closes_at,
            position,
        )
        for position in held.positions
        if coalition_permissions.can_endorse_as_citizen(user or _anyone(), position, consultation, now)
    ]


def _opinions(consultation: Consultation, held: Contents, user: User | None, now: datetime) -> list[Opening]:
    return [
        Opening(
            "opinions",
            "give_opinion",
            "opinions.show",
            {"slug": consultation.slug, "map_id": opinion_map.id},
            user is not None,
            user is None,
            None,
            _phase_end(consultation, now),
            opinion_map,
        )
        for opinion_map in held.maps
        if opinion_permissions.can_vote(user or _anyone(), opinion_map, now)
    ]


def _live(consultation: Consultation, held: Contents, user: User | None, now: datetime) -> list[Opening]:
    return [
        Opening(
            "live",
            "join_live",
            "live.show",
            {"slug": consultation.slug, "session_id": session.id},
            user is not None,
            user is None,
            subject=session,
        )
        for session in held.sessions
        if live_permissions.can_take_part(user or _anyone(), session, consultation)
    ]


def _anyone() -> User:
    """A signed-in participant with no role: asks "would signing in be enough?" for someone signed out."""
    return User(id=0, display_name="", email="", is_admin=False)


_COMPUTATIONS = {
    "proposals": _proposals,
    "discussion": _discussion,
    "drafting": _drafting,
    "voting": _voting,
    "endorsements": _endorsements,
    "opinions": _opinions,
    "live": _live,
}


def open_actions(
    consultation: Consultation, user: User | None, now: datetime | None = None, held: Contents | None = None
) -> list[Opening]:
    """Return what accepts input now in this consultation, for this person, in registry order."""
    now = now or utcnow()
    held = held or load_contents([consultation.id])[consultation.id]
    openings: list[Opening] = []
    for name in REGISTRY:
        compute = _COMPUTATIONS.get(name)
        if compute is not None and REGISTRY[name].endpoint is not None:
            openings.extend(compute(consultation, held, user, now))
    return openings


def open_actions_of(
    consultations: list[Consultation], user: User | None, now: datetime | None = None
) -> dict[int, list[Opening]]:
    """Return open_actions for each consultation (by id), loading their contents once for all."""
    now = now or utcnow()
    held = load_contents([c.id for c in consultations if c.status == "open"])
    return {c.id: open_actions(c, user, now, held[c.id]) if c.id in held else [] for c in consultations}


def existing_components(consultation: Consultation) -> list[str]:
    """Return the components a phase enables that exist here (see the module's docstring), registry order."""
    names = []
    for name in used_components(consultation):
        model = PREPARED.get(name)
        if REGISTRY[name].endpoint is None:
            continue
        if model is not None:
            found = db.session.scalar(
                select(model.id).where(model.consultation_id == consultation.id).limit(1)  # type: ignore[attr-defined]
            )
            if found is None:
                continue
        names.append(name)
    return names


def step_of(consultation: Consultation, phase: Phase | None) -> int | None:
    """Return the phase's rank (1 for the first) among the consultation's phases."""
    for number, candidate in enumerate(consultation.phases, start=1):
        if phase is not None and candidate.id == phase.id:
            return number
    return None


def purpose(consultation: Consultation, limit: int = 200) -> str:
    """Return the description's first paragraph as plain text, cut at a word near `limit` characters."""
    rendered = localized(consultation, "description_html")  # sanitised on write (civic.text)
    first = rendered.split("</p>", 1)[0]
    text = " ".join(entities.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<br\s*/?>", " ", first))).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
