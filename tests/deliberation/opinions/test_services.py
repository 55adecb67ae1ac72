"""Opinion-map services: statements, votes (the last counts), the next statement, bad input writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from civic.deliberation.opinions import services
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Participant, Statement
from civic.errors import Conflict, Forbidden, Invalid
from civic.extensions import db
from tests.deliberation.opinions.factories import make_map, opinions_consultation, statements_of
from tests.factories import make_user


def _votes() -> int:
    return db.session.scalar(select(func.count()).select_from(OpinionVote)) or 0


def test_a_map_opens_with_its_starting_statements(app: Any) -> None:
    opinion_map = make_map()
    numbers = [(s.number, s.seed) for s in statements_of(opinion_map)]
    assert numbers == [(i, True) for i in range(8)]


def test_only_moderators_open_a_map(app: Any) -> None:
    consultation = opinions_consultation()
    with pytest.raises(Forbidden):
        services.create_map(make_user(), consultation, "Question ?", "", True, [])
    assert OpinionMap.query.count() == 0


@pytest.mark.parametrize(
    ("fr", "en", "seeds"),
    [
        ("", "", []),
        ("\u200b\u200b", "", []),
        ("x" * 301, "", []),
        ("Question ?", "", ["y" * 281]),
        ("Q ?", "", ["ok", "\u2800"]),
    ],
)
def test_a_bad_question_or_statement_opens_nothing(app: Any, fr: str, en: str, seeds: list[str]) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    with pytest.raises(Invalid):
        services.create_map(moderator, consultation, fr, en, True, seeds)
    db.session.rollback()
    assert OpinionMap.query.count() == 0 and Statement.query.count() == 0


def test_voting_twice_keeps_the_last_vote_and_the_counts_follow(app: Any) -> None:
    opinion_map = make_map()
    person = make_user()
    first = statements_of(opinion_map)[0]
    services.vote(person, opinion_map, first.id, 1)
    services.vote(person, opinion_map, first.id, -1, important=True)
    db.session.refresh(first)
    assert (first.agree_count, first.disagree_count, first.pass_count, first.important_count) == (0, 1, 0, 1)
    assert [v.value for v in OpinionVote.query.all()] == [-1]
    services.vote(person, opinion_map, first.id, 0)
    db.session.refresh(first)
    db.session.refresh(opinion_map)
    assert (first.agree_count, first.disagree_count, first.pass_count, first.important_count) == (0, 0, 1, 0)
    assert (opinion_map.vote_count, opinion_map.participant_count) == (1, 1)


def test_a_vote_on_a_statement_of_another_map_is_refused(app: Any) -> None:
    opinion_map, other = make_map(), make_map()
    person = make_user()
    with pytest.raises(Invalid, match="appartient pas|not part of this opinion map"):
        services.vote(person, opinion_map, statements_of(other)[0].id, 1)
    with pytest.raises(Invalid):
        services.vote(person, opinion_map, None, 1)
    with pytest.raises(Invalid):
        services.vote(person, opinion_map, 2**62, 1)
    db.session.rollback()
    assert _votes() == 0 and Participant.query.count() == 0


def test_a_vote_on_a_hidden_statement_is_refused(app: Any) -> None:
    opinion_map = make_map()
    hidden = statements_of(opinion_map)[0]
    hidden.hidden, hidden.hidden_reason = True, "Hors sujet"
    db.session.commit()
    with pytest.raises(Conflict, match="masqué|hidden"):
        services.vote(make_user(), opinion_map, hidden.id, 1)
    db.session.rollback()
    assert _votes() == 0


@pytest.mark.parametrize("value", [2, -2, None, 7])
def test_a_vote_must_be_agree_disagree_or_pass(app: Any, value: Any) -> None:
    opinion_map = make_map()
    with pytest.raises(Invalid):
        services.vote(make_user(), opinion_map, statements_of(opinion_map)[0].id, value)
    db.session.rollback()
    assert _votes() == 0


def test_no_vote_without_signing_in_nor_on_a_closed_map(app: Any) -> None:
    opinion_map = make_map()
    statement = statements_of(opinion_map)[0]
    with pytest.raises(Forbidden):
        services.vote(None, opinion_map, statement.id, 1)
    opinion_map.status = OpinionMap.CLOSED
    db.session.commit()
    with pytest.raises(services.MapClosed):
        services.vote(make_user(), opinion_map, statement.id, 1)
    assert _votes() == 0


def test_a_statement_is_added_on_one_line_and_its_author_agrees(app: Any) -> None:
    opinion_map = make_map()
    author = make_user()
    statement = services.add_statement(author, opinion_map, "  Des bornes\n\nde recharge  ")
    assert statement.body == "Des bornes de recharge" and statement.number == 8 and not statement.seed
    assert [(v.statement_id, v.value) for v in OpinionVote.query.all()] == [(statement.id, 1)]


@pytest.mark.parametrize("body", ["", "   ", "\u200b\u2060", "x" * 281])
def test_a_bad_statement_writes_nothing(app: Any, body: str) -> None:
    opinion_map = make_map()
    before = Statement.query.count()
    with pytest.raises(Invalid):
        services.add_statement(make_user(), opinion_map, body)
    db.session.rollback()
    assert Statement.query.count() == before and _votes() == 0 and Participant.query.count() == 0


def test_a_statement_at_the_limit_is_accepted(app: Any) -> None:
    assert len(services.add_statement(make_user(), make_map(), "é" * 280).body) == 280


def test_when_statements_are_for_moderators_only(app: Any) -> None:
    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    opinion_map.allow_statements = False
    db.session.commit()
    with pytest.raises(Forbidden):
        services.add_statement(make_user(), opinion_map, "Une idée")
    assert services.add_statement(moderator, opinion_map, "Une idée").seed


def test_the_next_statement_skips_those_voted_and_hidden_and_shows_progress(app: Any) -> None:
    opinion_map = make_map(statements=["Un", "Deux", "Trois"])
    person = make_user()
    one, two, three = statements_of(opinion_map)
    two.hidden = True
    db.session.commit()
    seen = set()
    for expected_voted in range(3):
        statement, progress = services.next_statement(opinion_map, person)
        if statement is None:
            break
        assert progress.voted == expected_voted and progress.total == 2
        assert statement.id != two.id and statement.id not in seen
        seen.add(statement.id)
        services.vote(person, opinion_map, statement.id, 0)
    assert seen == {one.id, three.id}
    statement, progress = services.next_statement(opinion_map, person)
    assert statement is None and (progress.voted, progress.total, progress.remaining) == (2, 2, 0)


def test_the_next_statement_is_the_same_on_reload(app: Any) -> None:
    opinion_map = make_map()
    person = make_user()
    assert services.next_statement(opinion_map, person)[0] == services.next_statement(opinion_map, person)[0]


def test_new_statements_come_before_much_passed_ones(app: Any) -> None:
    """Pol.is's priority: a statement nobody saw is boosted; one most people passed on sinks."""
    assert services._priority(0, 0, 0, 0.0) > services._priority(5, 40, 50, 0.0)
    assert services._priority(40, 2, 50, 0.0) > services._priority(5, 40, 50, 0.0)
    assert services._priority(20, 2, 30, 2.0) > services._priority(20, 2, 30, 0.0)


def test_settings_close_and_reopen(app: Any) -> None:
    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    services.change_settings(moderator, opinion_map, "closed", False)
    assert (opinion_map.status, opinion_map.allow_statements) == ("closed", False)
    with pytest.raises(Invalid):
        services.change_settings(moderator, opinion_map, "sideways", True)
    with pytest.raises(Forbidden):
        services.change_settings(make_user(), opinion_map, "open", True)
