"""Quick polls: definitions, opening and closing, one answer each, results hidden until close, shows of
hands, and every kind counted (the counting library for consent rounds and methods)."""

from __future__ import annotations

import json

import pytest

from civic.deliberation.live import quickpolls, state
from civic.deliberation.live.changes import SessionEnded
from civic.deliberation.live.models import LiveSession, QuickAnswer, QuickPoll
from civic.deliberation.live.quickpolls import PollClosed, PollData, PollInvalid
from civic.errors import Conflict, Invalid, NotFound
from civic.extensions import db
from tests.deliberation.live.factories import live_consultation, make_session, people
from tests.factories import make_user


def _setup() -> tuple[LiveSession, list]:  # type: ignore[type-arg]
    moderator = make_user(name="Modératrice")
    return make_session(live_consultation(moderators=[moderator]), moderator), [moderator, *people(5)]


def _answers(poll: QuickPoll) -> int:
    return len(db.session.scalars(db.select(QuickAnswer).where(QuickAnswer.poll_id == poll.id)).all())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (PollData(kind="yes-no"), "question_fr"),
        (PollData(kind="maybe", question_fr="Q"), "kind"),
        (PollData(kind="choice", question_fr="Q", options_fr="Seule"), "options_fr"),
        (PollData(kind="choice", question_fr="Q", options_fr="\n".join("abcdefghijk")), "options_fr"),
        (PollData(kind="choice", question_fr="Q", options_fr="A\nB", options_en="A"), "options_en"),
        (PollData(kind="method", method="dictator", question_fr="Q", options_fr="A\nB"), "method"),
        (
            PollData(kind="method", method="score", question_fr="Q", options_fr="A\nB", max_score=11),
            "max_score",
        ),
        (PollData(kind="yes-no", question_fr="Q" * 301), "question_fr"),
    ],
)
def test_bad_definitions_are_refused_field_by_field(app: object, data: PollData, field: str) -> None:
    session, (moderator, *_rest) = _setup()
    with pytest.raises(PollInvalid) as refused:
        quickpolls.create_poll(moderator, session, data)
    assert field in refused.value.errors
    assert db.session.scalar(db.select(db.func.count(QuickPoll.id))) == 0


def test_results_are_hidden_until_the_poll_closes(app: object) -> None:
    session, (moderator, a, b, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(question_fr="D'accord ?"))
    quickpolls.answer(a, session, poll.id, 0)
    shown = state.public_state(session)["poll"]
    assert shown["id"] == poll.id and shown["state"] == "open" and shown["result"] is None
    assert "counts" not in json.dumps(shown)
    quickpolls.answer(b, session, poll.id, "1")
    quickpolls.close_poll(moderator, session, poll.id)
    result = state.public_state(session)["poll"]["result"]
    assert result["counts"] == [1, 1, 0] and result["outcome"] == "tie" and result["hands"] is None


def test_one_answer_per_person_and_none_once_closed(app: object) -> None:
    session, (moderator, a, b, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(question_fr="D'accord ?"))
    quickpolls.answer(a, session, poll.id, 0)
    with pytest.raises(Conflict, match="already answered"):
        quickpolls.answer(a, session, poll.id, 1)
    quickpolls.close_poll(moderator, session, poll.id)
    with pytest.raises(PollClosed, match="closed"):
        quickpolls.answer(b, session, poll.id, 0)
    assert _answers(poll) == 1


def test_a_prepared_poll_takes_no_answer_until_opened(app: object) -> None:
    session, (moderator, a, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(question_fr="Plus tard ?", open_now=False))
    with pytest.raises(PollClosed, match="not open yet"):
        quickpolls.answer(a, session, poll.id, 0)
    assert state.public_state(session)["poll"] is None
    quickpolls.open_poll(moderator, session, poll.id)
    quickpolls.answer(a, session, poll.id, 0)
    with pytest.raises(Conflict, match="already been opened"):
        quickpolls.open_poll(moderator, session, poll.id)


def test_one_poll_open_at_a_time(app: object) -> None:
    session, (moderator, *_rest) = _setup()
    quickpolls.create_poll(moderator, session, PollData(question_fr="Une ?"))
    with pytest.raises(Conflict, match="Another poll is open"):
        quickpolls.create_poll(moderator, session, PollData(question_fr="Deux ?"))
    assert db.session.scalar(db.select(db.func.count(QuickPoll.id))) == 1


@pytest.mark.parametrize(
    ("kind", "options", "bad"),
    [
        ("yes-no", "", [3, -1, "x", True, None, [0], 1.5]),
        ("choice", "A\nB\nC", [3, "3", [1]]),
        ("method", "A\nB\nC", [[0, 0], [5], [], "0", [True], list(range(4))]),
    ],
)
def test_answers_that_do_not_fit_are_refused(app: object, kind: str, options: str, bad: list) -> None:  # type: ignore[type-arg]
    session, (moderator, a, *_rest) = _setup()
    data = PollData(kind=kind, method="irv" if kind == "method" else "", question_fr="Q", options_fr=options)
    poll = quickpolls.create_poll(moderator, session, data)
    for choice in bad:
        with pytest.raises(Invalid):
            quickpolls.answer(a, session, poll.id, choice)
    assert _answers(poll) == 0


def test_a_show_of_hands_adds_to_the_answers_and_is_marked(app: object) -> None:
    session, (moderator, a, b, c, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(kind="consent", question_fr="Adopter ?"))
    for person, choice in ((a, 0), (b, 0), (c, 1)):
        quickpolls.answer(person, session, poll.id, choice)
    quickpolls.enter_tally(moderator, session, poll.id, [5, 0, 1, 0])
    quickpolls.close_poll(moderator, session, poll.id)
    result = state.public_state(session)["poll"]["result"]
    assert result["counts"] == [2, 1, 0, 0]
    assert result["hands"] == [5, 0, 1, 0]
    assert result["totals"] == [7, 1, 1, 0]
    assert result["outcome"] == "passes"
    # A block counted in the room after the close: the result is counted again.
    quickpolls.enter_tally(moderator, session, poll.id, [5, 0, 1, 1])
    assert state.public_state(session)["poll"]["result"]["outcome"] == "blocked"


def test_bad_tallies_are_refused(app: object) -> None:
    session, (moderator, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(question_fr="Q"))
    for counts in ([1, 2], [1, 2, 3, 4], [1, -2, 3], [1, 2, 100_001]):
        with pytest.raises(Invalid):
            quickpolls.enter_tally(moderator, session, poll.id, counts)
    ranked = quickpolls.create_poll(
        moderator,
        session,
        PollData(kind="method", method="schulze", question_fr="R", options_fr="A\nB", open_now=False),
    )
    with pytest.raises(Invalid, match="yes-no"):
        quickpolls.enter_tally(moderator, session, ranked.id, [1, 2])
    db.session.refresh(poll)
    assert poll.tally_json is None


def test_a_choice_names_the_leading_options(app: object) -> None:
    session, (moderator, a, b, c, *_rest) = _setup()
    poll = quickpolls.create_poll(
        moderator, session, PollData(kind="choice", question_fr="Où ?", options_fr="Ici\nLà\nAilleurs")
    )
    for person, choice in ((a, 0), (b, 1), (c, 1)):
        quickpolls.answer(person, session, poll.id, choice)
    quickpolls.close_poll(moderator, session, poll.id)
    assert state.public_state(session)["poll"]["result"]["leading"] == [1]


@pytest.mark.parametrize(
    ("method", "ballots", "winners"),
    [
        ("irv", [[0, 1], [1, 0], [1, 2], [2, 0], [0, 2]], [0]),
        ("schulze", [[2, 0, 1], [2, 1, 0], [0, 2, 1], [1, 2, 0], [0, 1, 2]], [2]),
        ("approval", [[1, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], [1]),
        ("score", [[5, 0, 1], [4, 5, 2], [3, 3, 3], [1, 0, 5], [2, 1, 0]], [0]),
    ],
)
def test_methods_of_the_counting_library(app: object, method: str, ballots: list, winners: list) -> None:  # type: ignore[type-arg]
    session, (moderator, *voters) = _setup()
    poll = quickpolls.create_poll(
        moderator,
        session,
        PollData(kind="method", method=method, question_fr="Laquelle ?", options_fr="A\nB\nC"),
    )
    for person, ballot in zip(voters, ballots, strict=True):
        quickpolls.answer(person, session, poll.id, ballot)
    quickpolls.close_poll(moderator, session, poll.id)
    result = state.public_state(session)["poll"]["result"]
    assert result["answers"] == 5 and result["winners"] == winners


def test_ending_the_session_closes_and_counts_the_open_poll(app: object) -> None:
    from civic.deliberation.live import sessions

    session, (moderator, a, b, *_rest) = _setup()
    poll = quickpolls.create_poll(moderator, session, PollData(question_fr="Q"))
    quickpolls.answer(a, session, poll.id, 1)
    sessions.end_session(moderator, session)
    db.session.refresh(poll)
    assert poll.state == QuickPoll.CLOSED and poll.result is not None and poll.result["counts"] == [0, 1, 0]
    with pytest.raises(SessionEnded):
        quickpolls.answer(b, session, poll.id, 0)


def test_polls_of_another_session_are_not_found(app: object) -> None:
    session, (moderator, a, *_rest) = _setup()
    other = make_session(session.consultation, moderator, title="Autre")
    theirs = quickpolls.create_poll(moderator, other, PollData(question_fr="Ailleurs ?"))
    with pytest.raises(NotFound):
        quickpolls.answer(a, session, theirs.id, 0)
    with pytest.raises(NotFound):
        quickpolls.close_poll(moderator, session, theirs.id)
    assert _answers(theirs) == 0
