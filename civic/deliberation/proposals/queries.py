"""The proposal list: filters, sorts, a stable random order, pages — a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Select, and_, cast, func, or_, select
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.discussion.models import Thread
from civic.deliberation.proposals import search
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db

PAGE_SIZE = 20
SORTS = ("newest", "supported", "discussed", "random")
# The random order: each id is scrambled by a fixed multiplication modulo a prime, XOR-ed with the
# visitor's seed (kept in their session), and scrambled again. The same visitor sees the same order on every page; for two
# visitors, any two proposals come in either order with even odds. XOR is written (a | b) - (a & b),
# which both SQLite and PostgreSQL understand.
_PRIME = 2_147_483_647
_SCRAMBLE = 1_103_515_245


def _random_key(seed: int) -> Any:
    scrambled = (cast(Proposal.id, BigInteger) * _SCRAMBLE) % _PRIME
    mixed = scrambled.op("|")(seed) - scrambled.op("&")(seed)
    # A second multiplication spreads seeds that differ only in low bits over the whole range.
    return (mixed * _SCRAMBLE) % _PRIME


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
    comment_counts: dict[int, int] = field(default_factory=dict)


def _visible(consultation: Consultation, user: User | None) -> Select[tuple[Proposal]]:
    public = Proposal.state.in_(Proposal.PUBLIC_STATES)
    own_drafts = and_(Proposal.state == Proposal.DRAFT, Proposal.author_id == user.id) if user else None
    return select(Proposal).where(
        Proposal.consultation_id == consultation.id,
        or_(public, own_drafts) if own_drafts is not None else public,
    )


def proposal_page(consultation: Consultation, user: User | None, wanted: ProposalFilter) -> ProposalPage:
    """Return one page of the proposals this user may see, filtered and sorted: a count, the page's ids, the page."""
    query = _visible(consultation, user)
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

    comments = func.coalesce(Thread.comment_count, 0)
    query = query.outerjoin(Thread, and_(Thread.kind == "proposal", Thread.target_id == Proposal.id))
    orders: dict[str, list[Any]] = {
        "newest": [Proposal.published_at.desc(), Proposal.id.desc()],
        "supported": [Proposal.support_count.desc(), Proposal.id.desc()],
        "discussed": [comments.desc(), Proposal.id.desc()],
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
    rows = db.session.execute(
        select(Proposal, comments)
        .outerjoin(Thread, and_(Thread.kind == "proposal", Thread.target_id == Proposal.id))
        .where(Proposal.id.in_(ids))
        .options(joinedload(Proposal.author), joinedload(Proposal.theme), joinedload(Proposal.organisation))
    ).all()
    by_id = {row[0].id: row for row in rows}
    ordered = [by_id[i] for i in ids if i in by_id]
    return ProposalPage(
        proposals=[row[0] for row in ordered],
        total=total,
        page=page,
        pages=pages,
        comment_counts={row[0].id: row[1] for row in ordered},
    )
