"""The Pol.is export format: read with a clear error on each kind of fault, written back the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from civic.deliberation.opinions.analysis import polis

COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n" + (
    '1,x,0,5,1,0,1,Du Wi-Fi partout\n2,x,1,6,0,1,-1,Hors sujet\n3,x,2,5,0,0,0,"Une, virgule"\n'
)
VOTES = "timestamp,datetime,comment-id,voter-id,vote\n10,x,0,7,1\n11,x,0,7,-1\n12,x,1,8,0\n13,x,2,7,1\n"
PARTICIPANTS = (
    "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2\n7,0,0,2,1,1,-1,,1\n8,,0,1,0,0,,0,\n"
)


def read(
    comments: str = COMMENTS, votes: str | None = VOTES, participants: str | None = PARTICIPANTS
) -> polis.Export:
    return polis.read_streams(
        io.StringIO(comments),
        io.StringIO(votes) if votes is not None else None,
        io.StringIO(participants) if participants is not None else None,
    )


def test_an_export_reads_with_the_last_vote_of_each_pair() -> None:
    export = read()
    assert [c.id for c in export.comments] == [0, 1, 2]
    assert export.comments[1].moderated == polis.MODERATED_OUT and export.comments[2].body == "Une, virgule"
    assert sorted(export.votes) == [(7, 0, -1), (7, 2, 1), (8, 1, 0)]
    assert export.groups == {7: 0, 8: None}


def test_participants_votes_alone_is_enough() -> None:
    export = read(votes=None)
    assert sorted(export.votes) == [(7, 0, -1), (7, 2, 1), (8, 1, 0)]


@pytest.mark.parametrize(
    ("comments", "votes", "participants", "message"),
    [
        ("comment-id,agrees\n0,1\n", VOTES, None, "comments.csv: missing column(s) comment-body"),
        (COMMENTS, "comment-id,vote\n0,1\n", None, "votes.csv: missing column(s) voter-id"),
        (COMMENTS, None, None, "needs votes.csv or participants-votes.csv"),
        (COMMENTS.replace("1,x,0,5", "1,x,zero,5"), VOTES, None, "comments.csv, line 2: column 'comment-id'"),
        (
            COMMENTS,
            VOTES.replace("10,x,0,7,1", "10,x,0,7,2"),
            None,
            "votes.csv, line 2: column 'vote' is 1, -1 or 0",
        ),
        (COMMENTS, VOTES.replace("13,x,2,7", "13,x,9,7"), None, "comment 9 is not in comments.csv"),
        (COMMENTS, None, PARTICIPANTS.replace(",2\n7", ",x\n7"), "column 'x' is neither"),
        (COMMENTS, None, PARTICIPANTS.replace("8,,0,1,0,0,,0,", "8,,0,1"), "cells for 9 columns"),
        (COMMENTS + "4,x,0,5,1,0,1,Encore\n", VOTES, None, "comment 0 appears twice"),
        (COMMENTS.replace(",1,Du", ",7,Du"), VOTES, None, "column 'moderated' is -1, 0 or 1"),
    ],
)
def test_faults_are_named(comments: str, votes: str | None, participants: str | None, message: str) -> None:
    with pytest.raises(polis.ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(comments, votes, participants)


def test_a_folder_without_comments_is_refused(tmp_path: Path) -> None:
    with pytest.raises(polis.ExportError, match="no comments.csv"):
        polis.read_folder(tmp_path)
    (tmp_path / "comments.csv").write_bytes(b"\xff\xfe comment-id")
    (tmp_path / "votes.csv").write_text(VOTES)
    with pytest.raises(polis.ExportError, match="not UTF-8"):
        polis.read_folder(tmp_path)


def test_what_is_written_reads_back(tmp_path: Path) -> None:
    export = read()
    (tmp_path / "comments.csv").write_text(polis.write_comments(export.comments, export.votes))
    (tmp_path / "votes.csv").write_text(
        polis.write_votes([(1000 + i, p, c, v) for i, (p, c, v) in enumerate(export.votes)])
    )
    (tmp_path / "participants-votes.csv").write_text(
        polis.write_participants(export.comments, export.votes, {7: 1})
    )
    again = polis.read_folder(tmp_path)

    def key(c: polis.Comment) -> tuple[int, str, int | None, int, int | None]:
        return (c.id, c.body, c.author, c.moderated, c.timestamp)

    assert [key(c) for c in again.comments] == [key(c) for c in export.comments]
    assert sorted(again.votes) == sorted(export.votes)
    assert again.groups == {5: None, 6: None, 7: 1, 8: None}
