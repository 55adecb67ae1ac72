"""Serving a consultation's package: made again when something in it closed since, and every day."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from civic.coalitions.models import Position
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.opendata import package
from civic.timestamps import utcnow
from civic.voting.models import Poll


def _folder() -> Path:
    folder = Path(current_app.config["OPENDATA_FOLDER"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _last_closed(consultation: Consultation, now: datetime) -> datetime | None:
    """The last time something in the package closed: a poll, or a position's endorsement period."""
    moments = [
        db.session.scalar(select(func.max(Poll.closed_at)).where(Poll.consultation_id == consultation.id)),
        db.session.scalar(
            select(func.max(Position.closes_at)).where(
                Position.consultation_id == consultation.id, Position.closes_at <= now
            )
        ),
    ]
    return max((m for m in moments if m is not None), default=None)


def package_of(consultation: Consultation, now: datetime | None = None) -> tuple[bytes, datetime]:
    """The consultation's package and when it was made: the stored one if still current, else a new one."""
    now = now or utcnow()
    path = _path(consultation)
    if path.exists():
        made = _made(path)
        closed = _last_closed(consultation, now)
        max_age = timedelta(hours=current_app.config["OPENDATA_MAX_AGE_HOURS"])
        if now - made < max_age and (closed is None or closed < made):
            return path.read_bytes(), made
    started = utcnow()  # what closed before this is in the package: its time is this, not the file's
    data = package.build(consultation)
    store(consultation, data, started)
    return data, started


def _made(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _path(consultation: Consultation) -> Path:
    return _folder() / f"{consultation.id}-{consultation.slug}.zip"


def store(consultation: Consultation, data: bytes, started: datetime) -> None:
    """Keep a package as the consultation's current one, made from what the database held at `started`.

    The file's time is set to `started`: a poll that closed while the package was being built (or a
    moment before the write, which a file system's coarse clock may date later) makes it stale.
    """
    path = _path(consultation)
    # Written beside and renamed: a reader never sees half a file, and two processes may race harmlessly.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as output:
        output.write(data)
    moment = started.timestamp()
    os.utime(temporary, (moment, moment))
    os.replace(temporary, path)


def etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]
