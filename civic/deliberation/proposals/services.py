"""Proposal verbs: create, edit, publish, withdraw, support, answer; themes."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import Organisation, User
from civic.accounts.permissions import is_representative
from civic.accounts.sanctions import ensure_can_participate
from civic.consultations.models import Consultation
from civic.deliberation.proposals import permissions, search
from civic.deliberation.proposals.models import Proposal, ProposalEvent, ProposalVersion, Support, Theme
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.i18n import written_language
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

TITLE_MAX = 150
BODY_MAX = 10_000
ANSWER_MAX = 10_000
DECISIONS = (Proposal.EVALUATING, Proposal.ACCEPTED, Proposal.REJECTED, Proposal.MERGED)


class ProposalClosed(Conflict):
    """The proposal's state no longer allows this."""


def get_proposal(consultation: Consultation, proposal_id: int, user: User | None) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if (
        proposal is None
        or proposal.consultation_id != consultation.id
        or not permissions.can_view_proposal(user, proposal)
    ):
        raise NotFound()
    return proposal


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise Invalid(_("Give your proposal a title and a text."))
    if is_blank(title) or is_blank(body):
        raise Invalid(
            _("The title and the text must show something: not only spaces or invisible characters.")
        )
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise Invalid(
            _("The title is limited to %(t)d characters and the text to %(b)d.", t=TITLE_MAX, b=BODY_MAX)
        )
    return title, body


def _theme(consultation: Consultation, theme_id: int | None) -> Theme | None:
    if theme_id is None:
        return None
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        raise Invalid(_("Choose one of this consultation's themes."))
    return theme


def _organisation(user: User, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not is_representative(user, organisation):
        raise Forbidden(_("You can only write on behalf of an organisation you represent."))
    return organisation


def _record(proposal: Proposal, actor: User | None, kind: str, to_state: str = "") -> None:
    proposal.events.append(ProposalEvent(actor_id=actor.id if actor else None, kind=kind, to_state=to_state))


def create_proposal(
    user: User | None,
    consultation: Consultation,
    title: str,
    body: str,
    theme_id: int | None = None,
    organisation_id: int | None = None,
    publish: bool = False,
    language: str | None = None,
) -> Proposal:
    """Create a draft (private to its author) or publish at once.

    `language` is the one the author wrote in; by default the page's, as they read it while writing.
    """
    if user is None or not permissions.can_create_proposal(user, consultation):
        raise Forbidden(_("Proposals cannot be put forward in this phase."))
    ensure_can_participate(user)
    title, body = _check_text(title, body)
    proposal = Proposal(
        consultation_id=consultation.id,
        author_id=user.id,
        title=title,
        body=body,
        body_html=str(render_markdown(body)),
        language=written_language(language),
        theme=_theme(consultation, theme_id),
        organisation=_organisation(user, organisation_id),
        state=Proposal.DRAFT,
    )
    db.session.add(proposal)
    _record(proposal, user, "created")
    if publish:
        proposal.state = Proposal.PUBLISHED
        proposal.published_at = utcnow()
        _record(proposal, user, "published", Proposal.PUBLISHED)
    search.index(proposal)
    db.session.commit()
    return proposal


def has_activity(proposal: Proposal) -> bool:
    """Tell whether anyone supported or commented: from then on, edits are versioned and shown."""
    from civic.deliberation.discussion.models import Thread

    if proposal.support_count > 0 or proposal.comment_count > 0:
        return True
    # Comments since deleted or hidden count too: a reply may still quote the text they answered.
    posted = db.session.scalar(
        select(Thread.top_level_count).where(Thread.kind == "proposal", Thread.target_id == proposal.id)
    )
    return bool(posted)


def count_comments(proposal_id: int, delta: int) -> None:
    """Move a proposal's count of visible comments (the discussion calls this; the caller commits)."""
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id)
        .values(comment_count=Proposal.comment_count + delta)
    )


def update_proposal(
    user: User | None,
    proposal: Proposal,
    title: str,
    body: str,
    theme_id: int | None = None,
    organisation_id: int | None = None,
    language: str | None = None,
) -> None:
    """Edit a proposal: freely until its first support or comment, then keeping the previous text."""
    if user is None or not permissions.can_edit_proposal(user, proposal):
        raise Forbidden()
    ensure_can_participate(user)
    title, body = _check_text(title, body)
    theme = _theme(proposal.consultation, theme_id)
    organisation = _organisation(user, organisation_id)
    if (
        proposal.state != Proposal.DRAFT
        and has_activity(proposal)
        and (title, body) != (proposal.title, proposal.body)
    ):
        proposal.versions.append(
            ProposalVersion(
                number=len(proposal.versions) + 1,
                title=proposal.title,
                body=proposal.body,
                body_html=proposal.body_html,
            )
        )
        _record(proposal, user, "edited")
    proposal.title, proposal.body, proposal.body_html = title, body, str(render_markdown(body))
    proposal.theme, proposal.organisation = theme, organisation
    if language is not None:
        proposal.language = written_language(language)
    proposal.updated_at = utcnow()
    search.index(proposal)
    db.session.commit()


def _ensure_shown(proposal: Proposal) -> None:
    if proposal.hidden:
        raise Forbidden(_("This proposal was hidden by the moderators."))


def _ensure_author(user: User | None, proposal: Proposal, message: str) -> User:
    if user is None or user.id != proposal.author_id:
        raise Forbidden(message)
    return user


def publish_proposal(user: User | None, proposal: Proposal) -> None:
    _ensure_author(user, proposal, _("Only its author can publish a proposal."))
    ensure_can_participate(user)
    _ensure_shown(proposal)
    if not permissions.can_publish_proposal(user, proposal):
        raise ProposalClosed(_("This proposal cannot be published now."))
    proposal.state = Proposal.PUBLISHED
    proposal.published_at = utcnow()
    _record(proposal, user, "published", Proposal.PUBLISHED)
    db.session.commit()


def withdraw_proposal(user: User | None, proposal: Proposal) -> None:
    """Withdraw an open proposal; its discussion is locked (what was said stays readable)."""
    _ensure_author(user, proposal, _("Only its author can withdraw a proposal."))
    if not permissions.can_withdraw_proposal(user, proposal):
        raise ProposalClosed(_("Only the author can withdraw a proposal that is still open."))
    proposal.state = Proposal.WITHDRAWN
    _record(proposal, user, "state", Proposal.WITHDRAWN)
    db.session.commit()
    lock_discussion(proposal, locked=True)


def lock_discussion(proposal: Proposal, locked: bool) -> None:
    """Lock or reopen a proposal's discussion on the system's behalf (hidden or withdrawn proposals)."""
    from civic.deliberation.discussion import services as discussion

    thread = discussion.thread_for(
        proposal.consultation, "proposal", proposal.id, owner_id=proposal.author_id
    )
    discussion.set_locked(thread, locked, actor=None)


def support(user: User | None, proposal: Proposal) -> None:
    """Add this person's support; one per person, never for one's own or a closed proposal."""
    ensure_can_participate(user)
    _ensure_shown(proposal)
    if user is not None and user.id == proposal.author_id:
        raise Conflict(_("You cannot support your own proposal."))
    if user is None or not permissions.can_support(user, proposal):
        raise ProposalClosed(_("This proposal cannot be supported now."))
    db.session.add(Support(proposal_id=proposal.id, user_id=user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("You already support this proposal.")) from None
    # An SQL increment, so two supports committed at once are both counted.
    db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id).values(support_count=Proposal.support_count + 1)
    )
    db.session.commit()


def withdraw_support(user: User | None, proposal: Proposal) -> None:
    _ensure_shown(proposal)
    if user is None or not permissions.can_withdraw_support(user, proposal):
        raise ProposalClosed(_("Supports can no longer be changed in this phase."))
    found = db.session.scalar(
        select(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
    )
    if found is None:
        raise Conflict(_("You do not support this proposal."))
    db.session.delete(found)
    db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id).values(support_count=Proposal.support_count - 1)
    )
    db.session.commit()


def supported_by(user: User | None, proposal_ids: list[int]) -> set[int]:
    """Return which of these proposals the user supports (one query for a whole page)."""
    if user is None or not proposal_ids:
        return set()
    rows = db.session.scalars(
        select(Support.proposal_id).where(Support.user_id == user.id, Support.proposal_id.in_(proposal_ids))
    )
    return set(rows)


def answer_proposal(
    user: User | None, proposal: Proposal, state: str, answer: str, merged_into_id: int | None = None
) -> None:
    """Record a moderator's decision with its official answer (markdown) and notify the author."""
    if not permissions.can_answer(user, proposal):
        raise Forbidden()
    ensure_can_participate(user)
    if state not in DECISIONS:
        raise Invalid(_("Choose a decision."))
    answer = answer.strip()
    if not answer or len(answer) > ANSWER_MAX:
        raise Invalid(_("Write the official answer (at most %(n)d characters).", n=ANSWER_MAX))
    if proposal.state == Proposal.WITHDRAWN:
        raise ProposalClosed(_("The author withdrew this proposal."))
    target = None
    if state == Proposal.MERGED:
        target = db.session.get(Proposal, merged_into_id) if merged_into_id else None
        if (
            target is None
            or target.id == proposal.id
            or target.consultation_id != proposal.consultation_id
            or target.state not in Proposal.PUBLIC_STATES
        ):
            raise Invalid(_("Choose the published proposal of this consultation it is merged into."))
    proposal.state = state
    proposal.merged_into = target
    proposal.answer, proposal.answer_html = answer, str(render_markdown(answer))
    _record(proposal, user, "state", state)
    db.session.commit()
    from civic.notifications import services as notifications

    notifications.notify(
        proposal.author_id,
        "answer",
        proposal.consultation_id,
        proposal.moderation_url,
        user.display_name if user else "",
        proposal.title,
    )


def add_theme(user: User | None, consultation: Consultation, name_fr: str, name_en: str) -> Theme:
    if not permissions.can_manage_themes(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    name_fr, name_en = name_fr.strip(), name_en.strip()
    if not (name_fr or name_en) or max(len(name_fr), len(name_en)) > 80:
        raise Invalid(_("Name the theme in at least one language (at most 80 characters)."))
    theme = Theme(consultation_id=consultation.id, name_fr=name_fr, name_en=name_en)
    db.session.add(theme)
    db.session.commit()
    return theme


def remove_theme(user: User | None, consultation: Consultation, theme_id: int) -> None:
    if not permissions.can_manage_themes(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        raise NotFound()
    db.session.delete(theme)
    db.session.commit()


def themes(consultation: Consultation) -> list[Theme]:
    return list(
        db.session.scalars(select(Theme).where(Theme.consultation_id == consultation.id).order_by(Theme.id))
    )


def render_preview(body: str) -> str:
    """Render a body as it will appear, without storing anything."""
    return str(render_markdown(body[:BODY_MAX]))
