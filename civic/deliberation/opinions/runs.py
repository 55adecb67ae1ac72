"""Run a map's analysis and keep its result: one process at a time per map, the last result kept on failure.

A run claims the map's analysis row with one atomic UPDATE (claimed_at set where it was empty or
stale), so with several server processes each map is analysed by one of them at a time. The votes are
read, the pure library analyses them (in a native thread under eventlet, so the process keeps serving
meanwhile), and the result is stored with its time. A failed run records its error and keeps the last
result: the page then says when that result was computed, never shows a blank report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from civic import realtime
from civic.deliberation.opinions.analysis import State, VoteMatrix, analyse
from civic.deliberation.opinions.models import OpinionAnalysis, OpinionMap, OpinionVote, Statement
from civic.extensions import db
from civic.timestamps import utcnow

log = logging.getLogger(__name__)
NAMESPACE = "/opinions"
# A claim older than this belongs to a process that died mid-run: another may take it.
STALE_CLAIM = timedelta(minutes=10)


def room(map_id: int) -> str:
    return realtime.room("opinions", map_id)


def needs_run(opinion_map: OpinionMap) -> bool:
    """Tell whether votes, statements or moderation changed since the last run read them."""
    analysis = opinion_map.analysis
    return analysis is None or analysis.input_at is None or opinion_map.changed_at > analysis.input_at


def _claim(map_id: int, now: datetime) -> bool:
    if db.session.get(OpinionAnalysis, map_id) is None:
        db.session.add(OpinionAnalysis(map_id=map_id))
        try:
            db.session.commit()
        except IntegrityError:  # another process made it meanwhile
            db.session.rollback()
    claimed = db.session.execute(
        update(OpinionAnalysis)
        .where(
            OpinionAnalysis.map_id == map_id,
            or_(OpinionAnalysis.claimed_at.is_(None), OpinionAnalysis.claimed_at < now - STALE_CLAIM),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(getattr(claimed, "rowcount", 0))


def _matrix(opinion_map: OpinionMap) -> tuple[VoteMatrix, list[int]]:
    statements = db.session.execute(
        select(Statement.id, Statement.hidden).where(Statement.map_id == opinion_map.id)
    ).all()
    rows = db.session.execute(
        select(OpinionVote.participant_id, OpinionVote.statement_id, OpinionVote.value).where(
            OpinionVote.map_id == opinion_map.id
        )
    ).all()
    votes = np.array(rows, dtype=np.int64).reshape(-1, 3)
    matrix = VoteMatrix.from_arrays(votes[:, 0], votes[:, 1], votes[:, 2], [s.id for s in statements])
    return matrix, [s.id for s in statements if s.hidden]


def _compute(matrix: VoteMatrix, hidden: list[int], state: State | None) -> dict[str, Any]:
    result = analyse(matrix, excluded=hidden, previous=state)
    return {"result": result.to_json(), "state": result.state.to_json()}


def _in_native_thread(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run CPU-bound work off the event loop under eventlet (numpy releases the GIL); directly otherwise."""
    if current_app.config.get("SOCKETIO_ASYNC_MODE") == "eventlet":
        from eventlet import tpool

        return tpool.execute(function, *args)
    return function(*args)


DONE, BUSY, FAILED, GONE = "done", "busy", "failed", "gone"


def run_analysis(map_id: int, now: datetime | None = None) -> str:
    """Analyse a map now unless another process is: DONE (stored), BUSY (claimed elsewhere), FAILED, GONE."""
    now = now or utcnow()
    if db.session.get(OpinionMap, map_id) is None:
        return GONE
    if not _claim(map_id, now):
        return BUSY
    try:
        opinion_map = db.session.get(OpinionMap, map_id)
        if opinion_map is None:
            return GONE
        input_at = opinion_map.changed_at
        matrix, hidden = _matrix(opinion_map)
        analysis = db.session.get(OpinionAnalysis, map_id)
        state = State.from_json(analysis.state) if analysis is not None and analysis.state else None
        computed = _in_native_thread(_compute, matrix, hidden, state)
        db.session.execute(
            update(OpinionAnalysis)
            .where(OpinionAnalysis.map_id == map_id)
            .values(
                result=computed["result"],
                state=computed["state"],
                computed_at=utcnow(),
                input_at=input_at,
                claimed_at=None,
                failed_at=None,
                error="",
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception as error:  # keep the last result; say when and why this run failed
        log.exception("analysis of opinion map %s failed", map_id)
        db.session.rollback()
        db.session.execute(
            update(OpinionAnalysis)
            .where(OpinionAnalysis.map_id == map_id)
            .values(claimed_at=None, failed_at=utcnow(), error=f"{type(error).__name__}: {error}"[:300])
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return FAILED
    db.session.expire_all()
    realtime.publish("opinions.updated", {"map": map_id}, to=room(map_id), namespace=NAMESPACE)
    return DONE
