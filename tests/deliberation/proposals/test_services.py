"""Proposal verbs: drafts, publishing, editing with versions, supports, decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.deliberation.proposals import services
from civic.deliberation.proposals.models import Proposal, Support
from civic.errors import Conflict, Forbidden, Invalid
from civic.extensions import db
from tests.factories import make_consultation, make_organisation, make_proposal, make_user


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_draft_is_private_until_published(app: object) -> None:
    consultation, author = make_consultation(), make_user()
    proposal = services.create_proposal(author, consultation, "Titre", "Texte")
    assert proposal.state == "draft" and proposal.published_at is None
    services.publish_proposal(author, proposal)
    assert proposal.state == "published" and proposal.published_at is not None
    assert [e.kind for e in proposal.events] == ["created", "published"]


def test_body_is_stored_with_its_sanitised_html(app: object) -> None:
    proposal = services.create_proposal(
        make_user(), make_consultation(), "T", "**gras** <script>x</script>", publish=True
    )
    assert "<strong>gras</strong>" in proposal.body_html and "<script" not in proposal.body_html


@pytest.mark.parametrize(
    ("title", "body"), [("", "text"), ("title", ""), ("x" * 151, "text"), ("title", "x" * 10_001)]
)
def test_empty_or_oversized_proposal_is_refused(app: object, title: str, body: str) -> None:
    with pytest.raises(Invalid):
        services.create_proposal(make_user(), make_consultation(), title, body)
    assert _count(Proposal) == 0


def test_theme_of_another_consultation_is_refused(app: object) -> None:
    admin = make_user(admin=True)
    other = services.add_theme(admin, make_consultation(), "Accès", "Access")
    with pytest.raises(Invalid):
        services.create_proposal(make_user(), make_consultation(), "T", "B", theme_id=other.id)
    assert _count(Proposal) == 0


def test_only_representatives_write_on_behalf_of_an_organisation(app: object) -> None:
    representative, outsider = make_user(), make_user()
    organisation = make_organisation(representative)
    consultation = make_consultation()
    proposal = services.create_proposal(
        representative, consultation, "T", "B", organisation_id=organisation.id
    )
    assert proposal.organisation_id == organisation.id
    with pytest.raises(Forbidden):
        services.create_proposal(outsider, consultation, "T", "B", organisation_id=organisation.id)


def test_no_proposal_outside_a_proposals_phase(app: object) -> None:
    consultation = make_consultation(phases=[("voting", -1, 5)])
    with pytest.raises(Forbidden):
        services.create_proposal(make_user(), consultation, "T", "B")


def test_edit_before_any_activity_leaves_no_trace(app: object) -> None:
    author = make_user()
    proposal = make_proposal(make_consultation(), author)
    services.update_proposal(author, proposal, "Nouveau titre", "Nouveau texte")
    assert proposal.title == "Nouveau titre" and proposal.versions == []


def test_edit_after_a_support_keeps_the_previous_text(app: object) -> None:
    author = make_user()
    proposal = make_proposal(make_consultation(), author, title="Avant", body="Ancien texte")
    services.support(make_user(), proposal)
    services.update_proposal(author, proposal, "Après", "Nouveau texte")
    assert [(v.number, v.title, v.body) for v in proposal.versions] == [(1, "Avant", "Ancien texte")]
    assert proposal.events[-1].kind == "edited"


def test_support_once_and_withdraw(app: object) -> None:
    proposal = make_proposal(make_consultation(), make_user())
    supporter = make_user()
    services.support(supporter, proposal)
    with pytest.raises(Conflict):
        services.support(supporter, proposal)
    db.session.refresh(proposal)
    assert proposal.support_count == 1 and _count(Support) == 1
    services.withdraw_support(supporter, proposal)
    db.session.refresh(proposal)
    assert proposal.support_count == 0 and _count(Support) == 0


def test_cannot_support_own_proposal(app: object) -> None:
    author = make_user()
    proposal = make_proposal(make_consultation(), author)
    with pytest.raises(Conflict):
        services.support(author, proposal)
    assert _count(Support) == 0


@pytest.mark.parametrize("state", ["accepted", "rejected", "withdrawn", "merged"])
def test_cannot_support_a_closed_proposal(app: object, state: str) -> None:
    proposal = make_proposal(make_consultation(), make_user(), state=state)
    with pytest.raises(Conflict):
        services.support(make_user(), proposal)
    assert _count(Support) == 0


def test_supports_cannot_change_after_the_phase(app: object) -> None:
    proposal = make_proposal(
        make_consultation(phases=[("proposals", -10, -1), ("voting", -1, 5)]), make_user()
    )
    with pytest.raises(Conflict):
        services.support(make_user(), proposal)


def test_moderator_answer_is_recorded_and_notifies_the_author(app: object) -> None:
    from civic.notifications.models import Notification

    moderator, author = make_user(), make_user()
    consultation = make_consultation(moderators=[moderator])
    proposal = make_proposal(consultation, author)
    services.answer_proposal(moderator, proposal, "accepted", "Retenue pour le **plan**.")
    assert proposal.state == "accepted" and "<strong>plan</strong>" in proposal.answer_html
    assert proposal.events[-1].to_state == "accepted"
    notification = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notification is not None


def test_merge_needs_another_public_proposal_of_the_same_consultation(app: object) -> None:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    proposal = make_proposal(consultation, make_user())
    elsewhere = make_proposal(make_consultation(), make_user())
    for target in (None, proposal.id, elsewhere.id):
        with pytest.raises(Invalid):
            services.answer_proposal(moderator, proposal, "merged", "Fusion", target)
    into = make_proposal(consultation, make_user())
    services.answer_proposal(moderator, proposal, "merged", "Fusion", into.id)
    assert proposal.merged_into_id == into.id


def test_citizen_cannot_answer(app: object) -> None:
    proposal = make_proposal(make_consultation(), make_user())
    with pytest.raises(Forbidden):
        services.answer_proposal(make_user(), proposal, "accepted", "Non")
    assert proposal.state == "published"


def test_author_withdraws_an_open_proposal_only(app: object) -> None:
    author = make_user()
    proposal = make_proposal(make_consultation(), author)
    services.withdraw_proposal(author, proposal)
    assert proposal.state == "withdrawn"
    with pytest.raises(Conflict):
        services.withdraw_proposal(author, proposal)


def test_hiding_a_proposal_locks_its_discussion_and_restoring_reopens_it(app: object) -> None:
    from civic.deliberation.discussion import services as discussion
    from civic.deliberation.moderation import services as moderation

    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    proposal = make_proposal(consultation, make_user())
    thread = discussion.thread_for(consultation, "proposal", proposal.id, proposal.author_id)
    moderation.hide(moderator, consultation, "proposal", proposal.id, "Hors sujet")
    db.session.refresh(thread)
    assert proposal.hidden and thread.locked
    with pytest.raises(Conflict):
        discussion.post_comment(make_user(), thread, "Encore un mot", None, None)
    moderation.restore(moderator, consultation, "proposal", proposal.id)
    db.session.refresh(thread)
    assert not thread.locked


def test_withdrawn_proposal_discussion_is_locked(app: object) -> None:
    from civic.deliberation.discussion import services as discussion

    author = make_user()
    consultation = make_consultation()
    proposal = make_proposal(consultation, author)
    services.withdraw_proposal(author, proposal)
    assert discussion.thread_for(consultation, "proposal", proposal.id).locked
