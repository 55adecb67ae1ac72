"""Open data out (Pol.is format) and a Pol.is conversation in: nothing half-written when the files are bad."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from civic.deliberation.opinions import runs, transfer
from civic.deliberation.opinions.analysis import polis
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Participant, Statement
from civic.errors import Forbidden, Invalid
from civic.extensions import db
from tests.deliberation.opinions.analysis.test_polis_corpus import _corpus
from tests.deliberation.opinions.analysis.test_polis_format import COMMENTS, PARTICIPANTS, VOTES
from tests.deliberation.opinions.factories import make_map, opinions_consultation, planted_groups
from tests.factories import make_user


def _file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def _import(
    user: Any, consultation: Any, comments: str | None, votes: str | None, participants: str | None = None
) -> OpinionMap:
    return transfer.import_export(
        user,
        consultation,
        "Question importée",
        "",
        _file(comments) if comments is not None else None,
        _file(votes) if votes is not None else None,
        _file(participants) if participants is not None else None,
    )


def _nothing_written() -> bool:
    db.session.rollback()
    return (
        OpinionMap.query.count()
        == Statement.query.count()
        == Participant.query.count()
        == OpinionVote.query.count()
        == 0
    )


def test_a_conversation_is_imported_whole(app: Any) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    opinion_map = _import(moderator, consultation, COMMENTS, VOTES, PARTICIPANTS)
    statements = {s.number: s for s in Statement.query.filter_by(map_id=opinion_map.id)}
    assert statements[1].hidden and statements[1].hidden_reason
    assert (statements[0].agree_count, statements[0].disagree_count) == (0, 1)
    assert {p.external_id for p in Participant.query.all()} == {"polis:5", "polis:6", "polis:7", "polis:8"}
    assert (opinion_map.vote_count, opinion_map.participant_count) == (3, 4)


@pytest.mark.parametrize(
    ("comments", "votes", "participants"),
    [
        (None, VOTES, None),
        ("comment-id,agrees\n0,1\n", VOTES, None),
        (COMMENTS, None, None),
        (COMMENTS, "comment-id,vote\n0,1\n", None),
        (COMMENTS, VOTES.replace("13,x,2,7,1", "13,x,2,7,yes"), None),
        (COMMENTS, VOTES.replace("13,x,2,7", "13,x,42,7"), None),
        (COMMENTS, None, PARTICIPANTS.replace("8,,0,1,0,0,,0,", "8,,0")),
        (COMMENTS.replace("Du Wi-Fi partout", "\u200b"), VOTES, None),
        (COMMENTS.replace("Du Wi-Fi partout", "x" * 2001), VOTES, None),
    ],
)
def test_a_bad_export_is_refused_and_writes_nothing(
    app: Any, comments: str | None, votes: str | None, participants: str | None
) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    with pytest.raises(Invalid):
        _import(moderator, consultation, comments, votes, participants)
    assert _nothing_written()


def test_a_file_that_is_not_utf8_is_refused(app: Any) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    with pytest.raises(Invalid, match="UTF-8"):
        transfer.import_export(
            moderator, consultation, "Q", "", io.BytesIO(b"\xff\xfe\x00"), _file(VOTES), None
        )
    assert _nothing_written()


def test_only_moderators_import(app: Any) -> None:
    consultation = opinions_consultation()
    with pytest.raises(Forbidden):
        _import(make_user(), consultation, COMMENTS, VOTES)
    assert _nothing_written()


def test_an_imported_polis_conversation_gets_polis_groups(app: Any) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    folder = _corpus() / "bg2050-volunteers"
    opinion_map = transfer.import_export(
        moderator,
        consultation,
        "BG 2050",
        "",
        (folder / "comments.csv").open("rb"),
        (folder / "votes.csv").open("rb"),
        None,
    )
    assert runs.run_analysis(opinion_map.id) == runs.DONE
    db.session.refresh(opinion_map)
    assert len(opinion_map.analysis.result["groups"]) == 2


def test_the_export_is_open_data_that_reads_back(app: Any, tmp_path: Any) -> None:
    opinion_map = make_map()
    people = planted_groups(opinion_map, (6, 6))
    runs.run_analysis(opinion_map.id)
    db.session.refresh(opinion_map)
    data = transfer.export_zip(opinion_map, "Quelle priorité ?", "https://civic.test/x")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
        names = set(archive.namelist())
    assert names == {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv", "README.txt"}
    export = polis.read_folder(tmp_path)
    assert len(export.votes) == opinion_map.vote_count == 12 * 8
    assert sorted({g for g in export.groups.values() if g is not None}) == [0, 1]
    everything = (tmp_path / "votes.csv").read_text() + (tmp_path / "participants-votes.csv").read_text()
    assert not any(
        person.display_name in everything or person.email in everything
        for group in people
        for person in group
    )
