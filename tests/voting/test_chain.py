"""The signed ballot chain: records, signatures, receipts, heads and checkpoints; tampering by someone who
can write the database is seen by the audit page and by `python -m civic.voting verify`."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from civic.consultations.models import Consultation
from civic.extensions import db
from civic.voting import chain, closing, exports
from civic.voting.__main__ import main as command
from civic.voting.audit import records
from civic.voting.models import Ballot, CheckpointChanged, Poll, PollCheckpoint
from tests.conftest import html_text
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll

pytestmark = pytest.mark.databases("sqlite", "postgresql")

ENGLISH = {"Accept-Language": "en"}


def _closed_poll(n: int = 4, **fields: Any) -> Poll:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, **fields)
    for i in range(n):
        cast(make_user(), poll, consultation, [i % 4, (i + 1) % 4])
    closing.close_poll(moderator, consultation, poll)
    return poll


def _ballots(poll: Poll) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.position)))


def _audit(client: FlaskClient, poll: Poll, query: str = "") -> tuple[int, str]:
    consultation = db.session.get(Consultation, poll.consultation_id)
    assert consultation is not None
    response = client.get(f"/c/{consultation.slug}/polls/{poll.id}/audit{query}", headers=ENGLISH)
    # The page as read: tags removed, white space collapsed.
    words = re.sub(r"<[^>]+>", " ", html_text(response))
    return response.status_code, " ".join(words.split())


def _verify(poll: Poll, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Write the poll's audit download as a visitor gets it, then run the command on it."""
    db.session.expire_all()
    path = tmp_path / f"poll-{poll.id}-audit.json"
    path.write_text(exports.ballot_file(poll, "json")[0])
    status = command(["verify", str(path), *extra])
    out = capsys.readouterr()
    return status, out.out + out.err


def _rechain(poll: Poll, ballots: list[Ballot], start: int) -> str:
    """Recompute every record hash and link from `start` on, as an attacker with SQL access would."""
    previous = ballots[start - 2].record_hash if start > 1 else records.genesis_hash(poll.id)
    for ballot in ballots[start - 1 :]:
        digest = records.record_hash(
            poll.id, ballot.position, ballot.id, ballot.choice, ballot.voter_tag, previous
        )
        db.session.execute(
            update(Ballot).where(Ballot.id == ballot.id).values(previous_hash=previous, record_hash=digest)
        )
        previous = digest
    return previous


def test_each_record_is_linked_hashed_signed_and_gives_its_receipt(app: Flask) -> None:
    poll = _closed_poll()
    ballots = _ballots(poll)
    assert ballots[0].previous_hash == records.genesis_hash(poll.id)
    for before, after in zip(ballots, ballots[1:], strict=False):
        assert after.previous_hash == before.record_hash
    key = chain.public_key_hex()
    assert records.public_key(key) is not None
    for ballot in ballots:
        assert ballot.record_hash == records.record_hash(
            poll.id, ballot.position, ballot.id, ballot.choice, ballot.voter_tag, ballot.previous_hash
        )
        assert records.signature_valid(key, ballot.signature, records.record_message(ballot.record_hash))
        # Anyone can derive the receipt from the published signature: no server secret needed.
        assert ballot.receipt == records.receipt_of(ballot.signature)
    assert poll.head_hash == ballots[-1].record_hash
    assert records.signature_valid(
        key, poll.head_signature, records.head_message(poll.id, len(ballots), poll.head_hash)
    )
    report = exports.verification(poll)
    assert report.ok, report.problems
    assert (report.records, report.counted, report.recounted) == (4, 4, True)


def test_the_signing_key_derives_from_the_server_secret_and_is_not_stored(app: Flask) -> None:
    public = chain.public_key_hex()
    poll = _closed_poll(2)
    app.config["VOTING_SECRET_KEY"] = "another secret"
    try:
        assert chain.public_key_hex() != public
        assert not exports.verification(poll).ok  # signatures no longer match the server's key
    finally:
        app.config["VOTING_SECRET_KEY"] = None
    seed = chain.signing_key().private_bytes_raw().hex()
    stored = json.dumps(exports.audit_document(poll))
    assert seed not in stored and app.config["SECRET_KEY"] not in stored


def test_closing_stores_no_verdict_on_the_chain(app: Flask) -> None:
    poll = _closed_poll(2)
    document = json.loads(poll.result_json or "{}")
    assert "valid" not in document["chain"]


# --- the three tamperings of the audit, and a replayed head ---------------------------------------


def test_a_rewritten_ballot_with_every_hash_recomputed_is_detected(
    client: FlaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poll = _closed_poll()
    before_status, _out = _verify(poll, tmp_path, capsys)
    assert before_status == 0
    ballots = _ballots(poll)
    db.session.execute(update(Ballot).where(Ballot.id == ballots[1].id).values(choice="[3]"))
    db.session.commit()
    head = _rechain(poll, _ballots(poll), 2)
    db.session.execute(update(Poll).where(Poll.id == poll.id).values(head_hash=head))
    db.session.commit()
    status, page = _audit(client, poll)
    assert status == 200 and "Some checks failed" in page
    assert "Record 2 is not signed by the server's key" in page
    assert "Failed: Each record is signed by the server" in page
    assert "the chain is whole" not in page
    code, out = _verify(poll, tmp_path, capsys)
    assert code == 1 and "FAILED" in out
    assert "record 2: the server's signature does not match its content" in out


def test_a_deleted_last_ballot_with_the_head_set_back_is_detected(
    client: FlaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poll = _closed_poll()
    ballots = _ballots(poll)
    db.session.execute(delete(Ballot).where(Ballot.id == ballots[-1].id))
    db.session.execute(
        update(Poll).where(Poll.id == poll.id).values(chain_length=3, head_hash=ballots[-2].record_hash)
    )
    db.session.commit()
    status, page = _audit(client, poll)
    assert status == 200 and "Some checks failed" in page
    assert "The head of the chain is not signed by the server's key" in page
    assert "counted 4 records; the chain now has only 3: records were removed" in page
    code, out = _verify(poll, tmp_path, capsys)
    assert code == 1 and "the head's signature does not match it" in out
    assert "counted 4 records but the chain now has 3: records were removed" in out


def test_a_forged_ballot_appended_with_correct_hashes_is_detected(
    client: FlaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poll = _closed_poll()
    ballots = _ballots(poll)
    forged_id, choice = secrets.token_hex(16), "[0,1]"
    digest = records.record_hash(poll.id, 5, forged_id, choice, None, poll.head_hash)
    signature = ballots[0].signature  # a real signature of the server, copied
    db.session.add(
        Ballot(
            id=forged_id,
            poll_id=poll.id,
            position=5,
            choice=choice,
            receipt=records.receipt_of(signature),
            previous_hash=poll.head_hash,
            record_hash=digest,
            signature=signature,
        )
    )
    db.session.execute(update(Poll).where(Poll.id == poll.id).values(chain_length=5, head_hash=digest))
    db.session.commit()
    status, page = _audit(client, poll)
    assert status == 200 and "Record 5 is not signed by the server's key" in page
    assert "Counting the ballots again does not give the published result" in page
    code, out = _verify(poll, tmp_path, capsys)
    assert code == 1 and "record 5: the server's signature does not match its content" in out
    assert "the published result differs from a count of the ballots" in out


def _cast_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr("civic.voting.ballots.utcnow", lambda: moment)


def test_a_replayed_older_head_is_contradicted_by_a_later_checkpoint(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for minutes in (1, 2, 3, 14):  # the ballot at 14 min opens a new window: the head of 3 is published
        _cast_at(monkeypatch, start + timedelta(minutes=minutes))
        cast(make_user(), poll, consultation, [0])
    db.session.refresh(poll)
    ballots = _ballots(poll)
    # The attacker saved the signed head shown after the second ballot, deletes ballots 3 and 4 and
    # puts that head back: the head and its signature are then genuine.
    old_signature = chain.sign_head(poll.id, 2, ballots[1].record_hash)
    db.session.execute(delete(Ballot).where(Ballot.position > 2, Ballot.poll_id == poll.id))
    db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(chain_length=2, head_hash=ballots[1].record_hash, head_signature=old_signature)
    )
    db.session.commit()
    monkeypatch.undo()
    report = exports.verification(poll)
    assert not report.failed("head") and not report.failed("signatures")
    assert [p.code for p in report.failed("checkpoints")] == ["checkpoint-beyond"]
    poll.closes_at = datetime.now(UTC) - timedelta(seconds=1)  # counted at the next view
    db.session.commit()
    status, page = _audit(client, poll)
    assert status == 200 and "counted 3 records; the chain now has only 2: records were removed" in page
    code, out = _verify(poll, tmp_path, capsys)
    assert code == 1 and "counted 3 records but the chain now has 2" in out


# --- checkpoints -----------------------------------------------------------------------------------


def test_checkpoints_publish_the_head_at_each_window_start_not_each_ballot_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for minutes in (1, 2, 13, 17, 18, 44):
        _cast_at(monkeypatch, start + timedelta(minutes=minutes, seconds=37))
        cast(make_user(), poll, consultation, [0])
    rows = [(c.at, c.length) for c in chain.checkpoints_of(poll.id)]
    # One per window that saw a ballot after others, at the window's start: 10:10 (2), 10:40 (5).
    assert rows == [(start + timedelta(minutes=10), 2), (start + timedelta(minutes=40), 5)]
    ballots = _ballots(poll)
    assert [c.head for c in chain.checkpoints_of(poll.id)] == [ballots[1].record_hash, ballots[4].record_hash]
    assert exports.verification(poll).ok


def test_checkpoints_cannot_be_changed_or_removed_through_the_orm(app: Flask) -> None:
    poll = _closed_poll(1)
    checkpoint = db.session.scalar(select(PollCheckpoint).where(PollCheckpoint.poll_id == poll.id))
    assert checkpoint is not None and checkpoint.length == 1
    checkpoint.length = 0
    with pytest.raises(CheckpointChanged):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(PollCheckpoint, checkpoint.id))
    with pytest.raises(CheckpointChanged):
        db.session.commit()
    db.session.rollback()


# --- the audit page and the receipt look-up -------------------------------------------------------


def test_the_audit_page_says_what_it_checked_and_shows_the_key(client: FlaskClient) -> None:
    poll = _closed_poll(3)
    status, page = _audit(client, poll)
    assert status == 200 and "Every check passed" in page
    for said in (
        "Passed: Each of the 3 records matches its fingerprint",
        "Passed: Each record points to the one before it, numbered from 1 to 3",
        "Passed: Each record is signed by the server",
        "Passed: Each receipt code is the one its record",
        "Passed: The signed head of the chain counts 3 records",
        "Passed: Counting the 3 ballots that count again gives the published result",
    ):
        assert said in page
    assert chain.public_key_hex() in page


def test_a_receipt_is_found_with_its_ballot_in_words(client: FlaskClient) -> None:
    poll = _closed_poll(3)
    ballot = _ballots(poll)[1]
    typed = ballot.receipt.lower().replace("-", " ")
    status, page = _audit(client, poll, f"?receipt={typed}")
    assert status == 200
    assert f"Found: your ballot {ballot.receipt} was counted" in page
    labels = [o.label_en for o in poll.options]
    first, second = json.loads(ballot.choice)
    assert f"1 — {labels[first]}" in page and f"2 — {labels[second]}" in page


def test_a_replaced_ballot_is_said_replaced(client: FlaskClient) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    voter = make_user()
    first = cast(voter, poll, consultation, [0], nonce="one")
    cast(voter, poll, consultation, [1], nonce="two")
    poll.closes_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    status, page = _audit(client, poll, f"?receipt={first.code}")
    assert status == 200 and "was replaced by a later ballot of the same voter" in page


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("AAAA-AAAA-AAAA-AAAA", "No ballot of this poll has the code AAAA-AAAA-AAAA-AAAA"),
        ("aaaa aaaa aaaa aaa0", "No ballot of this poll has the code AAAA-AAAA-AAAA-AAAO"),
        ("hello", "This is not a receipt code"),
        ("", "This is not a receipt code"),
        ("\x00" * 300, "This is not a receipt code"),
    ],
)
def test_a_wrong_or_malformed_code_gets_a_clear_answer(client: FlaskClient, typed: str, said: str) -> None:
    poll = _closed_poll(2)
    status, page = _audit(client, poll, "?" + urlencode({"receipt": typed}))
    assert status == 200 and said in page
    if "No ballot" in said:
        assert "may mean that they were tampered with" in page


# --- the command ------------------------------------------------------------------------------------


def test_the_download_round_trips_through_the_command(
    app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poll = _closed_poll(5, allow_changes=True, method="stv", seats=2)
    status, out = _verify(poll, tmp_path, capsys, "--public-key", chain.public_key_hex().upper())
    assert status == 0 and "all checks passed" in out and "5 records, 5 that count" in out
    receipt = _ballots(poll)[2].receipt
    status, out = _verify(poll, tmp_path, capsys, "--receipt", receipt.lower())
    assert (
        status == 0
        and f"receipt {receipt}: poll-{poll.id}-audit.json, record 3, counted, choice [2,3]" in out
    )
    status, out = _verify(poll, tmp_path, capsys, "--receipt", "AAAA-AAAA-AAAA-AAAA")
    assert status == 1 and "NOT FOUND" in out
    status, out = _verify(poll, tmp_path, capsys, "--public-key", "ab" * 32)
    assert status == 1 and "signed with another key than the one given" in out


def test_the_command_refuses_what_is_not_an_audit_download(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "something else"}')
    assert command(["verify", str(path)]) == 1
    assert "not a civic-poll-audit/1 download" in capsys.readouterr().err
    path.write_text("not json")
    with pytest.raises(SystemExit) as raised:
        command(["verify", str(path)])
    assert raised.value.code == 2


def test_the_command_loads_neither_flask_nor_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "poll-1-audit.json"
    path.write_text("{}")
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['python -m civic.voting', 'verify', {str(path)!r}]\n"
        "try:\n    runpy.run_module('civic.voting', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'flask_babel'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr
