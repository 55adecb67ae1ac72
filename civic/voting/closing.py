"""Closing a poll: count it once, store the result, and erase the order in which people voted."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from civic import realtime
from civic.accounts.models import Membership, User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.database import erase_old_row_versions
from civic.errors import Forbidden
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import NAMESPACE, chain, permissions
from civic.voting.audit import tally
from civic.voting.ballots import counted_ballots
from civic.voting.chain import head_of
from civic.voting.counting.consent import ConsentElection
from civic.voting.counting.model import Election, ScoreElection
from civic.voting.errors import PollClosed
from civic.voting.kinds import rules_of
from civic.voting.models import Ballot, Participation, Poll


def counted(ballots: list[Ballot]) -> list[tally.CountedBallot]:
    return [tally.CountedBallot(b.choice, b.receipt) for b in ballots]


def election_of(poll: Poll, ballots: list[Ballot]) -> Election | ScoreElection | ConsentElection:
    """Build the counting library's election from ballots as stored."""
    return tally.election_of(rules_of(poll), counted(ballots))


def eligible_count(poll: Poll) -> int:
    if poll.eligibility == "organisations":
        listed = [o.id for o in poll.organisations]
        query = select(func.count(func.distinct(Membership.user_id))).where(
            Membership.organisation_id.in_(listed), Membership.status == Membership.REPRESENTATIVE
        )
        return db.session.scalar(query) or 0
    if poll.eligibility == "invited":
        return len(poll.invitees)
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def _rewrite_participations(poll_id: int) -> None:
    """Write the poll's participation rows again, in key order, in the closing transaction.

    Rows written as people voted keep traces of that order below the schema: on PostgreSQL their
    place in the table's heap (ctid) and the id of the transaction that wrote them (xmin), which the
    ballot of the same vote shares; on SQLite their place inside the b-tree pages. Deleting them and
    inserting them again in (poll, pseudonym) order, all in one transaction, leaves rows whose place
    and transaction id say nothing of when each one voted; erase_old_row_versions then drops the old
    versions the database still keeps. See docs/polls.md for what holds while the poll is open.
    """
    rows = db.session.execute(
        select(Participation.voter, Participation.form_nonce)
        .where(Participation.poll_id == poll_id)
        .order_by(Participation.voter)
    ).all()
    if not rows:
        return
    db.session.execute(
        delete(Participation).where(Participation.poll_id == poll_id),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        insert(Participation),
        [{"poll_id": poll_id, "voter": voter, "form_nonce": nonce} for voter, nonce in rows],
    )


def _count(poll: Poll) -> None:
    """Count a poll once: the first caller to set closed_at counts, any other finds it done."""
    now = utcnow()
    claimed = db.session.execute(
        update(Poll).where(Poll.id == poll.id, Poll.closed_at.is_(None)).values(closed_at=now),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        db.session.rollback()
        return
    db.session.expire(poll)
    ballots = counted_ballots(poll)
    result = tally.count(rules_of(poll), counted(ballots))
    # No verdict on the chain is stored: the audit page checks it again each time it is shown.
    document = {
        "poll": poll.id,
        "question": {"fr": poll.question_fr, "en": poll.question_en},
        "result": result.to_dict(),
        "chain": {"records": poll.chain_length, "head": head_of(poll)},
        "counted_ballots": len(ballots),
    }
    db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(
            result_json=json.dumps(document, ensure_ascii=False),
            eligible_count=eligible_count(poll),
            tag_salt=None,
        ),
        execution_options={"synchronize_session": False},
    )
    chain.add_checkpoint(poll.id, now, poll.chain_length, head_of(poll))
    _rewrite_participations(poll.id)
    db.session.commit()
    # After the commit, outside any transaction: drop the participations' old row versions and the
    # poll rows that still hold the tag salt.
    erase_old_row_versions(Participation.__tablename__, Poll.__tablename__)
    realtime.publish("poll.closed", {"poll": poll.id}, to=realtime.room("poll", poll.id), namespace=NAMESPACE)


def close_poll(user: User | None, consultation: Consultation, poll: Poll) -> None:
    """Close a poll before its time and count it (moderators and administrators)."""
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if poll.closed_at is not None:
        raise PollClosed(_("This poll is already closed."))
    _count(poll)


def count_if_due(poll: Poll) -> None:
    """Count a poll whose closing time has passed (called when its pages are shown)."""
    if poll.closed_at is None and utcnow() >= poll.closes_at:
        _count(poll)
