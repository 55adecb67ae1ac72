"""Test data builders for polls: a poll in a consultation, and ballots cast through the service."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import ballots, kinds
from civic.voting.models import Poll, PollOption

OPTIONS = ["Accès Internet", "Littératie numérique", "Services publics en ligne", "Logiciels libres"]


def make_poll(
    consultation: Consultation,
    method: str = "schulze",
    options: list[str] | None = None,
    opens_in_days: float = -1,
    closes_in_days: float = 7,
    secrecy: str = "secret",
    allow_changes: bool = False,
    eligibility: str = "registered",
    seats: int = 1,
    **fields: Any,
) -> Poll:
    """A poll written directly (no permission check): open now by default."""
    now = utcnow()
    poll = Poll(
        consultation_id=consultation.id,
        question_fr="Quelles priorités?",
        question_en="Which priorities?",
        method=method,
        seats=seats,
        seed=secrets.randbelow(2**31),
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=now + timedelta(days=closes_in_days),
        eligibility=eligibility,
        secrecy=secrecy,
        allow_changes=allow_changes,
        max_score=kinds.FIXED_MAX.get(method, fields.pop("max_score", 5)),
        **fields,
    )
    poll.options = [
        PollOption(position=i, label_fr=label, label_en=f"Option {i + 1}")
        for i, label in enumerate(options or OPTIONS)
    ]
    db.session.add(poll)
    db.session.commit()
    return poll


def cast(user: User, poll: Poll, consultation: Consultation, choice: list[Any], nonce: str = "") -> Any:
    return ballots.cast_ballot(user, poll, consultation, choice, nonce)
