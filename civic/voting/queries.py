"""Read models for the results and audit pages, from the stored result document and ballots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from civic.consultations.models import Consultation
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.i18n import localized
from civic.voting import ballots, kinds
from civic.voting.charts import number
from civic.voting.models import Ballot, Poll
from civic.voting.wording import amount

MJ_GRADES = [
    _l("To reject"),
    _l("Poor"),
    _l("Fair"),
    _l("Good"),
    _l("Very good"),
    _l("Excellent"),
]
CONSENT_RESPONSES = [
    ("agree", _l("I agree")),
    ("abstain", _l("I abstain")),
    ("disagree", _l("I disagree")),
    ("block", _l("I block")),
]
# The poll form lists at most this many proposals (the most supported): a check box each.
PROPOSAL_CHOICES = 200
CONDORCET = ("schulze", "ranked-pairs", "copeland", "minimax")
SEQUENTIAL = ("irv", "stv", "plurality", "borda")


@dataclass(frozen=True, slots=True)
class ProposalChoices:
    """The proposals a poll form offers as options: (id, title), and whether the list was cut."""

    choices: list[tuple[int, str]]
    truncated: bool


def proposal_choices(consultation: Consultation, poll: Poll | None = None) -> ProposalChoices:
    """The consultation's published, visible proposals (most supported first), and those the poll has."""
    linked = [o.proposal_id for o in poll.options if o.proposal_id is not None] if poll else []
    offered = Proposal.state.in_(Proposal.PUBLIC_STATES) & Proposal.hidden.is_(False)
    query = select(Proposal.id, Proposal.title).where(Proposal.consultation_id == consultation.id)
    if linked:  # the poll's own proposals come first, even if hidden since
        query = query.where(or_(offered, Proposal.id.in_(linked))).order_by(Proposal.id.in_(linked).desc())
    else:
        query = query.where(offered)
    query = query.order_by(Proposal.support_count.desc(), Proposal.id).limit(PROPOSAL_CHOICES + 1)
    rows = db.session.execute(query).all()
    return ProposalChoices(
        choices=[(row.id, row.title) for row in rows[:PROPOSAL_CHOICES]],
        truncated=len(rows) > PROPOSAL_CHOICES,
    )


@dataclass(frozen=True, slots=True)
class OptionView:
    """An option as the results and audit pages show it: label, name in the files, its proposal."""

    label: str
    name: str
    proposal_id: int | None


def option_views(poll: Poll) -> list[OptionView]:
    return [OptionView(localized(o, "label"), o.name, o.proposal_id) for o in poll.options]


@dataclass(slots=True)
class ResultsView:
    """What the results page shows: labels already in the reader's language."""

    family: str
    labels: list[str]
    winners: list[str]
    counts: dict[str, int | None]
    result: dict[str, Any]
    chain: dict[str, Any]
    # The proposal each winner stands for (None for a written option), in the order of `winners`.
    winner_proposals: list[int | None] = field(default_factory=list)
    options: list[OptionView] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    pairwise: list[list[int]] | None = None
    heat: list[list[str]] = field(default_factory=list)
    paths: list[list[int]] | None = None
    locked: list[list[Any]] = field(default_factory=list)
    skipped: list[list[Any]] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    grade_labels: list[str] = field(default_factory=list)
    distribution: list[list[int]] = field(default_factory=list)
    blanks: list[int] = field(default_factory=list)
    # For each option, what decided its place, in words ("12 approvals", "median: Good", "total score 41").
    score_texts: list[str] = field(default_factory=list)
    consent: list[dict[str, Any]] = field(default_factory=list)


def _heat(margin: int, biggest: int) -> str:
    """A class from heat-loss-3 to heat-win-3 for a margin (the number is always printed too)."""
    if margin == 0 or biggest == 0:
        return "heat-even"
    level = min(3, 1 + (3 * abs(margin) - 1) // biggest)
    return f"heat-{'win' if margin > 0 else 'loss'}-{level}"


def _score_texts(
    method: str, kind: str, names: list[str], view: ResultsView, tallies: dict[str, Any]
) -> list[str]:
    texts: list[str] = []
    for name in names:
        tally = tallies.get(name)
        if method == "majority-judgment" and tally in view.scale:
            texts.append(gettext("median grade: %(grade)s", grade=view.grade_labels[view.scale.index(tally)]))
        elif kind == "approval":
            count = int(number(tally))
            texts.append(ngettext("%(num)d approval", "%(num)d approvals", count))
        else:
            texts.append(gettext("total score %(total)s", total=amount(tally)))
    return texts


def results_view(poll: Poll, document: dict[str, Any]) -> ResultsView:
    result = document["result"]
    names: list[str] = result["candidates"]
    label_of = {o.name: localized(o, "label") for o in poll.options}
    proposal_of = {o.name: o.proposal_id for o in poll.options}
    labels = [label_of.get(n, n) for n in names]
    rounds = result["rounds"]
    exhausted = rounds[-1]["exhausted"] if rounds and poll.method in ("irv", "stv") else None
    counts: dict[str, int | None] = {
        "eligible": poll.eligible_count,
        "voters": poll.voter_count,
        "cast": result["ballots"]["cast"],
        "valid": result["ballots"]["valid"],
        "set_aside": result["ballots"]["set_aside"],
        "exhausted": exhausted if isinstance(exhausted, int) else None,
    }
    view = ResultsView(
        family="",
        labels=labels,
        winners=[label_of.get(n, n) for n in result["winners"]],
        counts=counts,
        result=result,
        chain=document["chain"],
        winner_proposals=[proposal_of.get(n) for n in result["winners"]],
        options=option_views(poll),
    )
    if isinstance(exhausted, str):  # an exact fraction: shown as the library wrote it
        view.counts["exhausted"] = None
        view.result = {**result, "exhausted_text": exhausted}
    kind = kinds.kind_of(poll)
    detail = result["detail"]
    if poll.method in CONDORCET:
        view.family = "condorcet"
        view.pairwise = result["pairwise"]
        matrix = result["pairwise"] or []
        margins = [[matrix[a][b] - matrix[b][a] for b in range(len(names))] for a in range(len(names))]
        biggest = max((abs(m) for row in margins for m in row), default=0)
        view.heat = [
            ["" if a == b else _heat(margins[a][b], biggest) for b in range(len(names))]
            for a in range(len(names))
        ]
        view.paths = detail.get("strongest_paths")
        view.locked = [[label_of.get(w, w), label_of.get(lo, lo), m] for w, lo, m in detail.get("locked", [])]
        view.skipped = [
            [label_of.get(w, w), label_of.get(lo, lo), m] for w, lo, m in detail.get("skipped", [])
        ]
    elif kind in ("scores", "approval"):
        view.family = "cardinal"
        view.scale = detail.get("scale", [])
        if poll.method == "majority-judgment":
            view.grade_labels = [str(g) for g in MJ_GRADES[: len(view.scale)]]
        elif kind == "approval":
            view.grade_labels = [str(_l("Not approved")), str(_l("Approved"))]
        else:
            view.grade_labels = [str(s) for s in view.scale]
        view.distribution = [detail["distribution"][n] for n in names]
        view.blanks = [detail["blanks"][n] for n in names]
        view.score_texts = _score_texts(
            poll.method, kind, names, view, rounds[0]["tallies"] if rounds else {}
        )
    elif kind == "consent":
        view.family = "consent"
        view.consent = [
            {"label": label_of.get(n, n), **detail["responses"][n], **detail["outcome"][n]} for n in names
        ]
    else:
        view.family = "sequential"
    view.rounds = [
        {
            **r,
            "rows": [
                (
                    label_of.get(n, n),
                    r["tallies"].get(n),
                    r["transfers"].get(n),
                    n in r["elected"],
                    n in r["eliminated"],
                )
                for n in names
                if n in r["tallies"]
            ],
        }
        for r in rounds
    ]
    return view


@dataclass(frozen=True, slots=True)
class AuditRow:
    receipt: str
    marks: list[tuple[str, str]]
    counted: bool
    voter: str | None


def audit_rows(poll: Poll) -> list[AuditRow]:
    """The counted ballots, by receipt code, in words: ranks, scores or answers per option."""
    counted = ballots.counted_ballots(poll)
    voters: dict[str, str] = {}
    if poll.secrecy == "public":
        named = db_ballots_with_voters(poll)
        voters = {b.id: b.voter.display_name for b in named if b.voter is not None}
    labels = [localized(o, "label") for o in poll.options]
    kind = kinds.kind_of(poll)
    return [
        AuditRow(ballot.receipt, marks_of(kind, labels, ballot.choice), True, voters.get(ballot.id))
        for ballot in counted
    ]


def marks_of(kind: str, labels: list[str], choice: str) -> list[tuple[str, str]]:
    """A stored choice in words: (rank, option) for ranked ballots, (option, score or answer) otherwise.

    A choice that does not fit the options (a forged record) is shown as it is stored, never an error.
    """
    answers = dict(CONSENT_RESPONSES)
    try:
        values = json.loads(choice)
        if kind == "ranked":
            return [(str(rank), labels[i]) for rank, i in enumerate(values, start=1)]
        if kind == "consent":
            return [(labels[i], str(answers[r])) for i, r in enumerate(values) if r]
        return [(labels[i], str(v)) for i, v in enumerate(values) if v is not None]
    except (ValueError, TypeError, IndexError, KeyError):
        return [("?", choice)]


def db_ballots_with_voters(poll: Poll) -> list[Ballot]:
    return list(
        db.session.scalars(
            select(Ballot).where(Ballot.poll_id == poll.id).options(selectinload(Ballot.voter))
        )
    )
