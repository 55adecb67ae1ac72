"""Poll services: reading ballots, casting, changing, closing and counting once, published files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from civic.errors import Conflict, Forbidden, Invalid
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import ballots, closing, exports, kinds, services
from civic.voting import errors as voting_errors
from civic.voting.models import Ballot, Participation, Poll
from tests.factories import make_consultation, make_organisation, make_user
from tests.voting.factories import cast, make_poll

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def english(app: Flask) -> Iterator[None]:
    """Messages in English, so tests read them as the code writes them."""
    with force_locale("en"):
        yield


def _ballots(poll: Poll) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id)) or 0


def _participations(poll: Poll) -> int:
    query = select(func.count()).select_from(Participation).where(Participation.poll_id == poll.id)
    return db.session.scalar(query) or 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"rank-0": "1", "rank-1": "1"}, "Rank 1 is given to more than one option"),
        ({"rank-0": "1", "rank-1": "3"}, "Rank 2 is missing"),
        ({}, "Rank at least one option"),
        ({"rank-0": "9"}, "Choose a rank between 1 and 4"),
        ({"rank-0": "-1"}, "Choose a rank between 1 and 4"),
        ({"rank-0": "un"}, "Choose a rank between 1 and 4"),
        ({"rank-0": "1", "rank-7": "2"}, "names an option that is not in the poll"),
    ],
)
def test_bad_ranked_ballots_are_refused_with_a_message(
    app: Flask, form: dict[str, str], message: str
) -> None:
    poll = make_poll(make_consultation())
    with pytest.raises(voting_errors.BallotInvalid) as raised:
        ballots.read_ballot(poll, form)
    texts = [*raised.value.general, *raised.value.fields.values()]
    assert any(message in text for text in texts), texts


def test_ranked_ballot_reads_in_rank_order(app: Flask) -> None:
    poll = make_poll(make_consultation())
    assert ballots.read_ballot(poll, {"rank-2": "1", "rank-0": "2", "rank-3": ""}) == [2, 0]


@pytest.mark.parametrize(
    ("method", "form", "expected"),
    [
        ("score", {"score-0": "5", "score-1": "0"}, [5, 0, None, None]),
        ("star", {"score-3": "4"}, [None, None, None, 4]),
        ("approval", {"approve-1": "1"}, [0, 1, 0, 0]),
        ("consent", {"response-0": "agree", "response-2": "block"}, ["agree", None, "block", None]),
    ],
)
def test_other_ballots_read(app: Flask, method: str, form: dict[str, str], expected: list[object]) -> None:
    poll = make_poll(make_consultation(), method=method)
    assert ballots.read_ballot(poll, form) == expected


@pytest.mark.parametrize(
    ("method", "form"),
    [
        ("score", {"score-0": "6"}),
        ("score", {"score-0": "-1"}),
        ("score", {}),
        ("majority-judgment", {"score-0": "6"}),
        ("approval", {"approve-0": "2"}),
        ("consent", {"response-0": "maybe"}),
        ("consent", {}),
    ],
)
def test_out_of_range_or_empty_ballots_are_refused(app: Flask, method: str, form: dict[str, str]) -> None:
    poll = make_poll(make_consultation(), method=method)
    with pytest.raises(voting_errors.BallotInvalid):
        ballots.read_ballot(poll, form)


def test_casting_writes_participation_and_ballot_and_returns_a_receipt(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    receipt = cast(make_user(), poll, consultation, [1, 0])
    assert _ballots(poll) == 1 and _participations(poll) == 1
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.receipt == receipt.code and ballot.choice == "[1,0]"
    assert len(receipt.code) == 19 and receipt.code.count("-") == 3
    db.session.refresh(poll)
    assert poll.head_hash == receipt.record_hash and poll.voter_count == 1


def test_hand_built_bad_choice_is_refused_by_the_service(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    for choice in ([0, 0], [9], ["a"], [True], []):
        with pytest.raises(Invalid):
            cast(make_user(), poll, consultation, choice)  # type: ignore[arg-type]
    assert _ballots(poll) == 0 and _participations(poll) == 0


def test_a_second_ballot_is_refused_when_changes_are_not_allowed(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    user = make_user()
    cast(user, poll, consultation, [0])
    with pytest.raises(voting_errors.AlreadyVoted):
        cast(user, poll, consultation, [1])
    assert _ballots(poll) == 1


def test_a_changed_ballot_replaces_the_previous_one(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    user, other = make_user(), make_user()
    cast(user, poll, consultation, [0, 1], nonce="one")
    cast(other, poll, consultation, [2])
    cast(user, poll, consultation, [3], nonce="two")
    counted = ballots.counted_ballots(poll)
    assert sorted(b.choice for b in counted) == ["[2]", "[3]"]
    assert _ballots(poll) == 3 and _participations(poll) == 2
    assert exports.verification(poll).ok


def test_a_replayed_form_is_refused(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, allow_changes=True)
    user = make_user()
    cast(user, poll, consultation, [0], nonce="same")
    with pytest.raises(voting_errors.FormReplayed):
        cast(user, poll, consultation, [1], nonce="same")
    assert _ballots(poll) == 1


def test_casting_before_opening_or_after_closing_is_refused(app: Flask) -> None:
    consultation = make_consultation()
    early = make_poll(consultation, opens_in_days=1)
    late = make_poll(consultation, opens_in_days=-3, closes_in_days=-1)
    with pytest.raises(voting_errors.PollNotOpen):
        cast(make_user(), early, consultation, [0])
    with pytest.raises(voting_errors.PollClosed):
        cast(make_user(), late, consultation, [0])
    assert _ballots(early) == _ballots(late) == 0


def test_signed_out_and_ineligible_people_cannot_cast(app: Flask) -> None:
    consultation = make_consultation()
    organisation = make_organisation(representative=make_user())
    poll = make_poll(consultation, eligibility="organisations")
    poll.organisations = [organisation]
    db.session.commit()
    with pytest.raises(Forbidden):
        ballots.cast_ballot(None, poll, consultation, [0])
    with pytest.raises(voting_errors.NotEligible):
        cast(make_user(), poll, consultation, [0])
    assert _ballots(poll) == 0


def test_members_of_listed_organisations_and_invitees_can_cast(app: Flask) -> None:
    consultation = make_consultation()
    member, guest = make_user(), make_user()
    organisation = make_organisation(representative=member)
    by_org = make_poll(consultation, eligibility="organisations")
    by_org.organisations = [organisation]
    invited = make_poll(consultation, eligibility="invited")
    invited.invitees = [guest]
    db.session.commit()
    cast(member, by_org, consultation, [0])
    cast(guest, invited, consultation, [0])
    with pytest.raises(voting_errors.NotEligible):
        cast(member, invited, consultation, [0])


def test_closing_counts_once_and_stores_the_result(app: Flask) -> None:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method="stv", seats=2)
    for choice in ([0, 1], [0, 2], [1, 0], [2, 1], [3, 2]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    document = services.result_of(poll)
    assert document is not None and document["counted_ballots"] == 5
    assert exports.verification(poll).ok
    assert document["result"]["method"] == "stv" and len(document["result"]["winners"]) == 2
    first = poll.result_json
    with pytest.raises(voting_errors.PollClosed):
        closing.close_poll(moderator, consultation, poll)
    closing.count_if_due(poll)
    assert poll.result_json == first
    with pytest.raises(voting_errors.PollClosed):
        cast(make_user(), poll, consultation, [0])


def test_a_poll_past_its_closing_time_is_counted_when_shown(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation, method="approval")
    cast(make_user(), poll, consultation, [1, 0, 0, 1])
    poll.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    closing.count_if_due(poll)
    document = services.result_of(poll)
    assert document is not None and document["result"]["method"] == "approval"
    assert poll.eligible_count == 1


@pytest.mark.parametrize(
    "method", ["schulze", "ranked-pairs", "irv", "borda", "score", "star", "majority-judgment", "consent"]
)
def test_every_method_counts_and_publishes_files(app: Flask, method: str) -> None:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method=method)
    kind = kinds.kind_of(poll)
    samples = {
        "ranked": [[0, 1, 2], [1, 0], [2, 1, 0, 3]],
        "scores": [[5, 3, None, 0], [1, 4, 2, 2], [0, 5, 5, 1]],
        "consent": [["agree", "block", None, "abstain"], ["agree", "agree", "disagree", None]],
    }[kind]
    for choice in samples:
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    for fmt in exports.formats_of(poll):
        text, _mimetype, name = exports.ballot_file(poll, fmt)
        assert text and name.startswith(f"poll-{poll.id}")
    document = json.loads(exports.ballot_file(poll, "json")[0])
    assert document["result"]["ballots"]["cast"] == len(samples)


def test_blt_file_recounts_to_the_same_winners(app: Flask) -> None:
    from civic.voting.counting.formats.blt import read_blt
    from civic.voting.counting.registry import count
    from civic.voting.counting.rules import preset

    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method="stv", seats=2)
    for choice in ([0, 1], [0, 2], [1, 0], [2, 1], [3, 2], [3, 0], [0, 3]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    election = read_blt(exports.ballot_file(poll, "blt")[0])
    recount = count("stv", election, preset("default").with_seed(poll.seed), seats=2)
    document = services.result_of(poll)
    assert document is not None and recount.winners == document["result"]["winners"]


def test_results_are_not_published_before_closing(app: Flask) -> None:
    consultation = make_consultation()
    poll = make_poll(consultation)
    with pytest.raises(Conflict):
        exports.ballot_file(poll, "json")
