"""The analysis library on small planted data: groups found, who is clustered, stability, the scores."""

from __future__ import annotations

import numpy as np
import pytest

from civic.deliberation.opinions.analysis import State, VoteMatrix, analyse, clustering, statistics
from tests.deliberation.opinions.analysis.scoring import adjusted_rand_index


def planted(
    groups: tuple[int, ...], statements: int = 20, seed: int = 0, noise: float = 0.1, seen: float = 1.0
) -> tuple[VoteMatrix, list[int]]:
    """Participants in groups with opposite views on each statement (group g agrees where j % len == g)."""
    rng = np.random.default_rng(seed)
    votes, truth, person = [], [], 0
    for g, size in enumerate(groups):
        for _ in range(size):
            for j in range(statements):
                if rng.random() > seen:
                    continue
                value = 1 if j % len(groups) == g else -1
                if rng.random() < noise:
                    value = int(rng.choice([-1, 0, 1]))
                votes.append((person, j, value))
            truth.append(g)
            person += 1
    return VoteMatrix.from_votes(votes), truth


@pytest.mark.parametrize("sizes", [(40, 40), (30, 50, 20), (25, 25, 25, 25)])
def test_planted_groups_are_found(sizes: tuple[int, ...]) -> None:
    matrix, truth = planted(sizes, statements=24)
    result = analyse(matrix)
    found = [result.participants[p] for p in range(len(truth))]
    assert None not in found
    assert len(result.groups) == len(sizes)
    assert adjusted_rand_index(found, truth) > 0.95


def test_sparse_voters_are_placed_by_what_they_saw() -> None:
    """Each person saw half the statements: positions are scaled up, the groups still come out."""
    matrix, truth = planted((50, 50), statements=30, seen=0.5, seed=3)
    result = analyse(matrix)
    assert adjusted_rand_index([result.participants[p] for p in range(len(truth))], truth) > 0.9


def test_only_people_with_seven_votes_are_clustered_once_fifteen_qualify() -> None:
    votes = [(p, j, 1 if (p % 2) == (j % 2) else -1) for p in range(20) for j in range(10)]
    votes += [(100 + p, j, 1) for p in range(5) for j in range(6)]  # six votes each: not clustered
    result = analyse(VoteMatrix.from_votes(votes))
    assert all(result.participants[100 + p] is None for p in range(5))
    assert all(result.participants[p] is not None for p in range(20))


def test_while_fewer_than_fifteen_qualify_the_most_active_are_taken_in() -> None:
    votes = [(p, j, 1 if p % 2 else -1) for p in range(10) for j in range(8)]
    # Participants 50-57: the odd ones voted 4 times, the even ones 3 times.
    votes += [(50 + p, j, 1 if p % 2 else -1) for p in range(8) for j in range(3 + p % 2)]
    matrix = VoteMatrix.from_votes(votes)
    chosen = clustering.clustered(matrix.votes_per_participant(), 8)
    taken = {int(p) for p in matrix.participants[chosen]}
    assert taken == set(range(10)) | {51, 53, 55, 57} | {50}  # then the earliest of those with 3 votes


def test_fewer_statements_than_seven_means_all_of_them() -> None:
    votes = [(p, j, 1 if (p % 2) == (j % 2) else -1) for p in range(20) for j in range(4)]
    result = analyse(VoteMatrix.from_votes(votes))
    assert sum(1 for g in result.participants.values() if g is not None) == 20


def test_someone_alone_in_a_group_is_left_ungrouped_and_the_groups_renumbered() -> None:
    groups = np.array([0, 0, 1, 2, 2, 3, -1])
    assert clustering.without_singletons(groups).tolist() == [0, 0, -1, 1, 1, -1, -1]


def test_every_group_shown_has_several_people() -> None:
    votes = [(p, j, 1 if p < 10 else -1) for p in range(20) for j in range(10)]
    votes += [(99, j, 1 if j % 2 else -1) for j in range(10)]  # a lone contrarian
    result = analyse(VoteMatrix.from_votes(votes))
    assert all(group.size > 1 for group in result.groups)
    shown = {g for g in result.participants.values() if g is not None}
    assert shown == {group.id for group in result.groups}


def test_groups_keep_their_numbers_from_one_run_to_the_next() -> None:
    matrix, truth = planted((30, 30, 30), statements=24, seed=5)
    first = analyse(matrix)
    again = analyse(matrix, previous=State.from_json(first.state.to_json()))
    assert first.participants == again.participants
    # New votes from a newcomer who votes like group 0: the other people's groups do not move.
    matrix.record([(1000, j, 1 if j % 3 == 0 else -1) for j in range(24)])
    after = analyse(matrix, previous=again.state)
    assert all(after.participants[p] == again.participants[p] for p in range(90))
    assert after.participants[1000] == after.participants[0]


def test_a_new_number_of_groups_waits_until_it_has_won_several_runs() -> None:
    smoother = clustering.choose_k({2: 0.6, 3: 0.4}, None)
    assert smoother is not None and smoother.shown_k == 2
    for _run in range(clustering.K_PATIENCE - 1):
        smoother = clustering.choose_k({2: 0.4, 3: 0.6}, smoother)
        assert smoother is not None and smoother.shown_k == 2
    smoother = clustering.choose_k({2: 0.4, 3: 0.6}, smoother)
    assert smoother is not None and smoother.shown_k == 3


def test_excluded_statements_count_for_nothing() -> None:
    matrix, truth = planted((30, 30), statements=16, seed=2)
    noise = np.random.default_rng(9).choice([-1, 1], size=60)
    matrix.record([(p, 999, int(noise[p])) for p in range(60)])
    result = analyse(matrix, excluded=[999])
    scores = {s.id: s for s in result.statements}
    assert not scores[999].included and scores[999].priority == 0
    assert 999 not in [s for s, _v in result.consensus] + [s for s, _v in result.divisive]
    assert adjusted_rand_index([result.participants[p] for p in range(60)], truth) > 0.95


def test_group_informed_consensus_is_the_product_of_smoothed_shares() -> None:
    agree = np.array([[8.0], [3.0]])
    votes = np.array([[10.0], [5.0]])
    expected = (8 + 1) / (10 + 2) * (3 + 1) / (5 + 2)
    assert statistics.consensus(agree, votes)[0] == pytest.approx(expected)


def test_consensus_divisive_and_bridging_statements() -> None:
    """Statement 0: everyone agrees. Statement 1: group 0 agrees, group 1 disagrees. Statement 2: group 0
    agrees, group 1 passes."""
    votes = []
    for p in range(40):
        group = p % 2
        votes += [(p, 0, 1), (p, 1, 1 if group == 0 else -1), (p, 2, 1 if group == 0 else 0)]
        votes += [(p, 10 + j, 1 if (j % 2) == group else -1) for j in range(8)]
    result = analyse(VoteMatrix.from_votes(votes))
    assert len(result.groups) == 2
    assert result.consensus[0][0] == 0
    assert 1 not in [s for s, _v in result.consensus]
    scores = {s.id: s for s in result.statements}
    assert scores[1].divisiveness > 1.5 > scores[0].divisiveness
    assert 1 in [s for s, _v in result.divisive] and 0 not in [s for s, _v in result.divisive]
    assert scores[0].bridging > scores[2].bridging > scores[1].bridging
    assert scores[0].bridging > 0.8 and abs(scores[1].bridging) < 0.1


def test_representative_statements_set_each_group_apart() -> None:
    votes = []
    for p in range(40):
        group = p % 2
        votes += [(p, j, 1 if (j % 2) == group else -1) for j in range(10)]
        votes.append((p, 50, 1))  # everyone agrees: sets no group apart
    result = analyse(VoteMatrix.from_votes(votes))
    for group in result.groups:
        assert group.representative
        assert all(item.statement != 50 for item in group.representative)
        for item in group.representative:
            assert item.share > 0.5 and item.z_share > statistics.Z90 and item.z_ratio > statistics.Z90


def test_new_statements_come_first_and_passed_ones_last() -> None:
    counts = statistics.Tally(
        agree=np.array([0.0, 30.0, 5.0]),
        disagree=np.array([0.0, 10.0, 5.0]),
        passes=np.array([0.0, 0.0, 30.0]),
        group_agree=np.zeros((0, 3)),
        group_disagree=np.zeros((0, 3)),
        group_passes=np.zeros((0, 3)),
    )
    unseen, agreed, passed = statistics.priority(counts, np.ones(3))
    assert unseen > agreed > passed


def test_a_later_vote_on_the_same_pair_replaces_the_earlier_one() -> None:
    matrix = VoteMatrix.from_votes([(1, 1, 1), (1, 1, -1), (2, 1, 0)])
    assert matrix.values[matrix.row(1), matrix.column(1)] == -1
    matrix.record([(1, 1, 0), (3, 2, 1)])
    assert matrix.values[matrix.row(1), matrix.column(1)] == 0
    assert matrix.shape == (3, 2) and np.isnan(matrix.values[matrix.row(3), matrix.column(1)])


def test_bad_votes_are_refused() -> None:
    with pytest.raises(ValueError):
        VoteMatrix.from_votes([(1, 1, 2)])
    with pytest.raises(ValueError):
        VoteMatrix.empty().record([(1, 1, 5)])


def test_nothing_to_analyse_gives_an_empty_result() -> None:
    result = analyse(VoteMatrix.empty())
    assert result.groups == () and result.participants == {} and result.statements == ()
    one = analyse(VoteMatrix.from_votes([(1, 1, 1)]))
    assert one.groups == () and one.participants == {1: None}


def test_the_json_has_the_documented_keys_and_the_state_round_trips() -> None:
    matrix, _truth = planted((20, 20), statements=12)
    result = analyse(matrix)
    data = result.to_json()
    assert {"participants", "groups", "consensus", "statements"} <= set(data)
    assert set(data["participants"]) == {str(p) for p in range(40)}
    state = result.state.to_json()
    assert State.from_json(state).to_json() == state
