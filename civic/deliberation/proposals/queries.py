"""The proposal list: filters, sorts, a stable random order, pages — a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, cast, func, select
from sqlalchemy.orm import aliased, joinedload

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.proposals import search
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db

PAGE_SIZE = 20
SORTS = ("newest", "supported", "discussed", "random")
# The random order: each id is XOR-ed with the visitor's seed (kept in their session), scrambled by a
# fixed multiplication modulo a prime, XOR-ed with the seed again and scrambled again. The same visitor
# sees the same order on every page; for two visitors, any two proposals come in either order with even
# odds, even when their seeds differ in a few low bits only (tests/deliberation/proposals/test_queries.py).
# The key needs only the id, so the database computes it from the consultation's index without reading
# the proposals' rows. XOR is written (a | b) - (a & b), which both SQLite and PostgreSQL understand.
_PRIME = 2_147_483_647
_SCRAMBLE = 1_103_515_245


def _xor(value: Any, seed: int) -> Any:
    return value.op("|")(seed) - value.op("&")(seed)


def _random_key(seed: int) -> Any:
    scrambled = (_xor(cast(Proposal.id, BigInteger), seed) * _SCRAMBLE) % _PRIME
    return (_xor(scrambled, seed) * _SCRAMBLE) % _PRIME


@dataclass(slots=True)
class ProposalFilter:
    query: str = ""
    theme_id: int | None = None
    state: str | None = None
    sort: str = "newest"
    page: int = 1
    seed: int = 0


@dataclass(slots=True)
class ProposalPage:
    proposals: list[Proposal]
    total: int
    page: int
    pages: int


def visible_proposals(consultation: Consultation, user: User | None) -> Select[tuple[Proposal]]:
    """Select the consultation's proposals this user may see: all but other people's drafts.

    Drafts are few, and found through the index on state: excluding them by id lets the database
    count and order the rest from the consultation's index alone, without reading each wide row
    (text, HTML, search terms) to check its state.
    """
    draft = aliased(Proposal)
    hidden_drafts = select(draft.id).where(draft.state == Proposal.DRAFT)
    if user is not None:
        hidden_drafts = hidden_drafts.where(draft.author_id != user.id)
    return select(Proposal).where(
        Proposal.consultation_id == consultation.id, Proposal.id.not_in(hidden_drafts)
    )


def proposal_page(consultation: Consultation, user: User | None, wanted: ProposalFilter) -> ProposalPage:
    """Return one page of the proposals this user may see, filtered and sorted: a count, the page's ids, the page."""
    query = visible_proposals(consultation, user)
    if wanted.theme_id is not None:
        query = query.where(Proposal.theme_id == wanted.theme_id)
    if wanted.state in Proposal.STATES:
        query = query.where(Proposal.state == wanted.state)
    condition = search.matching(wanted.query)
    if condition is not None:
        query = query.where(condition)

    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)

    orders: dict[str, list[Any]] = {
        "newest": [Proposal.published_at.desc(), Proposal.id.desc()],
        "supported": [Proposal.support_count.desc(), Proposal.id.desc()],
        # Walks ix_proposals_discussed: the count is kept on the proposal by the discussion's services.
        "discussed": [Proposal.comment_count.desc(), Proposal.id.desc()],
        "random": [_random_key(wanted.seed), Proposal.id],
    }
    order = orders[wanted.sort if wanted.sort in SORTS else "newest"]
    # First the page's ids, sorting narrow rows (id and sort key) rather than whole proposals with their
    # texts; then those proposals with their authors, themes and organisations.
    ids = list(
        db.session.scalars(
            query.with_only_columns(Proposal.id)
            .order_by(*order)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    loaded = db.session.scalars(
        select(Proposal)
        .where(Proposal.id.in_(ids))
        .options(joinedload(Proposal.author), joinedload(Proposal.theme), joinedload(Proposal.organisation))
    ).unique()
    by_id = {proposal.id: proposal for proposal in loaded}
    return ProposalPage(proposals=[by_id[i] for i in ids if i in by_id], total=total, page=page, pages=pages)
