"""Ballots: reading a ballot form, casting it into the chain, who has voted and which ballots count.

Casting appends a signed record to the poll's hash chain. Appends are serialised per poll by starting the transaction
with an UPDATE of the poll row: PostgreSQL then holds that row's lock, SQLite its write lock, until the
commit, so every append reads the head its predecessor wrote. The participation row and the ballot are
written in that same transaction; the participation's primary key (poll, voter pseudonym) is the
backstop of one ballot per person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic import realtime
from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.errors import CivicError, Forbidden
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import NAMESPACE, chain, permissions
from civic.voting.audit.records import CURRENT, canonical_choice, genesis_hash
from civic.voting.counting.consent import RESPONSES
from civic.voting.errors import (
    AlreadyVoted,
    BallotInvalid,
    FormReplayed,
    NotEligible,
    PollClosed,
    PollNotOpen,
)
from civic.voting.kinds import kind_of, scale_of
from civic.voting.models import Ballot, Participation, Poll


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a voter is shown once after casting: the receipt code and their chain record."""

    code: str
    record_hash: str
    position: int


def has_voted(poll: Poll, user: User | None) -> bool:
    if user is None:
        return False
    voter = chain.participant(poll.id, user.id)
    found = db.session.scalar(
        select(Participation.poll_id).where(Participation.poll_id == poll.id, Participation.voter == voter)
    )
    return found is not None


def counted_ballots(poll: Poll) -> list[Ballot]:
    """Return the ballots that count (the last of each voter when changes are allowed), by receipt code.

    Sorting by receipt code publishes ballots in an order unrelated to when they were cast, in which
    each voter can find theirs; counts use the same list as the published files.
    """
    ballots = list(
        db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.position))
    )
    latest: dict[str, Ballot] = {}
    untagged: list[Ballot] = []
    for ballot in ballots:
        if ballot.voter_tag is None:
            untagged.append(ballot)
        else:
            latest[ballot.voter_tag] = ballot
    return sorted([*untagged, *latest.values()], key=lambda b: b.receipt)


def _int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 3:
        raise ValueError(value)
    return int(value)


def read_ballot(poll: Poll, form: Mapping[str, str]) -> list[Any]:
    """Read a ballot from form fields (rank-N, score-N, approve-N or response-N for option N).

    Return the canonical choice; raise BallotInvalid with a message per field, nothing stored.
    """
    kind = kind_of(poll)
    n = len(poll.options)
    prefix = {"ranked": "rank-", "scores": "score-", "approval": "approve-", "consent": "response-"}[kind]
    known = {f"{prefix}{i}" for i in range(n)}
    fields: dict[str, str] = {}
    general: list[str] = []
    if any(name.startswith(prefix) and name not in known for name in form):
        general.append(
            _("This ballot names an option that is not in the poll. Reload the page and try again.")
        )
    values = [form.get(f"{prefix}{i}", "") for i in range(n)]
    choice: list[Any] = []
    if kind == "ranked":
        ranks: dict[int, list[int]] = {}
        for i, value in enumerate(values):
            try:
                rank = _int(value)
            except ValueError:
                rank = 0
            if rank is not None and not 1 <= rank <= n:
                fields[f"rank-{i}"] = _(
                    "Choose a rank between 1 and %(n)d, or leave the option unranked.", n=n
                )
            elif rank is not None:
                ranks.setdefault(rank, []).append(i)
        for rank, chosen in sorted(ranks.items()):
            if len(chosen) > 1:
                names = ", ".join(poll.options[i].name for i in chosen)
                for i in chosen:
                    fields[f"rank-{i}"] = _(
                        "Rank %(rank)d is given to more than one option (%(names)s): give each option its own rank.",
                        rank=rank,
                        names=names,
                    )
        if not ranks and not fields:
            general.append(_("Rank at least one option: give your first choice rank 1."))
        elif ranks:
            missing = [r for r in range(1, max(ranks) + 1) if r not in ranks]
            if missing:
                general.append(
                    _(
                        "Rank %(rank)d is missing: number your choices 1, 2, 3… without gaps.",
                        rank=missing[0],
                    )
                )
        choice = [ranks[r][0] for r in sorted(ranks)]
    elif kind == "approval":
        for i, value in enumerate(values):
            if value not in ("", "1"):
                fields[f"approve-{i}"] = _("Tick the box to approve this option, or leave it empty.")
            choice.append(1 if value == "1" else 0)
    elif kind == "scores":
        high = scale_of(poll)
        for i, value in enumerate(values):
            try:
                score = _int(value)
            except ValueError:
                score = -1
            if score is not None and not 0 <= score <= high:
                fields[f"score-{i}"] = _("Choose a score from 0 to %(high)d, or leave it blank.", high=high)
            choice.append(score)
        if not fields and all(s is None for s in choice):
            general.append(_("Score at least one option."))
    else:
        for i, value in enumerate(values):
            if value and value not in RESPONSES:
                fields[f"response-{i}"] = _("Choose one of the answers offered.")
            choice.append(value or None)
        if not fields and all(r is None for r in choice):
            general.append(_("Answer at least one proposal."))
    if fields or general:
        raise BallotInvalid(fields, general)
    return choice


def cast_ballot(
    user: User | None, poll: Poll, consultation: Consultation, choice: list[Any], nonce: str = ""
) -> Receipt:
    """Record a ballot: participation and signed chain record in one transaction; the last one counts."""
    now = utcnow()
    if user is None:
        raise Forbidden(_("Please sign in to vote."))
    ensure_can_participate(user)
    state = permissions.poll_state(poll, now)
    if state == "scheduled":
        raise PollNotOpen()
    if state == "closed":
        raise PollClosed()
    if not permissions.can_cast(user, poll, consultation, now):
        raise NotEligible()
    # Re-read what a caller could have built by hand with the same reader as the form's.
    content = canonical_choice(read_ballot(poll, _as_form(poll, choice)))
    nonce_hash = hashlib.sha256(nonce.encode()).hexdigest() if nonce else ""
    poll_id, user_id = poll.id, user.id
    voter = chain.participant(poll_id, user_id)
    try:
        # The first statement writes: it takes the poll's lock (PostgreSQL row, SQLite database) at once.
        db.session.execute(
            update(Poll).where(Poll.id == poll_id).values(chain_length=Poll.chain_length + 1),
            execution_options={"synchronize_session": False},
        )
        length, head, closed_at, closes_at, salt, head_window = db.session.execute(
            select(
                Poll.chain_length,
                Poll.head_hash,
                Poll.closed_at,
                Poll.closes_at,
                Poll.tag_salt,
                Poll.head_window,
            ).where(Poll.id == poll_id)
        ).one()
        if closed_at is not None or now >= closes_at:
            raise PollClosed()
        mine = (Participation.poll_id == poll_id) & (Participation.voter == voter)
        previous_nonce = db.session.execute(select(Participation.form_nonce).where(mine)).scalar_one_or_none()
        if previous_nonce is not None:
            if not poll.allow_changes:
                raise AlreadyVoted()
            if nonce_hash and previous_nonce == nonce_hash:
                raise FormReplayed()
            db.session.execute(
                update(Participation).where(mine).values(form_nonce=nonce_hash),
                execution_options={"synchronize_session": False},
            )
        else:
            db.session.add(Participation(poll_id=poll_id, voter=voter, form_nonce=nonce_hash))
        previous = head or genesis_hash(poll_id)
        window = chain.checkpoint_before_cast(poll_id, length - 1, previous, head_window, now)
        tag = chain.voter_tag(poll_id, user_id, salt or "") if poll.allow_changes else None
        record = chain.new_record(poll_id, length, content, tag, previous)
        db.session.add(
            Ballot(
                id=record.ballot_id,
                poll_id=poll_id,
                position=length,
                choice=content,
                receipt=record.receipt,
                previous_hash=previous,
                record_hash=record.record_hash,
                signature=record.signature,
                record_format=CURRENT,
                voter_tag=tag,
                voter_id=user_id if poll.secrecy == "public" else None,
            )
        )
        db.session.execute(
            update(Poll)
            .where(Poll.id == poll_id)
            .values(
                head_hash=record.record_hash,
                head_signature=chain.sign_head(poll_id, length, record.record_hash),
                head_window=window,
                voter_count=Poll.voter_count + (0 if previous_nonce is not None else 1),
            ),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except CivicError:
        db.session.rollback()
        raise
    except IntegrityError:
        # Only reachable if the lock were bypassed: the primary key still keeps one ballot per person.
        db.session.rollback()
        raise AlreadyVoted() from None
    voters = db.session.scalar(select(Poll.voter_count).where(Poll.id == poll_id)) or 0
    realtime.publish(
        "poll.count",
        {"poll": poll_id, "voters": voters, "head": record.record_hash, "records": length},
        to=realtime.room("poll", poll_id),
        namespace=NAMESPACE,
    )
    return Receipt(code=record.receipt, record_hash=record.record_hash, position=length)


def _as_form(poll: Poll, choice: list[Any]) -> dict[str, str]:
    """Turn a canonical choice back into form fields (so hand-built choices pass the same checks)."""
    kind = kind_of(poll)
    n = len(poll.options)
    if not isinstance(choice, list) or (kind != "ranked" and len(choice) != n):
        raise BallotInvalid({}, [_("This ballot does not match the poll's options.")])
    if kind == "ranked":
        if any(not isinstance(i, int) or isinstance(i, bool) for i in choice) or len(set(choice)) < len(
            choice
        ):
            raise BallotInvalid({}, [_("This ballot does not match the poll's options.")])
        form = {f"rank-{i}": str(rank) for rank, i in enumerate(choice, start=1)}
        return form
    if kind == "approval":
        return {
            f"approve-{i}": "1" if value == 1 else "" if value == 0 else str(value)
            for i, value in enumerate(choice)
        }
    prefix = "score-" if kind == "scores" else "response-"
    return {f"{prefix}{i}": "" if value is None else str(value) for i, value in enumerate(choice)}
