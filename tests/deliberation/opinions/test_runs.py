"""The background analysis: a result stored with its time, one run per map at a time, the last result kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from civic.deliberation.moderation import services as moderation
from civic.deliberation.opinions import queries, runner, runs, services
from civic.deliberation.opinions.models import OpinionAnalysis
from civic.extensions import db
from civic.timestamps import utcnow
from tests.deliberation.opinions.factories import make_map, planted_groups, statements_of
from tests.factories import make_user


def test_a_run_stores_groups_and_consensus_with_its_time(app: Any) -> None:
    opinion_map = make_map()
    groups = planted_groups(opinion_map, (8, 8))
    assert runs.needs_run(opinion_map)
    assert runs.run_analysis(opinion_map.id) == runs.DONE
    db.session.refresh(opinion_map)
    assert not runs.needs_run(opinion_map)
    report = queries.results(opinion_map, groups[0][0])
    assert report.computed_at is not None and len(report.groups) == 2
    assert sorted(g.size for g in report.groups) == [8, 8]
    assert report.consensus[0].statement.number == 0
    assert report.my_group is not None
    assert queries.results(opinion_map, groups[1][0]).my_group not in (None, report.my_group)


def test_a_failed_run_keeps_the_last_result_and_says_so(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    opinion_map = make_map()
    planted_groups(opinion_map, (8, 8))
    runs.run_analysis(opinion_map.id)
    db.session.refresh(opinion_map)
    kept = dict(opinion_map.analysis.result)
    computed_at = opinion_map.analysis.computed_at
    services.vote(make_user(), opinion_map, statements_of(opinion_map)[1].id, 1)

    def broken(*_args: Any) -> dict[str, Any]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(runs, "_compute", broken)
    assert runs.run_analysis(opinion_map.id) == runs.FAILED
    db.session.expire_all()
    analysis = db.session.get(OpinionAnalysis, opinion_map.id)
    assert analysis.result == kept and analysis.computed_at == computed_at
    assert analysis.failed_at is not None and analysis.error == "MemoryError: out of memory"
    assert analysis.claimed_at is None  # the next run may start
    assert runs.needs_run(analysis.map)


def test_a_map_another_process_is_analysing_is_left_to_it(app: Any) -> None:
    opinion_map = make_map()
    planted_groups(opinion_map, (8, 8))
    db.session.add(OpinionAnalysis(map_id=opinion_map.id, claimed_at=utcnow()))
    db.session.commit()
    assert runs.run_analysis(opinion_map.id) == runs.BUSY
    db.session.expire_all()
    assert db.session.get(OpinionAnalysis, opinion_map.id).result is None
    # A claim left by a process that died mid-run is taken over once stale.
    assert (
        runs.run_analysis(opinion_map.id, now=utcnow() + runs.STALE_CLAIM + timedelta(seconds=1)) == runs.DONE
    )


def test_a_hidden_statement_leaves_the_analysis_and_the_voting(app: Any) -> None:
    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    planted_groups(opinion_map, (8, 8))
    runs.run_analysis(opinion_map.id)
    consensus = statements_of(opinion_map)[0]
    db.session.refresh(opinion_map)
    assert queries.results(opinion_map, None).consensus[0].statement.id == consensus.id
    moderation.hide(moderator, opinion_map.consultation, "statement", consensus.id, "Hors sujet")
    db.session.refresh(opinion_map)
    assert runs.needs_run(opinion_map)
    runs.run_analysis(opinion_map.id)
    db.session.refresh(opinion_map)
    report = queries.results(opinion_map, None)
    assert consensus.id not in [r.statement.id for r in report.consensus + report.divisive]
    statement = {s["id"]: s for s in opinion_map.analysis.result["statements"]}[consensus.id]
    assert statement["included"] is False
    newcomer = make_user()
    for _ in range(len(statements_of(opinion_map))):
        shown, _progress = services.next_statement(opinion_map, newcomer)
        if shown is None:
            break
        assert shown.id != consensus.id
        services.vote(newcomer, opinion_map, shown.id, 0)


def test_statements_are_flagged_and_logged_through_moderation(app: Any) -> None:
    from civic.deliberation.moderation.models import ModerationAction

    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    opinion_map.consultation.flag_threshold = 2
    db.session.commit()
    statement = services.add_statement(make_user(), opinion_map, "Une publicité")
    moderation.flag(make_user(), "statement", statement.id, "spam")
    moderation.flag(make_user(), "statement", statement.id, "spam")
    db.session.refresh(statement)
    assert statement.hidden
    assert [(a.action, a.kind) for a in ModerationAction.query.all()] == [("auto-hide", "statement")]
    moderation.restore(moderator, opinion_map.consultation, "statement", statement.id)
    db.session.refresh(statement)
    assert not statement.hidden


def test_the_runner_is_off_in_tests_and_schedules_once_per_map(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    monkeypatch.setattr(
        runner.socketio, "start_background_task", lambda _f, _app, map_id: started.append(map_id)
    )
    runner.schedule(1)
    assert started == []
    app.config["OPINIONS_BACKGROUND"] = True
    try:
        runner.schedule(1)
        runner.schedule(1)
        runner.schedule(2)
    finally:
        app.config["OPINIONS_BACKGROUND"] = False
        app.extensions.pop("opinions_runner", None)
    assert started == [1, 2]
