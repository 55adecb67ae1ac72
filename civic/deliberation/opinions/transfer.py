"""A map as open data in Pol.is's export format (a ZIP of its CSV files), and a Pol.is conversation imported.

The export names no one: participants are numbered by their row in this map, statements by their
number. An import is read and checked whole before anything is written, then written in one
transaction: a malformed or incomplete export writes nothing.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import insert, select

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.opinions import permissions, runner
from civic.deliberation.opinions.analysis import polis
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Participant, Statement
from civic.deliberation.opinions.services import clean_question, clean_statement
from civic.errors import Forbidden, Invalid
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow

# Imported statements may be longer than ours: Pol.is conversations set their own limits.
IMPORTED_STATEMENT_MAX = 2000
ATTRIBUTION = (
    "Opinion map exported from Civic in the Pol.is export format "
    "(comments.csv, votes.csv, participants-votes.csv, summary.csv).\n"
    "Participants are numbered; no names are included. Groups are Civic's last analysis.\n"
)


def export_zip(opinion_map: OpinionMap, question: str, url: str) -> bytes:
    """The map's statements, votes and groups as a ZIP of Pol.is CSV files."""
    statements = list(
        db.session.scalars(
            select(Statement).where(Statement.map_id == opinion_map.id).order_by(Statement.number)
        )
    )
    numbers = {s.id: s.number for s in statements}
    rows = db.session.execute(
        select(
            OpinionVote.updated_at, OpinionVote.participant_id, OpinionVote.statement_id, OpinionVote.value
        ).where(OpinionVote.map_id == opinion_map.id)
    ).all()
    comments = [
        polis.Comment(
            id=s.number,
            body="" if s.hidden else s.body,
            author=s.participant_id,
            moderated=polis.MODERATED_OUT if s.hidden else polis.ACCEPTED,
            timestamp=int(s.created_at.timestamp() * 1000),
        )
        for s in statements
    ]
    votes = [(p, numbers[s], v) for _t, p, s, v in rows]
    timed = [(int(t.timestamp() * 1000), p, numbers[s], v) for t, p, s, v in rows]
    analysis = opinion_map.analysis
    result = analysis.result if analysis is not None and analysis.result else {}
    groups = {int(p): g for p, g in result.get("participants", {}).items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(polis.COMMENTS, polis.write_comments(comments, votes))
        archive.writestr(polis.VOTES_FILE, polis.write_votes(timed))
        archive.writestr(polis.PARTICIPANTS, polis.write_participants(comments, votes, groups))
        archive.writestr(
            polis.SUMMARY,
            polis.write_summary(
                question, opinion_map.participant_count, len(statements), len(result.get("groups", [])), url
            ),
        )
        archive.writestr("README.txt", ATTRIBUTION)
    return buffer.getvalue()


def _text(upload: IO[bytes] | None, name: str) -> io.StringIO | None:
    if upload is None:
        return None
    try:
        return io.StringIO(upload.read().decode("utf-8-sig"), newline="")
    except UnicodeDecodeError:
        raise Invalid(_("%(name)s is not UTF-8 text.", name=name)) from None


def import_export(
    user: User | None,
    consultation: Consultation,
    question_fr: str,
    question_en: str,
    comments: IO[bytes] | None,
    votes: IO[bytes] | None,
    participants: IO[bytes] | None,
) -> OpinionMap:
    """Open a map from a Pol.is export: its comments become statements (moderated-out ones hidden), its
    participants numbered participants, its votes theirs. Nothing is written unless all of it reads."""
    if not permissions.can_manage_maps(user, consultation):
        raise Forbidden(_("Only the consultation's moderators open opinion maps."))
    ensure_can_participate(user)
    question_fr, question_en = clean_question(question_fr, question_en)
    if comments is None:
        raise Invalid(_("Choose the export's comments.csv file."))
    try:
        export = polis.read_streams(
            _text(comments, polis.COMMENTS),  # type: ignore[arg-type]
            _text(votes, polis.VOTES_FILE),
            _text(participants, polis.PARTICIPANTS),
        )
    except polis.ExportError as error:
        raise Invalid(_("The export cannot be read: %(error)s", error=str(error))) from None
    bodies = {}
    for comment in export.comments:
        try:
            bodies[comment.id] = clean_statement(comment.body, IMPORTED_STATEMENT_MAX)
        except Invalid as error:
            raise Invalid(
                _("Comment %(id)d of the export: %(error)s", id=comment.id, error=error.message)
            ) from None
    now = utcnow()
    opinion_map = OpinionMap(
        consultation_id=consultation.id,
        question_fr=question_fr,
        question_en=question_en,
        allow_statements=True,
        created_by_id=user.id if user else None,
        imported_from=(export.topic or question_fr or question_en)[:300],
        changed_at=now,
    )
    db.session.add(opinion_map)
    db.session.flush()
    people = sorted(
        {p for p, _c, _v in export.votes} | {c.author for c in export.comments if c.author is not None}
    )
    db.session.execute(
        insert(Participant),
        [{"map_id": opinion_map.id, "external_id": f"polis:{p}", "created_at": now} for p in people],
    )
    participant_ids = {
        row.external_id: row.id
        for row in db.session.execute(
            select(Participant.external_id, Participant.id).where(Participant.map_id == opinion_map.id)
        )
    }
    counts: dict[int, list[int]] = {c.id: [0, 0, 0] for c in export.comments}
    for _person, comment_id, value in export.votes:
        counts[comment_id][{1: 0, -1: 1, 0: 2}[value]] += 1
    db.session.execute(
        insert(Statement),
        [
            {
                "map_id": opinion_map.id,
                "consultation_id": consultation.id,
                "number": c.id,
                "participant_id": participant_ids.get(f"polis:{c.author}") if c.author is not None else None,
                "body": bodies[c.id],
                "body_html": str(render_markdown(bodies[c.id])),
                "hidden": c.moderated == polis.MODERATED_OUT,
                "hidden_reason": _("Moderated out in the original conversation.")
                if c.moderated == polis.MODERATED_OUT
                else "",
                "agree_count": counts[c.id][0],
                "disagree_count": counts[c.id][1],
                "pass_count": counts[c.id][2],
                "created_at": now,
            }
            for c in export.comments
        ],
    )
    statement_ids = {
        row.number: row.id
        for row in db.session.execute(
            select(Statement.number, Statement.id).where(Statement.map_id == opinion_map.id)
        )
    }
    if export.votes:
        db.session.execute(
            insert(OpinionVote),
            [
                {
                    "map_id": opinion_map.id,
                    "statement_id": statement_ids[c],
                    "participant_id": participant_ids[f"polis:{p}"],
                    "value": v,
                    "created_at": now,
                    "updated_at": now,
                }
                for p, c, v in export.votes
            ],
        )
    opinion_map.participant_count = len(people)
    opinion_map.vote_count = len(export.votes)
    db.session.commit()
    runner.schedule(opinion_map.id)
    return opinion_map
