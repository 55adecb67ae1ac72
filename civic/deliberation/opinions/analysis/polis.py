"""The Pol.is export format, read and written: comments.csv, votes.csv, participants-votes.csv, summary.csv.

Reading checks every column and value and says which file, line and column is wrong (ExportError);
it returns nothing half-read. Votes are 1 agree, -1 disagree, 0 pass, as in Pol.is's exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from civic.deliberation.opinions.analysis.matrix import VOTES

COMMENTS = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS = "participants-votes.csv"
SUMMARY = "summary.csv"
# The columns of participants-votes.csv before the one-per-comment columns (xid is optional).
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
MODERATED_OUT, UNMODERATED, ACCEPTED = -1, 0, 1
csv.field_size_limit(1 << 20)


class ExportError(ValueError):
    """The export cannot be read; the message names the file, line and column."""


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    body: str
    author: int | None = None
    moderated: int = UNMODERATED
    timestamp: int | None = None  # milliseconds since 1970, as Pol.is writes them


@dataclass(slots=True)
class Export:
    """A conversation: its comments, its votes (participant, comment, vote; the last one per pair) and the
    group Pol.is gave each participant, when the export says (None: not clustered)."""

    comments: list[Comment]
    votes: list[tuple[int, int, int]]
    groups: dict[int, int | None] = field(default_factory=dict)
    topic: str = ""
    timestamps: dict[tuple[int, int], int] = field(default_factory=dict)


def _integer(text: str, where: str, column: str, empty: int | None = None) -> int:
    text = text.strip()
    if not text and empty is not None:
        return empty
    try:
        return int(text)
    except ValueError:
        raise ExportError(f"{where}: column {column!r} should be a whole number, not {text[:20]!r}") from None


def _rows(stream: TextIO, name: str, required: Sequence[str]) -> Iterable[tuple[str, dict[str, str]]]:
    reader = csv.DictReader(stream)
    header = reader.fieldnames or []
    missing = [column for column in required if column not in header]
    if missing:
        raise ExportError(f"{name}: missing column(s) {', '.join(missing)}")
    for row in reader:
        if None in row:  # more cells than the header has columns
            raise ExportError(f"{name}, line {reader.line_num}: more cells than columns")
        yield f"{name}, line {reader.line_num}", {k: (v or "") for k, v in row.items()}


def read_comments(stream: TextIO, name: str = COMMENTS) -> list[Comment]:
    comments: dict[int, Comment] = {}
    for where, row in _rows(stream, name, ("comment-id", "comment-body")):
        ident = _integer(row["comment-id"], where, "comment-id")
        if ident in comments:
            raise ExportError(f"{where}: comment {ident} appears twice")
        moderated = _integer(row.get("moderated", ""), where, "moderated", empty=UNMODERATED)
        if moderated not in (MODERATED_OUT, UNMODERATED, ACCEPTED):
            raise ExportError(f"{where}: column 'moderated' is -1, 0 or 1, not {moderated}")
        author = row.get("author-id", "").strip()
        timestamp = row.get("timestamp", "").strip()
        comments[ident] = Comment(
            id=ident,
            body=row["comment-body"],
            author=_integer(author, where, "author-id") if author else None,
            moderated=moderated,
            timestamp=_integer(timestamp, where, "timestamp") if timestamp else None,
        )
    return sorted(comments.values(), key=lambda c: c.id)


def _vote(text: str, where: str, column: str) -> int:
    value = _integer(text, where, column)
    if value not in VOTES:
        raise ExportError(f"{where}: column {column!r} is 1, -1 or 0, not {value}")
    return value


def read_votes(
    stream: TextIO, known: set[int], name: str = VOTES_FILE
) -> tuple[list[tuple[int, int, int]], dict[tuple[int, int], int]]:
    """Read votes.csv: every vote in time order; the last one on a pair counts."""
    latest: dict[tuple[int, int], tuple[int, int, int]] = {}
    for index, (where, row) in enumerate(_rows(stream, name, ("comment-id", "voter-id", "vote"))):
        comment = _integer(row["comment-id"], where, "comment-id")
        if comment not in known:
            raise ExportError(f"{where}: comment {comment} is not in {COMMENTS}")
        voter = _integer(row["voter-id"], where, "voter-id")
        stamp = row.get("timestamp", "").strip()
        moment = _integer(stamp, where, "timestamp") if stamp else index
        pair = (voter, comment)
        if pair not in latest or moment >= latest[pair][0]:
            latest[pair] = (moment, index, _vote(row["vote"], where, "vote"))
    votes = [(voter, comment, vote) for (voter, comment), (_m, _i, vote) in latest.items()]
    times = {pair: moment for pair, (moment, _i, _v) in latest.items()}
    return votes, times


def read_participants(
    stream: TextIO, known: set[int], name: str = PARTICIPANTS
) -> tuple[list[tuple[int, int, int]], dict[int, int | None]]:
    """Read participants-votes.csv: each participant's group (when given) and last vote on each comment."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ExportError(f"{name}: the file is empty")
    if "participant" not in header:
        raise ExportError(f"{name}: missing column(s) participant")
    fixed = set(PARTICIPANT_COLUMNS) | {"xid"}
    columns: list[tuple[int, int]] = []
    for position, title in enumerate(header):
        if title in fixed:
            continue
        try:
            comment = int(title)
        except ValueError:
            raise ExportError(
                f"{name}: column {title[:30]!r} is neither a known column nor a comment id"
            ) from None
        if comment not in known:
            raise ExportError(f"{name}: column {comment} is not a comment of {COMMENTS}")
        columns.append((position, comment))
    person_at = header.index("participant")
    group_at = header.index("group-id") if "group-id" in header else None
    votes: list[tuple[int, int, int]] = []
    groups: dict[int, int | None] = {}
    for row in reader:
        where = f"{name}, line {reader.line_num}"
        if not row:
            continue
        if len(row) != len(header):
            raise ExportError(f"{where}: {len(row)} cells for {len(header)} columns")
        person = _integer(row[person_at], where, "participant")
        if person in groups:
            raise ExportError(f"{where}: participant {person} appears twice")
        group = row[group_at].strip() if group_at is not None else ""
        groups[person] = _integer(group, where, "group-id") if group else None
        for position, comment in columns:
            cell = row[position].strip()
            if cell:
                votes.append((person, comment, _vote(cell, where, str(comment))))
    return votes, groups


def read_summary(stream: TextIO) -> dict[str, str]:
    return {row[0]: row[1] for row in csv.reader(stream) if len(row) >= 2}


def read_streams(
    comments: TextIO,
    votes: TextIO | None = None,
    participants: TextIO | None = None,
    summary: TextIO | None = None,
) -> Export:
    """Read an export from open files: comments and at least one of votes and participants-votes."""
    if votes is None and participants is None:
        raise ExportError(f"the export needs {VOTES_FILE} or {PARTICIPANTS} beside {COMMENTS}")
    read = read_comments(comments)
    known = {c.id for c in read}
    groups: dict[int, int | None] = {}
    times: dict[tuple[int, int], int] = {}
    if participants is not None:
        from_table, groups = read_participants(participants, known)
    if votes is not None:
        found, times = read_votes(votes, known)
    else:
        found = from_table
    topic = read_summary(summary).get("topic", "") if summary is not None else ""
    return Export(read, found, groups, topic, times)


def read_folder(folder: Path) -> Export:
    """Read a Pol.is export folder (comments.csv, and votes.csv and/or participants-votes.csv)."""
    if not folder.is_dir():
        raise ExportError(f"{folder}: not a folder")
    paths = {name: folder / name for name in (COMMENTS, VOTES_FILE, PARTICIPANTS, SUMMARY)}
    if not paths[COMMENTS].is_file():
        raise ExportError(f"{folder}: no {COMMENTS}")
    opened = {name: path.open(newline="", encoding="utf-8") for name, path in paths.items() if path.is_file()}
    try:
        return read_streams(
            opened[COMMENTS], opened.get(VOTES_FILE), opened.get(PARTICIPANTS), opened.get(SUMMARY)
        )
    except UnicodeDecodeError as error:
        raise ExportError(f"{folder}: a file is not UTF-8 text ({error.reason})") from None
    finally:
        for stream in opened.values():
            stream.close()


def _when(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_comments(comments: Sequence[Comment], votes: Sequence[tuple[int, int, int]]) -> str:
    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    for _person, comment, vote in votes:
        if vote == 1:
            agrees[comment] = agrees.get(comment, 0) + 1
        elif vote == -1:
            disagrees[comment] = disagrees.get(comment, 0) + 1
    return _csv(
        (
            "timestamp",
            "datetime",
            "comment-id",
            "author-id",
            "agrees",
            "disagrees",
            "moderated",
            "comment-body",
        ),
        (
            (
                c.timestamp or "",
                _when(c.timestamp) if c.timestamp else "",
                c.id,
                "" if c.author is None else c.author,
                agrees.get(c.id, 0),
                disagrees.get(c.id, 0),
                c.moderated,
                c.body,
            )
            for c in comments
        ),
    )


def write_votes(votes: Sequence[tuple[int, int, int, int]]) -> str:
    """votes.csv from (timestamp in ms, participant, comment, vote), in time order."""
    return _csv(
        ("timestamp", "datetime", "comment-id", "voter-id", "vote"),
        ((t, _when(t), c, p, v) for t, p, c, v in sorted(votes)),
    )


def write_participants(
    comments: Sequence[Comment], votes: Sequence[tuple[int, int, int]], groups: dict[int, int | None]
) -> str:
    ids = [c.id for c in comments]
    authored: dict[int, int] = {}
    for written in comments:
        if written.author is not None:
            authored[written.author] = authored.get(written.author, 0) + 1
    table: dict[int, dict[int, int]] = {}
    for person, comment, vote in votes:
        table.setdefault(person, {})[comment] = vote
    people = sorted(set(table) | set(groups) | set(authored))
    rows = []
    for person in people:
        mine = table.get(person, {})
        group = groups.get(person)
        rows.append(
            [
                person,
                "" if group is None else group,
                authored.get(person, 0),
                len(mine),
                sum(1 for v in mine.values() if v == 1),
                sum(1 for v in mine.values() if v == -1),
                *(mine.get(c, "") for c in ids),
            ]
        )
    return _csv((*PARTICIPANT_COLUMNS, *map(str, ids)), rows)


def write_summary(topic: str, participants: int, comments: int, groups: int, url: str = "") -> str:
    return _csv(
        ("topic", topic),
        [("url", url), ("voters", participants), ("comments", comments), ("groups", groups)],
    )
