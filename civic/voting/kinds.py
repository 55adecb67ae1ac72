"""Which ballot each counting method takes, and its scale: facts about a poll every module needs."""

from __future__ import annotations

from civic.voting.counting.registry import METHODS
from civic.voting.models import Poll

# The methods a poll can use, and the kind of ballot each one takes.
KINDS: dict[str, str] = {
    **{name: "ranked" for name, m in METHODS.items() if m.ballots == "ranked"},
    "approval": "approval",
    "score": "scores",
    "star": "scores",
    "majority-judgment": "scores",
    "consent": "consent",
}
# STAR and majority judgment use their usual fixed scales (0-5 stars, six grades).
FIXED_MAX = {"approval": 1, "star": 5, "majority-judgment": 5}


def kind_of(poll: Poll) -> str:
    """Return the ballot kind of a poll: ranked, approval, scores or consent."""
    return KINDS[poll.method]


def scale_of(poll: Poll) -> int:
    return FIXED_MAX.get(poll.method, poll.max_score)
