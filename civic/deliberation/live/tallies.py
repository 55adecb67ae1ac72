"""Reading and counting quick-poll answers: what a valid answer is for each kind, and the results.

Yes-no, choice and consent polls are tallied per answer, online and by show of hands (kept apart so the
screens and the minutes can say which is which). Consent rounds and "method" polls are counted by the
counting library (civic.voting.counting), through its public interface.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext as _

from civic.deliberation.live.models import QuickPoll
from civic.errors import Invalid
from civic.voting.counting.consent import RESPONSES, ConsentBallot, ConsentElection, count_consent
from civic.voting.counting.model import Election, RankedBallot, ScoreBallot, ScoreElection
from civic.voting.counting.registry import METHODS
from civic.voting.counting.registry import count as count_with
from civic.voting.counting.result import number_json

# The fixed answers of two kinds, in their order (labels are the templates' and the script's).
YES_NO = ("yes", "no", "abstain")
CONSENT = RESPONSES  # agree, abstain, disagree, block


def answers_of(poll: QuickPoll) -> int:
    """How many answers a poll tallies one by one (0 for a poll counted by a method)."""
    if poll.kind == "yes-no":
        return len(YES_NO)
    if poll.kind == "consent":
        return len(CONSENT)
    if poll.kind == "choice":
        return len(poll.options)
    return 0


def ballot_kind(poll: QuickPoll) -> str:
    """ "single" (one answer), "ranked", "scores" or "approval"."""
    if poll.kind != "method":
        return "single"
    if poll.method == "approval":
        return "approval"
    return METHODS[poll.method].ballots


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.strip().isdigit() and len(value.strip()) < 6:
        return int(value)
    return None


def check_choice(poll: QuickPoll, choice: Any) -> int | list[int]:
    """Return the answer as stored, or raise Invalid saying what is expected.

    single: an answer's index; ranked: option indices, best first, each at most once (some may be
    left out); scores: one score per option within the scale (approval: 0 or 1).
    """
    kind = ballot_kind(poll)
    size = answers_of(poll) or len(poll.options)
    if kind == "single":
        index = _integer(choice)
        if index is None or not 0 <= index < size:
            raise Invalid(_("Choose one answer."))
        return index
    values = choice if isinstance(choice, list) else None
    numbers = [_integer(v) for v in values] if values is not None and len(values) <= size else None
    if numbers is None or any(n is None for n in numbers):
        raise Invalid(_("This answer does not fit the poll."))
    checked = [n for n in numbers if n is not None]
    if kind == "ranked":
        if not checked or len(set(checked)) != len(checked) or not all(0 <= n < size for n in checked):
            raise Invalid(_("Rank at least one option, each option at most once."))
        return checked
    scale = 1 if kind == "approval" else poll.max_score
    if len(checked) != size or not all(0 <= n <= scale for n in checked):
        raise Invalid(_("Give every option a score from 0 to %(n)d.", n=scale))
    return checked


def count(poll: QuickPoll, choices: list[Any]) -> dict[str, Any]:
    """The results of a poll from its answers online (and its show of hands)."""
    if poll.kind == "method":
        return _by_method(poll, choices)
    size = answers_of(poll)
    online = Counter(c for c in choices if isinstance(c, int))
    counts = [online.get(i, 0) for i in range(size)]
    hands = poll.tally or [0] * size
    totals = [a + b for a, b in zip(counts, hands, strict=True)]
    result: dict[str, Any] = {
        "answers": len(choices),
        "counts": counts,
        "hands": poll.tally,
        "totals": totals,
    }
    if poll.kind == "yes-no":
        yes, no = totals[0], totals[1]
        result["outcome"] = "yes" if yes > no else "no" if no > yes else "tie"
    elif poll.kind == "choice":
        top = max(totals)
        result["leading"] = [i for i, n in enumerate(totals) if n == top] if top else []
    else:
        ballots = [
            ConsentBallot((response,), count=n) for response, n in zip(CONSENT, totals, strict=True) if n
        ]
        passed = count_consent(ConsentElection(["proposal"], ballots)).winners
        result["outcome"] = (
            "passes" if passed else "blocked" if totals[CONSENT.index("block")] else "no-agreement"
        )
    return result


def _by_method(poll: QuickPoll, choices: list[Any]) -> dict[str, Any]:
    names = [str(i) for i in range(len(poll.options))]
    kind = ballot_kind(poll)
    election: Election | ScoreElection
    if kind == "ranked":
        ballots = [RankedBallot(tuple((i,) for i in c)) for c in choices]
        election = Election(names, ballots)
    else:
        scale = 1 if kind == "approval" else poll.max_score
        election = ScoreElection(
            names, [ScoreBallot(tuple(c)) for c in choices], min_score=0, max_score=scale
        )
    if not choices:
        return {"answers": 0, "winners": [], "rounds": []}
    counted = count_with(poll.method, election)
    return {
        "answers": len(choices),
        "winners": [int(name) for name in counted.winners],
        "rounds": [
            {
                "tallies": {name: number_json(value) for name, value in r.tallies.items()},
                "elected": [int(n) for n in r.elected],
                "eliminated": [int(n) for n in r.eliminated],
            }
            for r in counted.rounds
        ],
    }
