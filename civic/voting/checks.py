"""The audit page's checks in the reader's language: what was checked, what failed, a receipt look-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _

from civic.i18n import localized
from civic.voting.audit.records import normalise_receipt
from civic.voting.audit.verify import Problem, Report
from civic.voting.kinds import kind_of
from civic.voting.models import Poll
from civic.voting.queries import marks_of

# Past this many, problems are counted rather than listed: one tampering can break every later record.
SHOWN_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One check as the page lists it: what was checked and whether it held."""

    name: str
    passed: bool
    text: str


@dataclass(slots=True)
class Lookup:
    """The answer to "check my receipt": found and counted, replaced, not found, or not a code."""

    typed: str
    code: str | None = None
    status: str = "invalid"  # counted, replaced, missing, invalid
    position: int = 0
    marks: list[tuple[str, str]] = field(default_factory=list)
    failed: bool = False


def _when(at: object) -> str:
    if isinstance(at, str):
        try:
            return format_datetime(datetime.fromisoformat(at.replace("Z", "+00:00")), "short")
        except ValueError:
            return at
    return str(at)


def problem_text(problem: Problem) -> str:
    """Say one failed check in the reader's language."""
    v = problem.values
    n, at = v.get("n", 0), _when(v.get("at", ""))
    texts = {
        "position": lambda: _(
            "Record %(n)d is out of place: it says it is number %(found)d.", n=n, found=v.get("found", 0)
        ),
        "link": lambda: _("Record %(n)d does not point to the record before it.", n=n),
        "hash": lambda: _("Record %(n)d does not match its fingerprint: its content was changed.", n=n),
        "signature": lambda: _(
            "Record %(n)d is not signed by the server's key: it was changed or added without the key.", n=n
        ),
        "receipt": lambda: _("Record %(n)d: its receipt code is not the one its signature gives.", n=n),
        "head-length": lambda: _(
            "The signed head counts %(length)d records, but the chain has %(records)d.",
            length=v.get("length", 0),
            records=v.get("records", 0),
        ),
        "head-hash": lambda: _("The signed head is not the fingerprint of the last record."),
        "head-signature": lambda: _("The head of the chain is not signed by the server's key."),
        "checkpoint-signature": lambda: _(
            "The published head of %(at)s is not signed by the server's key.", at=at
        ),
        "checkpoint-beyond": lambda: _(
            "The head published on %(at)s counted %(length)d records; the chain now has only %(records)d: records were removed.",
            at=at,
            length=v.get("length", 0),
            records=v.get("records", 0),
        ),
        "checkpoint-mismatch": lambda: _(
            "The head published on %(at)s is no longer in the chain: records up to number %(length)d were changed.",
            at=at,
            length=v.get("length", 0),
        ),
        "checkpoint-order": lambda: _("The head published on %(at)s is out of order.", at=at),
        "closing-checkpoint": lambda: _(
            "The last published head is not the chain's final head: the closing head is missing or was changed."
        ),
        "recount-failed": lambda: _("The ballots could not be counted again: %(why)s", why=v.get("why", "")),
        "recount-differs": lambda: _("Counting the ballots again does not give the published result."),
        "counted-differs": lambda: _(
            "%(stated)d ballots are said to count, but the chain has %(counted)d that count.",
            stated=v.get("stated", 0),
            counted=v.get("counted", 0),
        ),
        "public-key": lambda: _("The server's public key is not valid."),
    }
    make = texts.get(problem.code)
    return make() if make else _("The published data is incomplete or malformed: %(why)s", why=problem.detail)


def check_lines(report: Report) -> list[CheckLine]:
    """The checks the page lists, each passed or not, with its numbers."""
    n = report.records
    said = {
        "hashes": ngettext(
            "The record matches its fingerprint (SHA-256).",
            "Each of the %(num)d records matches its fingerprint (SHA-256).",
            n,
        ),
        "links": _("Each record points to the one before it, numbered from 1 to %(n)d without a gap.", n=n),
        "signatures": _("Each record is signed by the server's key shown below."),
        "receipts": _("Each receipt code is the one its record's signature gives."),
        "head": _("The signed head of the chain counts %(n)d records and ends with the last one.", n=n),
        "checkpoints": ngettext(
            "The published head is signed, the chain still leads to it, and it is the closing head.",
            "The %(num)d published heads are signed, the chain still leads to each, and the last one is the closing head.",
            report.checkpoints,
        ),
        "recount": ngettext(
            "Counting the ballot that counts again gives the published result.",
            "Counting the %(num)d ballots that count again gives the published result.",
            report.counted,
        ),
    }
    if report.failed("format"):
        return [CheckLine("format", False, _("The published data is complete and well formed."))]
    return [CheckLine(name, not report.failed(name), text) for name, text in said.items()]


def shown_problems(report: Report) -> tuple[list[str], int]:
    """The first problems in words, and how many more there are."""
    texts = [problem_text(p) for p in report.problems[:SHOWN_PROBLEMS]]
    return texts, max(0, len(report.problems) - SHOWN_PROBLEMS)


def look_up(poll: Poll, report: Report, typed: str) -> Lookup:
    """Find a receipt code among the checked records and say the ballot in words."""
    lookup = Lookup(typed=typed[:100])
    code = normalise_receipt(typed)
    if code is None:
        return lookup
    lookup.code = code
    entry = report.receipts.get(code)
    if entry is None:
        lookup.status = "missing"
        return lookup
    labels = [localized(o, "label") for o in poll.options]
    lookup.status = "counted" if entry.counted else "replaced"
    lookup.position = entry.position
    lookup.marks = marks_of(kind_of(poll), labels, entry.choice)
    lookup.failed = any(p.values.get("n") == entry.position for p in report.problems)
    return lookup
