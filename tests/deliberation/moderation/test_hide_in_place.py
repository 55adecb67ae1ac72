"""A moderator hides any comment or proposal where it stands (reported or not), with a public reason, and
sets how many reports hide a contribution automatically."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from civic.deliberation.moderation import services
from civic.deliberation.moderation.models import Flag, ModerationAction
from civic.errors import Forbidden, Invalid, NotFound
from civic.extensions import db
from tests.conftest import html_text, post_form, sign_in
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.usefixtures("app")


def _hide_url(slug: str, kind: str, target_id: int) -> str:
    return f"/c/{slug}/moderation/{kind}/{target_id}/hide"


def test_comment_shows_a_hide_link_to_its_consultations_moderators_only(client: FlaskClient) -> None:
    moderator, other_moderator, citizen = make_user(), make_user(), make_user()
    consultation = discussion_consultation([moderator])
    discussion_consultation([other_moderator])
    comment = make_comment(make_thread(consultation), make_user())
    link = _hide_url(consultation.slug, "comment", comment.id)
    for person, shown in ((citizen, False), (other_moderator, False), (moderator, True)):
        sign_in(client, person.email)
        page = client.get(f"/c/{consultation.slug}/discussion").get_data(as_text=True)
        assert (link in page) is shown


def test_moderator_hides_an_unreported_comment_and_goes_back_to_it(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    comment = make_comment(make_thread(consultation), make_user(name="Léa"), "Un **texte** à cacher")
    sign_in(client, moderator.email)
    page = html_text(client.get(_hide_url(consultation.slug, "comment", comment.id) + "?next=/x"))
    assert "<strong>texte</strong>" in page and "Léa" in page and 'name="reason"' in page
    response = post_form(
        client,
        _hide_url(consultation.slug, "comment", comment.id),
        {"reason": "Propos blessants", "next": f"/c/{consultation.slug}/discussion"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{consultation.slug}/discussion"
    db.session.refresh(comment)
    assert comment.hidden and comment.hidden_reason == "Propos blessants"
    entry = db.session.scalar(select(ModerationAction))
    assert entry is not None and (entry.action, entry.reason) == ("hide", "Propos blessants")
    assert db.session.scalar(select(Flag)) is None
    page = html_text(client.get(f"/c/{consultation.slug}/discussion"))
    assert "Propos blessants" in page and "texte à cacher" not in page
    assert f"/c/{consultation.slug}/moderation/comment/{comment.id}/restore" in page  # show it again


def test_hide_without_reason_keeps_the_form_and_what_was_typed(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    comment = make_comment(make_thread(consultation), make_user())
    sign_in(client, moderator.email)
    url = _hide_url(consultation.slug, "comment", comment.id)
    response = post_form(client, url, {"reason": "   ", "next": "/retour"})
    assert response.status_code == 422
    assert 'value="/retour"' in html_text(response)
    too_long = "Raison " + "x" * 1000
    response = post_form(client, url, {"reason": too_long})
    assert response.status_code == 422 and too_long in html_text(response)
    assert 'aria-invalid="true"' in html_text(response)
    db.session.refresh(comment)
    assert not comment.hidden


def test_proposal_page_offers_hide_then_show_again(client: FlaskClient) -> None:
    moderator, citizen = make_user(), make_user()
    consultation = discussion_consultation([moderator])
    proposal = make_proposal(consultation, make_user(), title="Des bancs")
    page_url = f"/c/{consultation.slug}/proposals/{proposal.id}"
    sign_in(client, citizen.email)
    assert _hide_url(consultation.slug, "proposal", proposal.id) not in client.get(page_url).get_data(
        as_text=True
    )
    sign_in(client, moderator.email)
    assert _hide_url(consultation.slug, "proposal", proposal.id) in client.get(page_url).get_data(
        as_text=True
    )
    response = post_form(
        client,
        _hide_url(consultation.slug, "proposal", proposal.id),
        {"reason": "Publicité", "next": page_url},
    )
    assert response.status_code == 302 and response.headers["Location"] == page_url
    db.session.refresh(proposal)
    assert proposal.hidden and proposal.hidden_reason == "Publicité"
    restore = f"/c/{consultation.slug}/moderation/proposal/{proposal.id}/restore"
    assert restore in client.get(page_url).get_data(as_text=True)
    post_form(client, restore, {"next": page_url}, token_from=page_url)
    db.session.refresh(proposal)
    assert not proposal.hidden


def test_a_draft_cannot_be_reached_nor_hidden_by_moderators() -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    draft = make_proposal(consultation, make_user(), state="draft")
    with pytest.raises(NotFound):
        services.hideable(moderator, consultation, "proposal", draft.id)
    with pytest.raises(NotFound):
        services.hide(moderator, consultation, "proposal", draft.id, "Non")


def test_hide_from_the_queue_still_re_renders_the_queue(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    sign_in(client, moderator.email)
    response = post_form(
        client,
        _hide_url(consultation.slug, "comment", comment.id),
        {"reason": "", "origin": "queue"},
        token_from=f"/c/{consultation.slug}/moderation",
    )
    assert response.status_code == 422 and f'id="item-comment-{comment.id}"' in html_text(response)


def test_threshold_service_checks_role_and_bounds() -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    with pytest.raises(Forbidden):
        services.set_flag_threshold(make_user(), consultation, 5)
    for wrong in (0, 21, -3):
        with pytest.raises(Invalid):
            services.set_flag_threshold(moderator, consultation, wrong)
    services.set_flag_threshold(moderator, consultation, 1)
    comment = make_comment(make_thread(consultation), make_user())
    services.flag(make_user(), "comment", comment.id, "spam")
    assert comment.hidden  # one report is enough now


@pytest.mark.parametrize("wrong", ["0", "21", "abc", "", "2.5"])
def test_threshold_form_refuses_bad_input_with_the_text_kept(client: FlaskClient, wrong: str) -> None:
    moderator = make_user()
    consultation = discussion_consultation([moderator])
    sign_in(client, moderator.email)
    url = f"/c/{consultation.slug}/moderation/settings"
    response = post_form(client, url, {"flag_threshold": wrong})
    assert response.status_code == 422
    page = html_text(response)
    assert f'value="{wrong}"' in page and 'aria-invalid="true"' in page
    db.session.refresh(consultation)
    assert consultation.flag_threshold == 3


def test_threshold_form_saves_and_the_queue_says_it(client: FlaskClient) -> None:
    moderator = make_user(locale="en")
    consultation = discussion_consultation([moderator])
    sign_in(client, moderator.email)
    url = f"/c/{consultation.slug}/moderation/settings"
    assert 'value="3"' in html_text(client.get(url))
    response = post_form(client, url, {"flag_threshold": "5"})
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.flag_threshold == 5
    queue = html_text(client.get(f"/c/{consultation.slug}/moderation"))
    assert "Reports from 5 different people hide a contribution until review." in queue
