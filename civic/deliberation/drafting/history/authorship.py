"""Who wrote what: the current text cut into stretches by author, from every update row replayed.

The replay is kept per process (for the AUTHORSHIP_CACHE documents looked at last) and only the rows
after it are applied on the next look.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from civic.deliberation.drafting.history import attribution, versions
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document, DocumentUpdate
from civic.extensions import db

AUTHORSHIP_CACHE = 8  # documents whose who-wrote-what replay one process keeps


@dataclass
class _Authorship:
    created_at: datetime
    last_id: int
    replay: attribution.Replay
    lock: threading.Lock = field(default_factory=threading.Lock)


def _authorship_cache() -> OrderedDict[int, _Authorship]:
    cache: OrderedDict[int, _Authorship] = current_app.extensions.setdefault(
        "drafting_authorship", OrderedDict()
    )
    return cache


def authorship(document: Document) -> list[attribution.Run]:
    """The current text cut into stretches by author, from every update row replayed in order.

    The replay is kept per process and only the rows after it are applied on the next call; if the
    result ever differs from the stored text (a row that became visible late), it starts over.
    """
    text, _base = log_rows.current_text(document.id)
    cache = _authorship_cache()
    with versions.history_lock:
        entry = cache.get(document.id)
        if entry is None or entry.created_at != document.created_at:
            entry = _Authorship(document.created_at, 0, attribution.Replay(track_authors=True))
            cache[document.id] = entry
        cache.move_to_end(document.id)
        while len(cache) > AUTHORSHIP_CACHE:
            cache.popitem(last=False)
    with entry.lock:
        for attempt in range(2):
            rows = db.session.execute(
                select(DocumentUpdate.id, DocumentUpdate.data, DocumentUpdate.user_id)
                .where(DocumentUpdate.document_id == document.id, DocumentUpdate.id > entry.last_id)
                .order_by(DocumentUpdate.id)
            )
            for row_id, data, user_id in rows:
                entry.replay.apply(bytes(data), user_id)
                entry.last_id = row_id
            if entry.replay.text == text or attempt:
                break
            entry.replay, entry.last_id = attribution.Replay(track_authors=True), 0
        return entry.replay.runs()
