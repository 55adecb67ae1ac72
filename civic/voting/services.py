"""Poll verbs: create, edit, cast a ballot, close and count; plus the ballot reader and the chain check.

Casting appends to the poll's hash chain. Appends are serialised per poll by starting the transaction
with an UPDATE of the poll row: PostgreSQL then holds that row's lock, SQLite its write lock, until the
commit, so every append reads the head its predecessor wrote. The participation row and the ballot are
written in that same transaction; the participation's primary key (poll, person) is the backstop of
one ballot per person.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from civic import realtime
from civic.accounts.models import Membership, Organisation, User
from civic.consultations.models import Consultation
from civic.deliberation.proposals.models import Proposal
from civic.errors import CivicError, Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow
from civic.voting import permissions
from civic.voting.counting.consent import RESPONSES, ConsentBallot, ConsentElection, count_consent
from civic.voting.counting.formats.blt import blt_text
from civic.voting.counting.formats.cvr_csv import cvr_csv_text
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.preflib import data_type, preflib_text
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import Election, RankedBallot, ScoreBallot, ScoreElection
from civic.voting.counting.registry import METHODS
from civic.voting.counting.registry import count as count_election
from civic.voting.counting.rules import PRESETS, preset
from civic.voting.models import Ballot, Participation, Poll, PollOption

NAMESPACE = "/voting"
MAX_OPTIONS = 30
OPTION_MAX = 200
# The methods a poll can use, and the kind of ballot each one takes.
KINDS: dict[str, str] = {
    **{name: "ranked" for name, m in METHODS.items() if m.ballots == "ranked"},
    "approval": "approval",
    "score": "scores",
    "star": "scores",
    "majority-judgment": "scores",
    "consent": "consent",
}
# STAR and majority judgment use their usual fixed scales (0-5 stars, six grades).
FIXED_MAX = {"approval": 1, "star": 5, "majority-judgment": 5}


class PollClosed(Conflict):
    default_message = _l("This poll is closed: ballots are no longer accepted.")


class PollNotOpen(Conflict):
    default_message = _l("This poll is not open yet.")


class AlreadyVoted(Conflict):
    default_message = _l("You have already voted in this poll, and it does not allow changing a ballot.")


class FormReplayed(Conflict):
    default_message = _l("This ballot form was already sent. Reload the poll page to vote again.")


class PollLocked(Conflict):
    default_message = _l("This poll already has ballots: its method and options can no longer change.")


class NotEligible(Forbidden):
    default_message = _l("You are not on the list of people who can vote in this poll.")


class BallotInvalid(Invalid):
    """A ballot that cannot be read: messages per field (option) and for the whole ballot."""

    def __init__(self, fields: dict[str, str], general: list[str]) -> None:
        super().__init__(general[0] if general else next(iter(fields.values()), None))
        self.fields = fields
        self.general = general


class PollInvalid(Invalid):
    """A poll definition with mistakes: messages per form field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a voter is shown once after casting: the receipt code and their chain record."""

    code: str
    record_hash: str
    position: int


@dataclass(slots=True)
class PollData:
    """A poll definition as a moderator writes it.

    Options: written ones, one per line in each language, then the chosen proposals of the consultation
    (`proposal_ids`, in that order), each an option named after the proposal's title.
    """

    question_fr: str = ""
    question_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    options_fr: str = ""
    options_en: str = ""
    proposal_ids: list[int] = field(default_factory=list)
    method: str = "schulze"
    seats: int = 1
    rules_preset: str = "default"
    max_score: int = 5
    block_threshold: int = 1
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    eligibility: str = "registered"
    organisation_ids: list[int] = field(default_factory=list)
    invited_emails: str = ""
    secrecy: str = "secret"
    allow_changes: bool = False


def kind_of(poll: Poll) -> str:
    """Return the ballot kind of a poll: ranked, approval, scores or consent."""
    return KINDS[poll.method]


def scale_of(poll: Poll) -> int:
    return FIXED_MAX.get(poll.method, poll.max_score)


# --- secrets, receipts and the chain -------------------------------------------------------------


def _key(purpose: str) -> bytes:
    """Derive a key for one purpose from the server secret (never stored in the database)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"civic.voting.{purpose}".encode(), hashlib.sha256).digest()


def receipt_code(poll_id: int, ballot_id: str, choice: str) -> str:
    """Return the ballot's tracker: an HMAC of the ballot under the server's receipt key, 16 characters."""
    digest = hmac.new(_key("receipt"), f"{poll_id}:{ballot_id}:{choice}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def voter_tag(poll_id: int, user_id: int) -> str:
    return hmac.new(_key("voter-tag"), f"{poll_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def genesis_hash(poll_id: int) -> str:
    """The 'previous hash' of a poll's first record: ties the chain to its poll."""
    return hashlib.sha256(f"civic poll {poll_id}".encode()).hexdigest()


def record_hash(previous: str, ballot_id: str, choice: str, receipt: str) -> str:
    return hashlib.sha256(f"{previous}|{ballot_id}|{choice}|{receipt}".encode()).hexdigest()


def head_of(poll: Poll) -> str:
    return poll.head_hash or genesis_hash(poll.id)


def verify_chain(poll: Poll) -> bool:
    """Recompute the whole chain from the stored ballots and compare it with the poll's head."""
    ballots = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.position))
    previous = genesis_hash(poll.id)
    length = 0
    for ballot in ballots:
        length += 1
        if ballot.position != length or ballot.previous_hash != previous:
            return False
        expected = record_hash(previous, ballot.id, ballot.choice, ballot.receipt)
        if ballot.record_hash != expected:
            return False
        previous = expected
    return length == poll.chain_length and previous == head_of(poll)


# --- reading polls -------------------------------------------------------------------------------


def get_poll(consultation: Consultation, poll_id: int, user: User | None) -> Poll:
    """Return the consultation's poll if this user may see the consultation; NotFound otherwise."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.consultation_id != consultation.id:
        raise NotFound()
    if not permissions.can_view_poll(user, consultation):
        raise NotFound()
    return poll


def has_voted(poll: Poll, user: User | None) -> bool:
    if user is None:
        return False
    found = db.session.scalar(
        select(Participation.poll_id).where(
            Participation.poll_id == poll.id, Participation.user_id == user.id
        )
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


def result_of(poll: Poll) -> dict[str, Any] | None:
    """Return the stored result document (result, chain check, counts) once the poll is counted."""
    return json.loads(poll.result_json) if poll.result_json else None


# --- ballots ------------------------------------------------------------------------------------


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
    """Record a ballot: participation and chain record in one transaction; the last one counts."""
    now = utcnow()
    if user is None:
        raise Forbidden(_("Please sign in to vote."))
    state = permissions.poll_state(poll, now)
    if state == "scheduled":
        raise PollNotOpen()
    if state == "closed":
        raise PollClosed()
    if not permissions.can_cast(user, poll, consultation, now):
        raise NotEligible()
    # Re-read what a caller could have built by hand with the same reader as the form's.
    content = json.dumps(read_ballot(poll, _as_form(poll, choice)), separators=(",", ":"))
    nonce_hash = hashlib.sha256(nonce.encode()).hexdigest() if nonce else ""
    ballot_id = secrets.token_hex(16)
    poll_id, user_id = poll.id, user.id
    try:
        # The first statement writes: it takes the poll's lock (PostgreSQL row, SQLite database) at once.
        db.session.execute(
            update(Poll).where(Poll.id == poll_id).values(chain_length=Poll.chain_length + 1),
            execution_options={"synchronize_session": False},
        )
        length, head, closed_at, closes_at = db.session.execute(
            select(Poll.chain_length, Poll.head_hash, Poll.closed_at, Poll.closes_at).where(
                Poll.id == poll_id
            )
        ).one()
        if closed_at is not None or now >= closes_at:
            raise PollClosed()
        previous_nonce = db.session.execute(
            select(Participation.form_nonce).where(
                Participation.poll_id == poll_id, Participation.user_id == user_id
            )
        ).scalar_one_or_none()
        if previous_nonce is not None:
            if not poll.allow_changes:
                raise AlreadyVoted()
            if nonce_hash and previous_nonce == nonce_hash:
                raise FormReplayed()
            db.session.execute(
                update(Participation)
                .where(Participation.poll_id == poll_id, Participation.user_id == user_id)
                .values(form_nonce=nonce_hash),
                execution_options={"synchronize_session": False},
            )
        else:
            db.session.add(Participation(poll_id=poll_id, user_id=user_id, form_nonce=nonce_hash))
        receipt = receipt_code(poll_id, ballot_id, content)
        previous = head or genesis_hash(poll_id)
        new_head = record_hash(previous, ballot_id, content, receipt)
        db.session.add(
            Ballot(
                id=ballot_id,
                poll_id=poll_id,
                position=length,
                choice=content,
                receipt=receipt,
                previous_hash=previous,
                record_hash=new_head,
                voter_tag=voter_tag(poll_id, user_id) if poll.allow_changes else None,
                voter_id=user_id if poll.secrecy == "public" else None,
            )
        )
        db.session.execute(
            update(Poll)
            .where(Poll.id == poll_id)
            .values(
                head_hash=new_head,
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
        {"poll": poll_id, "voters": voters, "head": new_head, "records": length},
        to=realtime.room("poll", poll_id),
        namespace=NAMESPACE,
    )
    return Receipt(code=receipt, record_hash=new_head, position=length)


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


# --- defining polls ------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


# An option as defined: its French and English labels, and the proposal it stands for (if any).
OptionSpec = tuple[str, str, int | None]


def _proposals(consultation: Consultation, poll: Poll | None, ids: list[int]) -> tuple[list[Proposal], str]:
    """Load the chosen proposals in the order given; return them and the first problem found, or "".

    A proposal already standing for an option of this poll stays acceptable even if it was hidden
    since: the moderator may keep it (its option is frozen once there are ballots) or untick it.
    """
    if len(set(ids)) < len(ids):
        return [], _("Each proposal can be chosen only once.")
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))} if ids else {}
    linked = {o.proposal_id for o in poll.options} if poll is not None else set()
    chosen = []
    for proposal_id in ids:
        proposal = found.get(proposal_id)
        if proposal is None or proposal.consultation_id != consultation.id:
            return [], _("There is no proposal no. %(id)d in this consultation.", id=proposal_id)
        if proposal_id not in linked:
            if proposal.state not in Proposal.PUBLIC_STATES:
                return [], _(
                    "Proposal no. %(id)d is not published: only published proposals can be options.",
                    id=proposal_id,
                )
            if proposal.hidden:
                return [], _(
                    "Proposal no. %(id)d is hidden by the moderators: it cannot be an option.",
                    id=proposal_id,
                )
        chosen.append(proposal)
    return chosen, ""


def _check_definition(
    consultation: Consultation, poll: Poll | None, data: PollData
) -> tuple[list[OptionSpec], list[Organisation], list[User]]:
    errors: dict[str, str] = {}
    if not (data.question_fr.strip() or data.question_en.strip()):
        errors["question_fr"] = _("Write the question in at least one language.")
    fr, en = _lines(data.options_fr), _lines(data.options_en)
    if fr and en and len(fr) != len(en):
        errors["options_en"] = _(
            "Give as many options in English (%(en)d) as in French (%(fr)d), in the same order.",
            en=len(en),
            fr=len(fr),
        )
    written = list(zip(fr or [""] * len(en), en or [""] * len(fr), strict=False))
    proposals, problem = _proposals(consultation, poll, data.proposal_ids)
    if problem:
        errors["proposal_ids"] = problem
    # The proposal's title, as it is now, names the option in both languages (it has one title).
    specs: list[OptionSpec] = [(f, e, None) for f, e in written]
    specs += [(p.title.strip(), p.title.strip(), p.id) for p in proposals]
    names = [f or e for f, e, _id in specs]
    where = "proposal_ids" if proposals else "options_fr"
    if len(names) < 2 and not problem:
        errors["options_fr"] = _("Give at least two options: one per line, or proposals chosen below.")
    elif len(names) > MAX_OPTIONS:
        errors[where] = _("Give at most %(n)d options.", n=MAX_OPTIONS)
    elif any(len(f) > OPTION_MAX or len(e) > OPTION_MAX for f, e in written):
        errors["options_fr"] = _("An option is at most %(n)d characters long.", n=OPTION_MAX)
    elif len(set(names)) < len(names):
        twice = next(name for name in names if names.count(name) > 1)
        if any(proposal_id is not None and (f or e) == twice for f, e, proposal_id in specs):
            errors["proposal_ids"] = _(
                "Two options would have the same name, « %(name)s »: change the written option or "
                "choose only one proposal with this title.",
                name=twice,
            )
        else:
            errors["options_fr"] = _("Each option must be different from the others.")
    if data.method not in KINDS:
        errors["method"] = _("Choose a counting method from the list.")
    elif data.method == "stv" and names and not 1 <= data.seats < len(names):
        errors["seats"] = _(
            "Choose between 1 and %(n)d seats: fewer than the options.", n=max(len(names) - 1, 1)
        )
    if data.rules_preset not in PRESETS:
        errors["rules_preset"] = _("Choose a set of counting rules from the list.")
    if data.method == "score" and not 1 <= data.max_score <= 10:
        errors["max_score"] = _("The highest score is between 1 and 10.")
    if data.method == "consent" and not 1 <= data.block_threshold <= 1000:
        errors["block_threshold"] = _("At least one block must be needed to stop a proposal.")
    if data.opens_at is None or data.closes_at is None:
        errors["closes_at"] = _("Give the opening and closing times.")
    elif data.closes_at <= data.opens_at:
        errors["closes_at"] = _("The poll must close after it opens.")
    if data.eligibility not in Poll.ELIGIBILITIES:
        errors["eligibility"] = _("Choose who can vote.")
    if data.secrecy not in Poll.SECRECIES:
        errors["secrecy"] = _("Choose secret or public ballots.")
    organisations: list[Organisation] = []
    invitees: list[User] = []
    if data.eligibility == "organisations":
        if data.organisation_ids:
            organisations = list(
                db.session.scalars(select(Organisation).where(Organisation.id.in_(data.organisation_ids)))
            )
        if not organisations:
            errors["organisation_ids"] = _("Choose at least one organisation whose members can vote.")
    if data.eligibility == "invited":
        emails = sorted({e.lower() for e in _lines(data.invited_emails.replace(",", "\n"))})
        if emails:
            invitees = list(db.session.scalars(select(User).where(func.lower(User.email).in_(emails))))
        unknown = sorted(set(emails) - {u.email.lower() for u in invitees})
        if unknown:
            errors["invited_emails"] = _("No account uses: %(emails)s.", emails=", ".join(unknown[:10]))
        elif not invitees:
            errors["invited_emails"] = _("Give the e-mail address of at least one person invited to vote.")
    if errors:
        raise PollInvalid(errors)
    return specs, organisations, invitees


def _apply(poll: Poll, data: PollData, organisations: list[Organisation], invitees: list[User]) -> None:
    poll.question_fr, poll.question_en = data.question_fr.strip(), data.question_en.strip()
    poll.description_fr, poll.description_en = data.description_fr, data.description_en
    poll.description_html_fr = str(render_markdown(data.description_fr))
    poll.description_html_en = str(render_markdown(data.description_en))
    if data.opens_at is not None and data.closes_at is not None:  # always, after _check_definition
        poll.opens_at, poll.closes_at = data.opens_at, data.closes_at
    poll.eligibility, poll.secrecy, poll.allow_changes = data.eligibility, data.secrecy, data.allow_changes
    poll.organisations = organisations
    poll.invitees = invitees


def _set_method(poll: Poll, data: PollData, specs: list[OptionSpec]) -> None:
    poll.method = data.method
    poll.seats = data.seats if data.method == "stv" else 1
    poll.rules_preset = data.rules_preset
    poll.max_score = FIXED_MAX.get(data.method, data.max_score)
    poll.block_threshold = data.block_threshold
    if poll.options:
        # The old options go first: the new ones take the same (poll, position) places.
        poll.options = []
        db.session.flush()
    poll.options = [
        PollOption(position=i, label_fr=f, label_en=e, proposal_id=proposal_id)
        for i, (f, e, proposal_id) in enumerate(specs)
    ]


def create_poll(user: User | None, consultation: Consultation, data: PollData) -> Poll:
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    specs, organisations, invitees = _check_definition(consultation, None, data)
    poll = Poll(consultation_id=consultation.id, seed=secrets.randbelow(2**31))
    _apply(poll, data, organisations, invitees)
    _set_method(poll, data, specs)
    db.session.add(poll)
    db.session.commit()
    return poll


def definition_of(poll: Poll) -> PollData:
    """Return a poll's definition as the form edits it (written options apart from proposals).

    A language's lines are left empty unless every written option has a label in it: an option whose
    proposal was deleted keeps the title in both labels, among options written in one language only.
    """
    written = [o for o in poll.options if o.proposal_id is None]
    fr, en = [o.label_fr for o in written], [o.label_en for o in written]
    return PollData(
        question_fr=poll.question_fr,
        question_en=poll.question_en,
        description_fr=poll.description_fr,
        description_en=poll.description_en,
        options_fr="\n".join(fr) if all(fr) else "",
        options_en="\n".join(en) if all(en) else "",
        proposal_ids=[o.proposal_id for o in poll.options if o.proposal_id is not None],
        method=poll.method,
        seats=poll.seats,
        rules_preset=poll.rules_preset,
        max_score=poll.max_score,
        block_threshold=poll.block_threshold,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        eligibility=poll.eligibility,
        organisation_ids=[o.id for o in poll.organisations],
        invited_emails="\n".join(u.email for u in poll.invitees),
        secrecy=poll.secrecy,
        allow_changes=poll.allow_changes,
    )


def update_poll(user: User | None, consultation: Consultation, poll: Poll, data: PollData) -> None:
    """Edit a poll; once it has ballots, only its texts, dates and roll may change.

    Options are rebuilt only when they change: the same written lines and the same set of proposals
    keep the options as they are (positions, and labels copied when the proposals were chosen).
    """
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    if poll.closed_at is not None:
        raise PollClosed(_("This poll is closed and counted: it can no longer change."))
    specs, organisations, invitees = _check_definition(consultation, poll, data)
    current = definition_of(poll)
    counting = ("method", "seats", "rules_preset", "max_score", "block_threshold", "options_fr", "options_en")
    changed = set(current.proposal_ids) != set(data.proposal_ids) or any(
        _lines(str(getattr(current, f))) != _lines(str(getattr(data, f)))
        if f.startswith("options")
        else getattr(current, f) != getattr(data, f)
        for f in counting
    )
    if poll.chain_length and (
        changed or data.secrecy != poll.secrecy or data.allow_changes != poll.allow_changes
    ):
        raise PollLocked()
    _apply(poll, data, organisations, invitees)
    if changed:
        _set_method(poll, data, specs)
    db.session.commit()


# --- closing and counting -----------------------------------------------------------------------


def election_of(poll: Poll, ballots: list[Ballot]) -> Election | ScoreElection | ConsentElection:
    """Build the counting library's election from ballots as stored."""
    names = [o.name for o in poll.options]
    title = poll.question_fr or poll.question_en
    kind = kind_of(poll)
    if kind == "ranked":
        ranked = [RankedBallot(tuple((i,) for i in json.loads(b.choice)), id=b.receipt) for b in ballots]
        return Election(names, ranked, seats=poll.seats, title=title)
    if kind == "consent":
        return ConsentElection(
            names, [ConsentBallot(tuple(json.loads(b.choice))) for b in ballots], title=title
        )
    scored = [ScoreBallot(tuple(json.loads(b.choice))) for b in ballots]
    return ScoreElection(names, scored, min_score=0, max_score=scale_of(poll), title=title)


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
    inserting them again in (poll, person) order, all in one transaction, leaves rows whose place and
    transaction id say nothing of when each person voted. Until then (while the poll is open) someone
    with access to the database files could still pair them; see docs/polls.md.
    """
    rows = db.session.execute(
        select(Participation.user_id, Participation.form_nonce)
        .where(Participation.poll_id == poll_id)
        .order_by(Participation.user_id)
    ).all()
    if not rows:
        return
    db.session.execute(
        delete(Participation).where(Participation.poll_id == poll_id),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        insert(Participation),
        [{"poll_id": poll_id, "user_id": user_id, "form_nonce": nonce} for user_id, nonce in rows],
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
    election = election_of(poll, ballots)
    rules = preset(poll.rules_preset).with_seed(poll.seed)
    if isinstance(election, ConsentElection):
        result = count_consent(election, rules, block_threshold=poll.block_threshold)
    else:
        result = count_election(poll.method, election, rules, seats=poll.seats)
    document = {
        "poll": poll.id,
        "question": {"fr": poll.question_fr, "en": poll.question_en},
        "result": result.to_dict(),
        "chain": {"records": poll.chain_length, "head": head_of(poll), "valid": verify_chain(poll)},
        "counted_ballots": len(ballots),
    }
    db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(result_json=json.dumps(document, ensure_ascii=False), eligible_count=eligible_count(poll)),
        execution_options={"synchronize_session": False},
    )
    _rewrite_participations(poll.id)
    db.session.commit()
    realtime.publish("poll.closed", {"poll": poll.id}, to=realtime.room("poll", poll.id), namespace=NAMESPACE)


def close_poll(user: User | None, consultation: Consultation, poll: Poll) -> None:
    """Close a poll before its time and count it (moderators and administrators)."""
    if not permissions.can_manage_polls(user, consultation):
        raise Forbidden()
    if poll.closed_at is not None:
        raise PollClosed(_("This poll is already closed."))
    _count(poll)


def count_if_due(poll: Poll) -> None:
    """Count a poll whose closing time has passed (called when its pages are shown)."""
    if poll.closed_at is None and utcnow() >= poll.closes_at:
        _count(poll)


# --- published files ------------------------------------------------------------------------------


def ballot_file(poll: Poll, fmt: str) -> tuple[str, str, str]:
    """Return (text, mimetype, file name) of the counted ballots in a format: blt, preflib, csv, json."""
    document = result_of(poll)
    if document is None:
        raise Conflict(_("Ballots are published when the poll closes."))
    stem = f"poll-{poll.id}"
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2), "application/json", f"{stem}-result.json"
    election = election_of(poll, counted_ballots(poll))
    try:
        if fmt == "csv":
            if isinstance(election, Election):
                return cvr_csv_text(election), "text/csv", f"{stem}.csv"
            if isinstance(election, ScoreElection):
                return scores_csv_text(election), "text/csv", f"{stem}.csv"
            return _consent_csv(election), "text/csv", f"{stem}.csv"
        if isinstance(election, Election) and fmt == "blt":
            return blt_text(election), "text/plain", f"{stem}.blt"
        if isinstance(election, Election) and fmt == "preflib":
            kind = data_type(election) if election.ballots else "soi"
            return preflib_text(election, kind, f"{stem}.{kind}"), "text/plain", f"{stem}.{kind}"
    except FormatError as error:
        raise Conflict(_("These ballots cannot be written in this format: %(why)s", why=str(error))) from None
    raise NotFound()


def _consent_csv(election: ConsentElection) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(election.proposals)
    for ballot in election.ballots:
        writer.writerow([r or "" for r in ballot.responses])
    return out.getvalue()


def formats_of(poll: Poll) -> list[str]:
    return ["blt", "preflib", "csv", "json"] if kind_of(poll) == "ranked" else ["csv", "json"]


def polls_of(consultation: Consultation) -> list[Poll]:
    """Return a consultation's polls, counting those whose time is up first."""
    polls = list(
        db.session.scalars(
            select(Poll)
            .where(Poll.consultation_id == consultation.id)
            .order_by(Poll.opens_at.desc(), Poll.id)
        )
    )
    for poll in polls:
        count_if_due(poll)
    return polls


def check_room(poll_id: Any, user: User | None) -> int:
    """Return the poll id a socket may follow (its consultation visible to this user), or raise NotFound."""
    if not isinstance(poll_id, int) or isinstance(poll_id, bool):
        raise NotFound()
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise NotFound()
    consultation = db.session.get(Consultation, poll.consultation_id)
    if consultation is None or not permissions.can_view_poll(user, consultation):
        raise NotFound()
    return poll.id
