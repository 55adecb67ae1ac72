"""Background analysis in the serving process: at most one run per map every few seconds, never in a request.

After a vote or a statement, `schedule` starts (once per map) a background task that waits
OPINIONS_DEBOUNCE_SECONDS, runs the analysis, and runs again if more changes arrived meanwhile.
OPINIONS_BACKGROUND turns it off (tests call runs.run_analysis themselves).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from civic.extensions import db, socketio

log = logging.getLogger(__name__)


class _Schedule:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[int] = set()
        self.dirty: set[int] = set()


def schedule(map_id: int) -> None:
    """Make sure a run of this map will start within OPINIONS_DEBOUNCE_SECONDS (and not twice at once)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["OPINIONS_BACKGROUND"]:
        return
    plan: _Schedule = app.extensions.setdefault("opinions_runner", _Schedule())
    with plan.lock:
        plan.dirty.add(map_id)
        if map_id in plan.running:
            return
        plan.running.add(map_id)
    socketio.start_background_task(_run, app, map_id)


def _run(app: Flask, map_id: int) -> None:
    from civic.deliberation.opinions import runs
    from civic.deliberation.opinions.models import OpinionMap

    plan: _Schedule = app.extensions["opinions_runner"]
    delay = float(app.config["OPINIONS_DEBOUNCE_SECONDS"])
    try:
        while True:
            socketio.sleep(delay)
            with plan.lock:
                plan.dirty.discard(map_id)
            with app.app_context():
                try:
                    outcome = runs.run_analysis(map_id)
                    opinion_map = db.session.get(OpinionMap, map_id)
                    # Another process holding the claim, or changes during the run: go round again. A
                    # failed run waits for the next change (its error is on the results page).
                    again = (
                        outcome in (runs.DONE, runs.BUSY)
                        and opinion_map is not None
                        and runs.needs_run(opinion_map)
                    )
                except Exception:
                    log.exception("background analysis of opinion map %s failed", map_id)
                    again = False
                finally:
                    db.session.remove()
            with plan.lock:
                if not again and map_id not in plan.dirty:
                    plan.running.discard(map_id)
                    return
    except BaseException:
        with plan.lock:
            plan.running.discard(map_id)
        raise
