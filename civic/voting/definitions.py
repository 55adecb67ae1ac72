"""Defining polls: create and edit a poll (question, options, method, dates, roll, secrecy)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from civic.accounts.models import Organisation, User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.proposals.models import Proposal
from civic.errors import Forbidden
from civic.extensions import db
from civic.text import render_markdown
from civic.voting import permissions
from civic.voting.counting.rules import PRESETS
from civic.voting.errors import PollClosed, PollInvalid, PollLocked
from civic.voting.kinds import FIXED_MAX, KINDS
from civic.voting.models import Poll, PollOption

MAX_OPTIONS = 30
OPTION_MAX = 200


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
                "Two options would have the same name, “%(name)s”: change the written option or "
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
    ensure_can_participate(user)
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
    ensure_can_participate(user)
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
