"""Published files of a counted poll: the ballots as BLT, PrefLib or CSV, and the audit download (JSON).

The audit download carries everything needed to check the poll without the server: every chain record,
the signed head, the checkpoints, the public key and the published result. The audit page checks the
same document, built afresh, on every view (`verification`).
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from civic.errors import Conflict, NotFound
from civic.extensions import db
from civic.spreadsheet import safe_csv, safe_rows
from civic.voting import chain
from civic.voting.audit.verify import FORMAT, Report, verify
from civic.voting.ballots import counted_ballots
from civic.voting.closing import election_of
from civic.voting.counting.consent import ConsentElection
from civic.voting.counting.formats.blt import blt_text
from civic.voting.counting.formats.cvr_csv import cvr_csv_text
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.preflib import data_type, preflib_text
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import Election, ScoreElection
from civic.voting.kinds import kind_of, rules_of
from civic.voting.models import Ballot, Poll
from civic.voting.services import result_of


def ballot_file(poll: Poll, fmt: str) -> tuple[str, str, str]:
    """Return (text, mimetype, file name) of the counted ballots in a format: blt, preflib, csv, json."""
    document = result_of(poll)
    if document is None:
        raise Conflict(_("Ballots are published when the poll closes."))
    stem = f"poll-{poll.id}"
    if fmt == "json":
        text = json.dumps(audit_document(poll), ensure_ascii=False, indent=1)
        return text, "application/json", f"{stem}-audit.json"
    election = election_of(poll, counted_ballots(poll))
    try:
        if fmt == "csv":
            if isinstance(election, Election):
                return safe_csv(cvr_csv_text(election)), "text/csv", f"{stem}.csv"
            if isinstance(election, ScoreElection):
                return safe_csv(scores_csv_text(election)), "text/csv", f"{stem}.csv"
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
    return safe_rows([election.proposals, *([r or "" for r in b.responses] for b in election.ballots)])


def formats_of(poll: Poll) -> list[str]:
    return ["blt", "preflib", "csv", "json"] if kind_of(poll) == "ranked" else ["csv", "json"]


def audit_document(poll: Poll) -> dict[str, Any]:
    """Return the audit download of a counted poll (format civic-poll-audit/1, docs/polls.md)."""
    stored = result_of(poll)
    if stored is None:
        raise Conflict(_("Ballots are published when the poll closes."))
    return {**chain_document(poll), "result": stored["result"], "counted_ballots": stored["counted_ballots"]}


def chain_document(poll: Poll) -> dict[str, Any]:
    """Return the audit download without the result: what the server can check while a poll is open."""
    rules = rules_of(poll)
    rows = db.session.execute(
        select(
            Ballot.position,
            Ballot.id,
            Ballot.choice,
            Ballot.voter_tag,
            Ballot.previous_hash,
            Ballot.record_hash,
            Ballot.signature,
            Ballot.receipt,
            Ballot.record_format,
        )
        .where(Ballot.poll_id == poll.id)
        .order_by(Ballot.position)
    )
    return {
        "format": FORMAT,
        "poll": {
            "id": poll.id,
            "question": {"fr": poll.question_fr, "en": poll.question_en},
            "method": rules.method,
            "options": rules.options,
            "seats": rules.seats,
            "rules_preset": rules.rules_preset,
            "seed": rules.seed,
            "max_score": rules.max_score,
            "block_threshold": rules.block_threshold,
            "allow_changes": poll.allow_changes,
            "secrecy": poll.secrecy,
            "closed_at": chain.moment(poll.closed_at) if poll.closed_at else None,
        },
        "public_key": chain.public_key_hex(),
        "records": [
            {
                "position": r.position,
                "ballot_id": r.id,
                "choice": r.choice,
                "voter_tag": r.voter_tag,
                "previous_hash": r.previous_hash,
                "record_hash": r.record_hash,
                "signature": r.signature,
                "receipt": r.receipt,
                "format": r.record_format,
            }
            for r in rows
        ],
        "head": {"length": poll.chain_length, "hash": chain.head_of(poll), "signature": poll.head_signature},
        "checkpoints": [
            {"at": chain.moment(c.at), "length": c.length, "head": c.head, "signature": c.signature}
            for c in chain.checkpoints_of(poll.id)
        ],
    }


def verification(poll: Poll) -> Report:
    """Check the poll's chain, signatures, receipts, head, checkpoints and (once counted) result, now."""
    document = audit_document(poll) if poll.result_json else chain_document(poll)
    return verify(document, chain.public_key_hex())
