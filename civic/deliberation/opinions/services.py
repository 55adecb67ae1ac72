"""Opinion-map verbs: open a map, change its settings, add a statement, vote; the next statement to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.opinions import permissions, runner
from civic.deliberation.opinions.analysis.statistics import NEW_BOOST
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Participant, Statement
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

QUESTION_MAX = 300
STATEMENT_MAX = 280
SEEDS_MAX = 50
VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


class MapClosed(Conflict):
    """The map takes no votes nor statements now (closed, or its phase does not enable opinion maps)."""


@dataclass(frozen=True, slots=True)
class Progress:
    voted: int
    total: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.voted, 0)


def get_map(consultation: Consultation, map_id: int, user: User | None) -> OpinionMap:
    """Return a map of this consultation that this person may see; NotFound otherwise."""
    opinion_map = db.session.get(OpinionMap, map_id)
    if (
        opinion_map is None
        or opinion_map.consultation_id != consultation.id
        or not permissions.can_view_map(user, opinion_map)
    ):
        raise NotFound()
    return opinion_map


def get_statement(opinion_map: OpinionMap, statement_id: int) -> Statement:
    """Return a statement of this map (perhaps hidden: its place is shown); NotFound otherwise."""
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.map_id != opinion_map.id:
        raise NotFound()
    return statement


def maps_of(consultation: Consultation) -> list[OpinionMap]:
    return list(
        db.session.scalars(
            select(OpinionMap)
            .where(OpinionMap.consultation_id == consultation.id)
            .order_by(OpinionMap.id.desc())
        )
    )


def clean_statement(body: str, limit: int = STATEMENT_MAX) -> str:
    """Return a statement's text on one line; Invalid when empty, invisible or too long."""
    body = " ".join(body.split())
    if not body:
        raise Invalid(_("Write your statement first."))
    if is_blank(body):
        raise Invalid(_("Your statement shows nothing: it is made only of spaces or invisible characters."))
    if len(body) > limit:
        raise Invalid(
            _("A statement has at most %(n)d characters; this one has %(count)d.", n=limit, count=len(body))
        )
    return body


def clean_question(question_fr: str, question_en: str) -> tuple[str, str]:
    question_fr, question_en = " ".join(question_fr.split()), " ".join(question_en.split())
    if not (question_fr or question_en) or is_blank(question_fr + question_en):
        raise Invalid(_("Ask the question in at least one language."))
    if max(len(question_fr), len(question_en)) > QUESTION_MAX:
        raise Invalid(_("A question has at most %(n)d characters.", n=QUESTION_MAX))
    return question_fr, question_en


def _next_number(map_id: int) -> int:
    last = db.session.scalar(select(func.max(Statement.number)).where(Statement.map_id == map_id))
    return 0 if last is None else last + 1


def create_map(
    user: User | None,
    consultation: Consultation,
    question_fr: str,
    question_en: str,
    allow_statements: bool = True,
    seeds: list[str] | None = None,
) -> OpinionMap:
    """Open a map on a question, with the statements that start the conversation."""
    if not permissions.can_manage_maps(user, consultation):
        raise Forbidden(_("Only the consultation's moderators open opinion maps."))
    ensure_can_participate(user)
    question_fr, question_en = clean_question(question_fr, question_en)
    bodies = [clean_statement(seed) for seed in seeds or [] if seed.strip()]
    if len(bodies) > SEEDS_MAX:
        raise Invalid(_("At most %(n)d starting statements.", n=SEEDS_MAX))
    opinion_map = OpinionMap(
        consultation_id=consultation.id,
        question_fr=question_fr,
        question_en=question_en,
        allow_statements=allow_statements,
        created_by_id=user.id if user else None,
    )
    db.session.add(opinion_map)
    db.session.flush()
    for number, body in enumerate(bodies):
        db.session.add(_statement(opinion_map, number, body, user, None, seed=True))
    db.session.commit()
    return opinion_map


def _statement(
    opinion_map: OpinionMap,
    number: int,
    body: str,
    user: User | None,
    participant: Participant | None,
    seed: bool,
) -> Statement:
    return Statement(
        map_id=opinion_map.id,
        consultation_id=opinion_map.consultation_id,
        number=number,
        author_id=user.id if user else None,
        participant_id=participant.id if participant else None,
        body=body,
        body_html=str(render_markdown(body)),
        seed=seed,
    )


def change_settings(user: User | None, opinion_map: OpinionMap, status: str, allow_statements: bool) -> None:
    """Close or reopen a map, and say whether participants may add statements."""
    if not permissions.can_manage_maps(user, opinion_map.consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if status not in OpinionMap.STATUSES:
        raise Invalid(_("Choose whether the map is open or closed."))
    opinion_map.status, opinion_map.allow_statements = status, allow_statements
    db.session.commit()


def participant_of(opinion_map: OpinionMap, user: User | None) -> Participant | None:
    if user is None:
        return None
    return db.session.scalar(
        select(Participant).where(Participant.map_id == opinion_map.id, Participant.user_id == user.id)
    )


def _join(opinion_map: OpinionMap, user: User) -> Participant:
    """Return this person's participant row in the map, creating it (in the caller's transaction)."""
    found = participant_of(opinion_map, user)
    if found is not None:
        return found
    participant = Participant(map_id=opinion_map.id, user_id=user.id)
    db.session.add(participant)
    # Their other tab joining at the same instant fails this flush: the caller's retry then finds the row.
    db.session.flush()
    db.session.execute(
        update(OpinionMap)
        .where(OpinionMap.id == opinion_map.id)
        .values(participant_count=OpinionMap.participant_count + 1)
    )
    return participant


def _ensure_open(user: User | None, opinion_map: OpinionMap, now: datetime) -> User:
    if user is None:
        raise Forbidden(_("Please sign in to take part in the opinion map."))
    if not permissions.can_vote(user, opinion_map, now):
        raise MapClosed(_("This opinion map takes no votes nor statements at the moment."))
    ensure_can_participate(user)
    return user


def add_statement(
    user: User | None, opinion_map: OpinionMap, body: str, now: datetime | None = None
) -> Statement:
    """Add a statement (its author agrees with it, as in Pol.is); moderators can hide it afterwards."""
    now = now or utcnow()
    author = _ensure_open(user, opinion_map, now)
    if not permissions.can_add_statement(author, opinion_map, now):
        raise Forbidden(_("This opinion map takes statements from its moderators only."))
    body = clean_statement(body)
    seed = permissions.can_manage_maps(author, opinion_map.consultation)
    for _attempt in range(3):
        try:
            participant = _join(opinion_map, author)
            statement = _statement(opinion_map, _next_number(opinion_map.id), body, author, participant, seed)
            statement.created_at = now
            db.session.add(statement)
            db.session.flush()
            _record_vote(opinion_map, statement, participant, 1, False, now)
            db.session.commit()
        except IntegrityError:  # another statement took this number, or this person joined twice: again
            db.session.rollback()
            continue
        runner.schedule(opinion_map.id)
        return statement
    raise Conflict()


def _counter(value: int) -> str:
    return {1: "agree_count", -1: "disagree_count", 0: "pass_count"}[value]


def _record_vote(
    opinion_map: OpinionMap,
    statement: Statement,
    participant: Participant,
    value: int,
    important: bool,
    now: datetime,
) -> OpinionVote:
    """Insert or replace the vote and move the counters by SQL increments (the caller commits)."""
    existing = db.session.scalar(
        select(OpinionVote).where(
            OpinionVote.statement_id == statement.id, OpinionVote.participant_id == participant.id
        )
    )
    changes: dict[str, int] = {}
    if existing is None:
        existing = OpinionVote(
            map_id=opinion_map.id,
            statement_id=statement.id,
            participant_id=participant.id,
            value=value,
            important=important,
            created_at=now,
            updated_at=now,
        )
        db.session.add(existing)
        changes[_counter(value)] = 1
        changes["important_count"] = int(important)
        db.session.execute(
            update(OpinionMap)
            .where(OpinionMap.id == opinion_map.id)
            .values(vote_count=OpinionMap.vote_count + 1)
        )
    else:
        if existing.value != value:
            changes[_counter(existing.value)] = -1
            changes[_counter(value)] = 1
        changes["important_count"] = int(important) - int(existing.important)
        existing.value, existing.important, existing.updated_at = value, important, now
    moves = {name: getattr(Statement, name) + delta for name, delta in changes.items() if delta}
    if moves:
        db.session.execute(update(Statement).where(Statement.id == statement.id).values(**moves))
    db.session.execute(update(OpinionMap).where(OpinionMap.id == opinion_map.id).values(changed_at=now))
    return existing


def vote(
    user: User | None,
    opinion_map: OpinionMap,
    statement_id: int | None,
    value: int | None,
    important: bool = False,
    now: datetime | None = None,
) -> OpinionVote:
    """Record agree (1), disagree (-1) or pass (0) on a statement of this map; a second vote replaces the first."""
    now = now or utcnow()
    voter = _ensure_open(user, opinion_map, now)
    statement = db.session.get(Statement, statement_id) if statement_id is not None else None
    if statement is None or statement.map_id != opinion_map.id:
        raise Invalid(_("This statement is not part of this opinion map."))
    if statement.hidden:
        raise Conflict(_("This statement was hidden by the moderators: it takes no votes."))
    if value not in (1, -1, 0):
        raise Invalid(_("Choose agree, disagree or pass."))
    for _attempt in range(3):
        try:
            participant = _join(opinion_map, voter)
            recorded = _record_vote(opinion_map, statement, participant, value, important, now)
            db.session.commit()
        except IntegrityError:  # the same vote sent twice at the same instant: record it again as a change
            db.session.rollback()
            continue
        db.session.expire(statement)
        runner.schedule(opinion_map.id)
        return recorded
    raise Conflict(_("Your vote was already counted."))


def my_votes(opinion_map: OpinionMap, user: User | None) -> dict[int, OpinionVote]:
    participant = participant_of(opinion_map, user)
    if participant is None:
        return {}
    rows = db.session.scalars(select(OpinionVote).where(OpinionVote.participant_id == participant.id))
    return {row.statement_id: row for row in rows}


def _priority(agree: int, passes: int, total: int, extremity: float) -> float:
    """Pol.is's published priority, from the counts as they are now and the last analysis's extremity."""
    agreed = (agree + 1) / (total + 2)
    passed = (passes + 1) / (total + 2)
    importance = (1 - passed) * (extremity + 1) * agreed
    return float((importance * (1 + NEW_BOOST * 2 ** (-total / 5))) ** 2)


def next_statement(opinion_map: OpinionMap, user: User | None) -> tuple[Statement | None, Progress]:
    """Choose the next statement this person has not voted on, at random weighted by priority.

    New statements are boosted, and agreed and far-reaching ones come before those people pass on. The
    draw is seeded by the person and how many votes they gave, so reloading the page shows the same one.
    """
    rows = db.session.execute(
        select(Statement.id, Statement.agree_count, Statement.disagree_count, Statement.pass_count).where(
            Statement.map_id == opinion_map.id, Statement.hidden.is_(False)
        )
    ).all()
    voted = set(my_votes(opinion_map, user))
    progress = Progress(voted=sum(1 for row in rows if row.id in voted), total=len(rows))
    left = [row for row in rows if row.id not in voted]
    if not left:
        return None, progress
    extremity = _extremities(opinion_map)
    weights = [
        _priority(
            row.agree_count,
            row.pass_count,
            row.agree_count + row.disagree_count + row.pass_count,
            extremity.get(row.id, 0.0),
        )
        for row in sorted(left, key=lambda r: r.id)
    ]
    seed = hash((opinion_map.id, user.id if user else 0, progress.voted)) & 0xFFFFFFFF
    chosen = random.Random(seed).choices(sorted(left, key=lambda r: r.id), weights=weights)[0]  # noqa: S311 - an order, not a secret
    return db.session.get(Statement, chosen.id), progress


def _extremities(opinion_map: OpinionMap) -> dict[int, float]:
    analysis = opinion_map.analysis
    if analysis is None or not analysis.result:
        return {}
    return {int(s["id"]): float(s.get("extremity", 0.0)) for s in analysis.result.get("statements", [])}
