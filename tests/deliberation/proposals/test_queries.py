"""The proposal list's read model: who sees which drafts, and a random order stable per visitor, well mixed."""

from __future__ import annotations

import random

import pytest

from civic.deliberation.proposals import queries
from civic.deliberation.proposals.models import Proposal
from tests.factories import make_consultation, make_proposal, make_user

pytestmark = pytest.mark.usefixtures("app")


def _ids(consultation: object, user: object, **wanted: object) -> tuple[list[int], int]:
    page = queries.proposal_page(consultation, user, queries.ProposalFilter(**wanted))  # type: ignore[arg-type]
    return [p.id for p in page.proposals], page.total


def test_drafts_are_listed_for_their_author_only() -> None:
    consultation = make_consultation()
    author, other = make_user(), make_user()
    public = make_proposal(consultation, author, title="Publique")
    draft = make_proposal(consultation, author, title="Brouillon", state=Proposal.DRAFT)
    others_draft = make_proposal(consultation, other, title="Autre brouillon", state=Proposal.DRAFT)
    make_proposal(make_consultation(), author, title="Ailleurs")
    assert _ids(consultation, None) == ([public.id], 1)
    assert sorted(_ids(consultation, author)[0]) == sorted([public.id, draft.id])
    assert _ids(consultation, author)[1] == 2
    assert sorted(_ids(consultation, other)[0]) == sorted([public.id, others_draft.id])
    assert _ids(consultation, author, state=Proposal.DRAFT) == ([draft.id], 1)


def test_random_order_is_a_permutation_stable_per_seed() -> None:
    consultation = make_consultation()
    author = make_user()
    made = sorted(make_proposal(consultation, author, title=f"P{n}").id for n in range(45))

    def order(seed: int) -> list[int]:
        return [
            i for page in (1, 2, 3) for i in _ids(consultation, None, sort="random", page=page, seed=seed)[0]
        ]

    first = order(12345)
    assert sorted(first) == made  # every proposal exactly once across the pages
    assert order(12345) == first
    assert first not in (made, made[::-1])
    assert order(12346) != first  # seeds one bit apart give another order


def test_random_order_puts_any_two_proposals_either_way_with_even_odds() -> None:
    consultation = make_consultation()
    author = make_user()
    ids = [make_proposal(consultation, author, title=f"P{n}").id for n in range(8)]
    pairs = [(ids[0], ids[1]), (ids[2], ids[7]), (ids[3], ids[4])]
    # Visitors' seeds as the list view draws them, and consecutive ones (which differ in low bits only).
    draw = random.Random(2026)
    seeds = [draw.randrange(2**30) for _ in range(100)] + list(range(1, 101))
    ahead = dict.fromkeys(pairs, 0)
    first_places: set[int] = set()
    for seed in seeds:
        order = _ids(consultation, None, sort="random", seed=seed)[0]
        first_places.add(order[0])
        for a, b in pairs:
            ahead[(a, b)] += order.index(a) < order.index(b)
    # 200 fair coin tosses land between 70 and 130 heads with probability above 0.9999.
    assert all(70 <= count <= 130 for count in ahead.values()), ahead
    assert first_places == set(ids)  # every proposal comes first for some visitor
