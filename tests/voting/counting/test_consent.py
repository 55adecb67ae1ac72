"""Consent tally: counts per response, pass or fail with the reason, several proposals."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.voting.counting.consent import RESPONSES, ConsentBallot, ConsentElection, Response, count_consent
from civic.voting.counting.rules import Rules


def consent(*rows: tuple[Response | None, int]) -> ConsentElection:
    """One proposal: rows of (response, count)."""
    return ConsentElection(["P"], [ConsentBallot((r,), n) for r, n in rows])


def test_counts_every_response_including_no_response() -> None:
    result = count_consent(consent(("agree", 4), ("abstain", 2), ("disagree", 1), (None, 3)))
    assert result.detail["responses"]["P"] == {"agree": 4, "abstain": 2, "disagree": 1, "block": 0, "none": 3}
    assert result.ballots.cast == 10


def test_passes_with_more_agree_than_disagree_and_no_block() -> None:
    result = count_consent(consent(("agree", 3), ("disagree", 2), ("abstain", 5)))
    assert result.winners == ["P"]
    assert result.detail["outcome"]["P"] == {
        "passes": True,
        "reason": "passes: 3 agree of 5 taking a side, 0 block(s)",
    }


def test_single_block_stops_a_proposal_by_default() -> None:
    result = count_consent(consent(("agree", 30), ("block", 1)))
    assert result.winners == []
    assert result.detail["outcome"]["P"]["reason"] == "blocked: 1 block(s), 1 stop a proposal"


def test_block_threshold_allows_fewer_blocks() -> None:
    ballots = consent(("agree", 30), ("block", 2))
    assert count_consent(ballots, block_threshold=3).winners == ["P"]
    assert count_consent(ballots, block_threshold=2).winners == []


def test_blocks_count_as_objections_in_the_agreement_test() -> None:
    # 3 agree against 1 disagree + 2 blocks: not more than half of the 6 taking a side.
    result = count_consent(consent(("agree", 3), ("disagree", 1), ("block", 2)), block_threshold=3)
    assert result.winners == []
    assert result.detail["outcome"]["P"]["reason"].startswith("not enough agreement: 3 agree of 6")


def test_equal_agree_and_disagree_fails() -> None:
    result = count_consent(consent(("agree", 2), ("disagree", 2)))
    assert result.winners == []


def test_only_abstentions_fail_for_lack_of_agreement() -> None:
    result = count_consent(consent(("abstain", 5)))
    assert result.winners == []
    assert result.detail["outcome"]["P"]["reason"].startswith("not enough agreement")


@pytest.mark.parametrize(
    ("agree", "disagree", "support", "passes"),
    [
        (2, 1, Fraction(2, 3), False),
        (3, 1, Fraction(2, 3), True),
        (1, 0, Fraction(0), True),
        (0, 0, Fraction(0), False),
    ],
)
def test_support_sets_the_share_of_agreement_to_exceed(
    agree: int, disagree: int, support: Fraction, passes: bool
) -> None:
    result = count_consent(consent(("agree", agree), ("disagree", disagree)), support=support)
    assert (result.winners == ["P"]) is passes


def test_quorum_counts_any_response_but_not_silence() -> None:
    ballots = consent(("agree", 2), ("abstain", 1), (None, 5))
    assert count_consent(ballots, quorum=3).winners == ["P"]
    failed = count_consent(ballots, quorum=4)
    assert failed.winners == []
    assert failed.detail["outcome"]["P"]["reason"] == "no quorum: 3 responses, 4 needed"


def test_several_proposals_are_decided_independently() -> None:
    election = ConsentElection(
        ["budget", "venue", "date"],
        [
            ConsentBallot(("agree", "block", "agree"), 3),
            ConsentBallot(("agree", "agree", "disagree"), 2),
            ConsentBallot(("disagree", "agree", "disagree"), 1),
        ],
    )
    result = count_consent(election)
    assert result.winners == ["budget"]
    assert result.rounds[0].tallies == {"budget": 5, "venue": 3, "date": 3}
    assert result.rounds[0].eliminated == ["venue", "date"]
    assert result.detail["outcome"]["venue"]["passes"] is False
    assert result.detail["outcome"]["date"]["reason"].startswith("not enough agreement")


def test_result_is_json_ready_and_logs_rules() -> None:
    result = count_consent(consent(("agree", 1)), Rules(seed=9))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["method"] == "consent"
    assert data["rules"]["seed"] == 9
    assert data["detail"]["support"] == "1/2"
    assert data["ties"] == []


def test_merges_identical_ballots() -> None:
    result = count_consent(consent(("agree", 1), ("agree", 2), ("block", 1)))
    assert result.ballots.distinct == 2


@pytest.mark.parametrize(
    ("ballot", "message"),
    [(ConsentBallot(("agree", "agree")), "answers 2 of 1"), (ConsentBallot(("maybe",)), "unknown response")],  # type: ignore[arg-type]
)
def test_invalid_ballot_is_rejected(ballot: ConsentBallot, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        count_consent(ConsentElection(["P"], [ballot]))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"block_threshold": 0}, "block_threshold"),
        ({"support": Fraction(1)}, "support"),
        ({"quorum": -1}, "quorum"),
    ],
)
def test_invalid_options_are_rejected(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        count_consent(consent(("agree", 1)), **options)  # type: ignore[arg-type]


responses = st.sampled_from([*RESPONSES, None])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(responses, st.integers(1, 4)), max_size=15), st.integers(1, 3))
def test_outcome_follows_the_stated_rule(rows: list[tuple[Response | None, int]], threshold: int) -> None:
    result = count_consent(consent(*rows), block_threshold=threshold)
    counts = {r: sum(n for x, n in rows if x == r) for r in RESPONSES}
    expected = (
        counts["block"] < threshold
        and 2 * counts["agree"] > counts["agree"] + counts["disagree"] + counts["block"]
    )
    assert (result.winners == ["P"]) is expected


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(responses, st.integers(1, 4)), max_size=15), st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_ballot_order(
    rows: list[tuple[Response | None, int]], rnd: random.Random
) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert count_consent(consent(*shuffled)).to_dict() == count_consent(consent(*rows)).to_dict()


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(responses, st.integers(1, 4)), max_size=15))
def test_another_agree_never_turns_a_pass_into_a_fail(rows: list[tuple[Response | None, int]]) -> None:
    if count_consent(consent(*rows)).winners == ["P"]:
        assert count_consent(consent(*rows, ("agree", 1))).winners == ["P"]
