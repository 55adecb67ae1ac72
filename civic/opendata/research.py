"""The research export (administrators): who took part when, in which language, at which step — counts
under 5 suppressed, people under pseudonyms that change with every export, and a data dictionary.

Polls are counted per poll only: a ballot keeps no time and no person (docs/polls.md, "Secrecy").
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime

from flask import render_template
from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations import services as consultations
from civic.consultations.models import Consultation, Phase
from civic.deliberation.discussion.models import Comment, CommentVote
from civic.deliberation.drafting.amendments.models import Amendment, AmendmentSupport
from civic.deliberation.drafting.models import Document
from civic.deliberation.proposals.models import Proposal, Support
from civic.extensions import db
from civic.opendata.tables import closed_polls
from civic.spreadsheet import safe_rows

SMALLEST = 5  # counts from 1 to SMALLEST - 1 are printed as "<5": too few to publish safely
ACTIVITIES = ("proposal", "comment", "support", "helpful_vote", "amendment", "amendment_support")


def _actions(consultation: Consultation) -> Iterator[tuple[str, int, datetime]]:
    """(activity, person id, when) for every dated action in the consultation."""
    cid = consultation.id
    queries = {
        "proposal": select(Proposal.author_id, Proposal.created_at).where(Proposal.consultation_id == cid),
        "comment": select(Comment.author_id, Comment.created_at).where(Comment.consultation_id == cid),
        "support": select(Support.user_id, Support.created_at)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(Proposal.consultation_id == cid),
        "helpful_vote": select(CommentVote.user_id, CommentVote.created_at)
        .join(Comment, Comment.id == CommentVote.comment_id)
        .where(Comment.consultation_id == cid),
        "amendment": select(Amendment.author_id, Amendment.created_at)
        .join(Document, Document.id == Amendment.document_id)
        .where(Document.consultation_id == cid),
        "amendment_support": select(AmendmentSupport.user_id, AmendmentSupport.created_at)
        .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
        .join(Document, Document.id == Amendment.document_id)
        .where(Document.consultation_id == cid),
    }
    for activity, query in queries.items():
        for person, when in db.session.execute(query):
            if person is not None:
                yield activity, person, when


def suppressed(count: int) -> str:
    return f"<{SMALLEST}" if 0 < count < SMALLEST else str(count)


def _phase_of(phases: list[Phase], when: datetime) -> str:
    for phase in reversed(phases):
        if phase.starts_at <= when:
            return f"{phase.kind}#{phase.id}"
    return "before"


def build(consultation: Consultation) -> bytes:
    """The export as the bytes of a zip: three CSV tables and the data dictionary."""
    key = secrets.token_bytes(32)  # thrown away: pseudonyms cannot be linked across exports
    actions = list(_actions(consultation))
    people = {person for _a, person, _w in actions}
    language = (
        {u.id: u.locale for u in db.session.scalars(select(User).where(User.id.in_(people)))}
        if people
        else {}
    )
    phases = list(consultation.phases)

    by_day: Counter[tuple[str, str, str]] = Counter()
    by_day_people: defaultdict[tuple[str, str, str], set[int]] = defaultdict(set)
    by_phase: Counter[tuple[str, str, str]] = Counter()
    by_phase_people: defaultdict[tuple[str, str, str], set[int]] = defaultdict(set)
    per_person: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for activity, person, when in actions:
        lang = language.get(person, "")
        day = (when.date().isoformat(), lang, activity)
        phase = (_phase_of(phases, when), lang, activity)
        by_day[day] += 1
        by_day_people[day].add(person)
        by_phase[phase] += 1
        by_phase_people[phase].add(person)
        per_person[person][activity] += 1

    def pseudonym(person: int) -> str:
        return hmac.new(key, str(person).encode(), hashlib.sha256).hexdigest()[:16]

    def band(n: int) -> str:
        return "0" if n == 0 else "1-4" if n < 5 else "5-19" if n < 20 else "20+"

    daily = [["day", "language", "activity", "actions", "people"]] + [
        [*k, suppressed(by_day[k]), suppressed(len(by_day_people[k]))] for k in sorted(by_day)
    ]
    per_phase = [["phase", "language", "activity", "actions", "people"]] + [
        [*k, suppressed(by_phase[k]), suppressed(len(by_phase_people[k]))] for k in sorted(by_phase)
    ]
    per_phase += [
        [f"poll#{poll.id}", "", "voters", suppressed(poll.voter_count), suppressed(poll.voter_count)]
        for poll in closed_polls(consultation)
    ]
    persons = [["person", "language", *ACTIVITIES]] + sorted(
        [pseudonym(p), language.get(p, ""), *(band(per_person[p][a]) for a in ACTIVITIES)] for p in per_person
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("participation_by_day.csv", safe_rows(daily))
        archive.writestr("participation_by_phase.csv", safe_rows(per_phase))
        archive.writestr("participants.csv", safe_rows(persons))
        archive.writestr(
            "dictionary.md",
            render_template(
                "opendata/dictionary.md",
                consultation=consultation,
                activities=ACTIVITIES,
                smallest=SMALLEST,
                current=consultations.current_phase(consultation),
            ),
        )
    return buffer.getvalue()
