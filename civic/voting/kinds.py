"""Which ballot each counting method takes, and its scale: facts about a poll every module needs."""

from __future__ import annotations

from civic.voting.audit.tally import FIXED_MAX, KINDS, Rules
from civic.voting.models import Poll

__all__ = ["FIXED_MAX", "KINDS", "kind_of", "rules_of", "scale_of"]


def kind_of(poll: Poll) -> str:
    """Return the ballot kind of a poll: ranked, approval, scores or consent."""
    return KINDS[poll.method]


def scale_of(poll: Poll) -> int:
    return FIXED_MAX.get(poll.method, poll.max_score)


def rules_of(poll: Poll) -> Rules:
    """Return what decides the poll's count besides its ballots, as the audit download publishes it."""
    return Rules(
        method=poll.method,
        options=[o.name for o in poll.options],
        title=poll.question_fr or poll.question_en,
        seats=poll.seats,
        rules_preset=poll.rules_preset,
        seed=poll.seed,
        max_score=poll.max_score,
        block_threshold=poll.block_threshold,
    )
