"""Who may do what with accounts and organisations: pure predicates, tested as role × action tables."""

from __future__ import annotations

from civic.accounts.models import Membership, Organisation, User


def is_representative(user: User | None, organisation: Organisation) -> bool:
    return user is not None and any(
        m.user_id == user.id and m.status == Membership.REPRESENTATIVE for m in organisation.memberships
    )


def has_membership(user: User | None, organisation: Organisation) -> bool:
    return user is not None and any(m.user_id == user.id for m in organisation.memberships)


def can_create_organisation(user: User | None) -> bool:
    return user is not None


def can_edit_organisation(user: User | None, organisation: Organisation) -> bool:
    return user is not None and (user.is_admin or is_representative(user, organisation))


def can_request_membership(user: User | None, organisation: Organisation) -> bool:
    return user is not None and not has_membership(user, organisation)


def can_decide_membership(user: User | None, organisation: Organisation) -> bool:
    return is_representative(user, organisation)


def can_verify_organisation(user: User | None) -> bool:
    return user is not None and user.is_admin


def can_leave_organisation(user: User | None, organisation: Organisation) -> bool:
    # The last representative cannot leave: an organisation always has someone to answer for it.
    if not has_membership(user, organisation):
        return False
    representatives = [m for m in organisation.memberships if m.status == Membership.REPRESENTATIVE]
    return not (is_representative(user, organisation) and len(representatives) == 1)
