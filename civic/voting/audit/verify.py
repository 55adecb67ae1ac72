"""Verify a poll's audit download: every record, link, signature and receipt, the head, the checkpoints
and a recount. The web app's audit page runs this on every view; `python -m civic.voting verify` offline.

A failure is a `Problem`: which check, which record (if one), an English sentence for the command line
and the values a translated page needs. Nothing is trusted from the download but the public key, which
a careful reader compares with the one the site shows (`--public-key`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from civic.voting.audit import records as rec
from civic.voting.audit.tally import KINDS, CountedBallot, Rules, count

FORMAT = "civic-poll-audit/1"
# The checks, in the order the page and the command report them.
CHECKS = ("format", "hashes", "links", "signatures", "receipts", "head", "checkpoints", "recount")


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed check: `code` names it precisely, `values` fill a translated message."""

    check: str
    code: str
    detail: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """A chain record as a voter looks it up by receipt code."""

    position: int
    choice: str
    counted: bool


@dataclass(slots=True)
class Report:
    """What was checked and what failed."""

    poll_id: int = 0
    records: int = 0
    counted: int = 0
    upgraded: int = 0
    checkpoints: int = 0
    public_key: str = ""
    recounted: bool = False
    problems: list[Problem] = field(default_factory=list)
    receipts: dict[str, Entry] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def failed(self, check: str) -> list[Problem]:
        return [p for p in self.problems if p.check == check]

    def add(self, check: str, code: str, detail: str, **values: Any) -> None:
        self.problems.append(Problem(check, code, detail, values))


class _Malformed(Exception):
    """The download is not shaped as an audit download: nothing further can be checked."""


def _get(mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise _Malformed(f"{where}: '{key}' is missing")
    value = mapping[key]
    # bool is an int in Python; no field of the format is both.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Malformed(f"{where}: '{key}' has the wrong type")
    return value


def _rules(poll: dict[str, Any]) -> Rules:
    method = _get(poll, "method", str, "poll")
    if method not in KINDS:
        raise _Malformed(f"poll: unknown method '{method}'")
    options = _get(poll, "options", list, "poll")
    if not all(isinstance(o, str) for o in options):
        raise _Malformed("poll: options must be names")
    question = _get(poll, "question", dict, "poll")
    return Rules(
        method=method,
        options=options,
        title=str(question.get("fr") or question.get("en") or ""),
        seats=_get(poll, "seats", int, "poll"),
        rules_preset=_get(poll, "rules_preset", str, "poll"),
        seed=_get(poll, "seed", int, "poll"),
        max_score=_get(poll, "max_score", int, "poll"),
        block_threshold=_get(poll, "block_threshold", int, "poll"),
    )


def _canonical(choice: str) -> bool:
    try:
        return rec.canonical_choice(json.loads(choice)) == choice
    except ValueError:
        return False


def _check_records(
    document: dict[str, Any], poll_id: int, key: str | None, report: Report
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = _get(document, "records", list, "download")
    previous = rec.genesis_hash(poll_id)
    for index, record in enumerate(records):
        where = f"record {index + 1}"
        position = _get(record, "position", int, where)
        ballot_id = _get(record, "ballot_id", str, where)
        choice = _get(record, "choice", str, where)
        tag = record.get("voter_tag")
        if tag is not None and not isinstance(tag, str):
            raise _Malformed(f"{where}: 'voter_tag' has the wrong type")
        stated_previous = _get(record, "previous_hash", str, where)
        stated_hash = _get(record, "record_hash", str, where)
        signature = _get(record, "signature", str, where)
        receipt = _get(record, "receipt", str, where)
        fmt = _get(record, "format", int, where)
        if position != index + 1:
            report.add(
                "links",
                "position",
                f"{where} has position {position}: positions must run 1, 2, 3… with no gap",
                n=index + 1,
                found=position,
            )
        if stated_previous != previous:
            report.add(
                "links",
                "link",
                f"record {position} does not point to the record before it (its previous hash differs)",
                n=position,
            )
        if fmt not in (rec.CURRENT, rec.LEGACY):
            raise _Malformed(f"{where}: unknown record format {fmt}")
        fields_ok = (
            rec.HEX32.fullmatch(ballot_id)
            and "\n" not in choice
            and _canonical(choice)
            and (tag is None or rec.HEX64.fullmatch(tag))
            and rec.RECEIPT.fullmatch(receipt)
        )
        computed = rec.record_hash(poll_id, position, ballot_id, choice, tag, stated_previous, fmt, receipt)
        if not fields_ok or computed != stated_hash:
            report.add(
                "hashes", "hash", f"record {position}: its content does not match its hash", n=position
            )
        if key is not None and not rec.signature_valid(key, signature, rec.record_message(computed)):
            report.add(
                "signatures",
                "signature",
                f"record {position}: the server's signature does not match its content",
                n=position,
            )
        if fmt == rec.CURRENT:
            if not rec.SIGNATURE.fullmatch(signature) or rec.receipt_of(signature) != receipt:
                report.add(
                    "receipts",
                    "receipt",
                    f"record {position}: its receipt code is not the one its signature gives",
                    n=position,
                )
        else:
            report.upgraded += 1
        previous = stated_hash
    report.records = len(records)
    return records


def _check_head(
    document: dict[str, Any], poll_id: int, key: str | None, records: list[dict[str, Any]], report: Report
) -> str:
    head = _get(document, "head", dict, "download")
    length = _get(head, "length", int, "head")
    head_hash = _get(head, "hash", str, "head")
    signature = _get(head, "signature", str, "head")
    last = records[-1]["record_hash"] if records else rec.genesis_hash(poll_id)
    if length != len(records):
        report.add(
            "head",
            "head-length",
            f"the signed head counts {length} records but the chain has {len(records)}",
            length=length,
            records=len(records),
        )
    if head_hash != last:
        report.add("head", "head-hash", "the signed head is not the hash of the last record", length=length)
    if key is not None and not rec.signature_valid(
        key, signature, rec.head_message(poll_id, length, head_hash)
    ):
        report.add("head", "head-signature", "the head's signature does not match it")
    return last


def _check_checkpoints(
    document: dict[str, Any],
    poll_id: int,
    key: str | None,
    records: list[dict[str, Any]],
    closed: bool,
    report: Report,
) -> None:
    checkpoints = _get(document, "checkpoints", list, "download")
    hashes = [rec.genesis_hash(poll_id), *(r["record_hash"] for r in records)]
    before: tuple[str, int] | None = None
    for index, checkpoint in enumerate(checkpoints):
        where = f"checkpoint {index + 1}"
        at = _get(checkpoint, "at", str, where)
        length = _get(checkpoint, "length", int, where)
        head = _get(checkpoint, "head", str, where)
        signature = _get(checkpoint, "signature", str, where)
        if key is not None and not rec.signature_valid(
            key, signature, rec.checkpoint_message(poll_id, at, length, head)
        ):
            report.add(
                "checkpoints",
                "checkpoint-signature",
                f"the checkpoint of {at}: its signature does not match it",
                at=at,
            )
        if length > len(records):
            report.add(
                "checkpoints",
                "checkpoint-beyond",
                f"the checkpoint of {at} counted {length} records but the chain now has {len(records)}: records were removed",
                at=at,
                length=length,
                records=len(records),
            )
        elif length < 0 or hashes[length] != head:
            report.add(
                "checkpoints",
                "checkpoint-mismatch",
                f"the checkpoint of {at} showed a head the chain no longer leads to at record {length}: records up to it were changed",
                at=at,
                length=length,
            )
        if before is not None and (at <= before[0] or length < before[1]):
            report.add("checkpoints", "checkpoint-order", f"the checkpoint of {at} is out of order", at=at)
        before = (at, length)
    report.checkpoints = len(checkpoints)
    if closed and (before is None or before[1] != len(records) or hashes[-1] != checkpoints[-1]["head"]):
        report.add(
            "checkpoints",
            "closing-checkpoint",
            "the last checkpoint is not the chain's final head: the closing checkpoint is missing or was changed",
        )


def _counted(records: list[dict[str, Any]], report: Report) -> list[CountedBallot]:
    """The last ballot of each voter tag, and every untagged one; fill the receipt look-up."""
    latest: dict[str, int] = {}
    for index, record in enumerate(records):
        if record.get("voter_tag"):
            latest[record["voter_tag"]] = index
    counted: list[CountedBallot] = []
    for index, record in enumerate(records):
        counts = not record.get("voter_tag") or latest[record["voter_tag"]] == index
        report.receipts[record["receipt"]] = Entry(record["position"], record["choice"], counts)
        if counts:
            counted.append(CountedBallot(record["choice"], record["receipt"]))
    report.counted = len(counted)
    return counted


def _recount(document: dict[str, Any], rules: Rules, counted: list[CountedBallot], report: Report) -> None:
    published = document.get("result")
    if published is None:
        return
    report.recounted = True
    try:
        result = json.loads(json.dumps(count(rules, counted).to_dict()))
    except Exception as error:  # any ballot the counting library refuses: say why, do not crash
        report.add("recount", "recount-failed", f"the ballots cannot be counted: {error}", why=str(error))
        return
    if result != published:
        report.add(
            "recount",
            "recount-differs",
            f"the published result differs from a count of the ballots (published winners: {published.get('winners') if isinstance(published, dict) else '?'}; recounted: {result['winners']})",
        )
    stated = document.get("counted_ballots")
    if stated is not None and stated != len(counted):
        report.add(
            "recount",
            "counted-differs",
            f"the download says {stated} ballots counted; the chain has {len(counted)} that count",
            stated=stated,
            counted=len(counted),
        )


def verify(document: Any, public_key: str | None = None) -> Report:
    """Check an audit download; with `public_key` (hex), also that it is signed by that key."""
    report = Report()
    try:
        if _get(document, "format", str, "download") != FORMAT:
            raise _Malformed(f"this is not a {FORMAT} download")
        poll = _get(document, "poll", dict, "download")
        poll_id = _get(poll, "id", int, "poll")
        report.poll_id = poll_id
        rules = _rules(poll)
        report.public_key = _get(document, "public_key", str, "download")
        key = report.public_key if rec.public_key(report.public_key) is not None else None
        if key is None:
            report.add("signatures", "public-key", "the public key in the download is not an Ed25519 key")
        if public_key is not None and public_key.strip().lower() != report.public_key:
            report.add(
                "signatures", "other-key", "the download is signed with another key than the one given"
            )
        records = _check_records(document, poll_id, key, report)
        _check_head(document, poll_id, key, records, report)
        _check_checkpoints(document, poll_id, key, records, poll.get("closed_at") is not None, report)
        counted = _counted(records, report)
        _recount(document, rules, counted, report)
    except _Malformed as error:
        report.add("format", "format", str(error), why=str(error))
    return report
