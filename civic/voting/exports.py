"""Published files of a counted poll: the ballots as BLT, PrefLib or CSV, and the result as JSON."""

from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from civic.errors import Conflict, NotFound
from civic.voting.ballots import counted_ballots
from civic.voting.closing import election_of
from civic.voting.counting.consent import ConsentElection
from civic.voting.counting.formats.blt import blt_text
from civic.voting.counting.formats.cvr_csv import cvr_csv_text
from civic.voting.counting.formats.errors import FormatError
from civic.voting.counting.formats.preflib import data_type, preflib_text
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import Election, ScoreElection
from civic.voting.kinds import kind_of
from civic.voting.models import Poll
from civic.voting.services import result_of


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
