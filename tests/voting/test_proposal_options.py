"""Poll options that stand for proposals of the consultation: checks, labels, the frozen rule, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import func, select

from civic.consultations.models import Consultation
from civic.deliberation.proposals.models import Proposal
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import closing, definitions, errors, exports, queries
from civic.voting.models import Poll, PollOption
from tests.conftest import html_text, post_form, sign_in
from tests.factories import make_consultation, make_proposal, make_user
from tests.voting.factories import cast


@pytest.fixture(autouse=True)
def english(app: Flask) -> Iterator[None]:
    """Messages in English, so tests read them as the code writes them."""
    with force_locale("en"):
        yield


def _polls() -> int:
    return db.session.scalar(select(func.count()).select_from(Poll)) or 0


def _data(**fields: Any) -> definitions.PollData:
    now = utcnow()
    defaults: dict[str, Any] = {
        "question_fr": "Quelle priorité?",
        "options_fr": "",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=7),
    }
    return definitions.PollData(**{**defaults, **fields})


def _setup() -> tuple[Consultation, Any, list[Proposal]]:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    author = make_user()
    proposals = [
        make_proposal(consultation, author, title="Du Wi-Fi dans les bibliothèques"),
        make_proposal(consultation, author, title="Des ateliers pour les aînés", state="accepted"),
        make_proposal(consultation, author, title="Un guichet humain", state="evaluating"),
    ]
    return consultation, moderator, proposals


def test_chosen_proposals_become_options_after_the_written_ones(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    data = _data(
        options_fr="Logiciels libres",
        options_en="Free software",
        proposal_ids=[proposals[1].id, proposals[0].id],
    )
    poll = definitions.create_poll(moderator, consultation, data)
    options = [(o.position, o.label_fr, o.label_en, o.proposal_id) for o in poll.options]
    assert options == [
        (0, "Logiciels libres", "Free software", None),
        (1, "Des ateliers pour les aînés", "Des ateliers pour les aînés", proposals[1].id),
        (2, "Du Wi-Fi dans les bibliothèques", "Du Wi-Fi dans les bibliothèques", proposals[0].id),
    ]


def test_proposals_alone_can_make_a_poll_and_ballot_files_use_their_names(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    poll = definitions.create_poll(moderator, consultation, _data(proposal_ids=[p.id for p in proposals]))
    for choice in ([0, 1], [2, 0], [0]):
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    blt = exports.ballot_file(poll, "blt")[0]
    assert all(f'"{p.title}"' in blt for p in proposals)


def test_labels_are_copied_at_creation_and_kept_when_the_proposal_changes(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    poll = definitions.create_poll(moderator, consultation, _data(proposal_ids=[p.id for p in proposals[:2]]))
    proposals[0].title = "Un autre titre"
    db.session.commit()
    db.session.refresh(poll)
    assert poll.options[0].label_fr == "Du Wi-Fi dans les bibliothèques"


def _other_consultation_proposal() -> Proposal:
    return make_proposal(make_consultation(), make_user(), title="Ailleurs")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-consultation", "There is no proposal no. {id} in this consultation."),
        ("unknown", "There is no proposal no. {id} in this consultation."),
        ("draft", "Proposal no. {id} is not published"),
        ("hidden", "Proposal no. {id} is hidden by the moderators"),
        ("duplicate", "Each proposal can be chosen only once."),
        # English messages quote with English marks (issue 18: they had French guillemets)
        ("same-title", "Two options would have the same name, “Du Wi-Fi dans les bibliothèques”"),
    ],
)
def test_proposals_that_cannot_be_options_are_refused_and_nothing_is_written(
    app: Flask, case: str, message: str
) -> None:
    consultation, moderator, proposals = _setup()
    ids = [proposals[0].id]
    options = "Logiciels libres"
    if case == "other-consultation":
        ids.append(_other_consultation_proposal().id)
    elif case == "unknown":
        ids.append(999_999)
    elif case == "draft":
        ids.append(make_proposal(consultation, make_user(), title="Brouillon", state="draft").id)
    elif case == "hidden":
        hidden = make_proposal(consultation, make_user(), title="Cachée")
        hidden.hidden = True
        db.session.commit()
        ids.append(hidden.id)
    elif case == "duplicate":
        ids.append(proposals[0].id)
    else:
        options = "Du Wi-Fi dans les bibliothèques"
    with pytest.raises(errors.PollInvalid) as raised:
        definitions.create_poll(moderator, consultation, _data(options_fr=options, proposal_ids=ids))
    assert message.format(id=ids[-1]) in raised.value.fields["proposal_ids"]
    db.session.rollback()
    assert _polls() == 0


def test_at_least_two_options_counting_proposals(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    with pytest.raises(errors.PollInvalid) as raised:
        definitions.create_poll(moderator, consultation, _data(proposal_ids=[proposals[0].id]))
    assert "Give at least two options" in raised.value.fields["options_fr"]


def test_proposal_options_are_frozen_once_there_are_ballots(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    poll = definitions.create_poll(moderator, consultation, _data(proposal_ids=[p.id for p in proposals[:2]]))
    cast(make_user(), poll, consultation, [0])
    data = definitions.definition_of(poll)
    data.proposal_ids = [p.id for p in proposals]
    with pytest.raises(errors.PollLocked):
        definitions.update_poll(moderator, consultation, poll, data)
    db.session.rollback()
    db.session.refresh(poll)
    assert [o.proposal_id for o in poll.options] == [proposals[0].id, proposals[1].id]


def test_a_poll_with_ballots_keeps_its_options_when_other_fields_change(app: Flask) -> None:
    """The same proposals in another order, a proposal retitled or hidden since: still no change."""
    consultation, moderator, proposals = _setup()
    ids = [p.id for p in proposals]
    poll = definitions.create_poll(
        moderator, consultation, _data(options_fr="Logiciels libres", proposal_ids=ids)
    )
    cast(make_user(), poll, consultation, [1, 0])
    proposals[0].title, proposals[1].hidden = "Nouveau titre", True
    db.session.commit()
    data = definitions.definition_of(poll)
    data.proposal_ids = list(reversed(ids))
    data.question_fr = "Quelle priorité d'abord?"
    definitions.update_poll(moderator, consultation, poll, data)
    db.session.refresh(poll)
    assert poll.question_fr == "Quelle priorité d'abord?"
    assert [(o.label_fr, o.proposal_id) for o in poll.options] == [
        ("Logiciels libres", None),
        ("Du Wi-Fi dans les bibliothèques", ids[0]),
        ("Des ateliers pour les aînés", ids[1]),
        ("Un guichet humain", ids[2]),
    ]


def test_options_change_freely_before_any_ballot(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    poll = definitions.create_poll(moderator, consultation, _data(proposal_ids=[p.id for p in proposals[:2]]))
    data = definitions.definition_of(poll)
    data.proposal_ids = [proposals[2].id]
    data.options_fr = "Logiciels libres"
    definitions.update_poll(moderator, consultation, poll, data)
    db.session.refresh(poll)
    assert [(o.position, o.label_fr, o.proposal_id) for o in poll.options] == [
        (0, "Logiciels libres", None),
        (1, "Un guichet humain", proposals[2].id),
    ]
    count = select(func.count()).select_from(PollOption).where(PollOption.poll_id == poll.id)
    assert db.session.scalar(count) == 2


def test_a_deleted_proposal_leaves_its_option_as_written_text(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    poll = definitions.create_poll(moderator, consultation, _data(proposal_ids=[p.id for p in proposals[:2]]))
    db.session.delete(proposals[0])
    db.session.commit()
    db.session.expire_all()
    option = poll.options[0]
    assert option.proposal_id is None and option.label_fr == "Du Wi-Fi dans les bibliothèques"


def test_a_poll_whose_proposal_was_deleted_can_still_be_edited(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    data = _data(options_fr="Logiciels libres\nDonnées", proposal_ids=[proposals[0].id])
    poll = definitions.create_poll(moderator, consultation, data)
    cast(make_user(), poll, consultation, [2, 0])
    db.session.delete(proposals[0])
    db.session.commit()
    db.session.expire_all()
    edited = definitions.definition_of(poll)
    edited.question_fr = "Quelle priorité d'abord?"
    definitions.update_poll(moderator, consultation, poll, edited)
    db.session.refresh(poll)
    assert poll.question_fr == "Quelle priorité d'abord?"
    assert [o.label_fr for o in poll.options] == ["Logiciels libres", "Données", proposals[0].title]


def test_the_form_offers_public_visible_proposals_of_this_consultation_only(app: Flask) -> None:
    consultation, moderator, proposals = _setup()
    make_proposal(consultation, make_user(), title="Brouillon", state="draft")
    hidden = make_proposal(consultation, make_user(), title="Cachée")
    hidden.hidden = True
    db.session.commit()
    _other_consultation_proposal()
    offered = queries.proposal_choices(consultation)
    assert sorted(title for _id, title in offered.choices) == sorted(p.title for p in proposals)
    assert not offered.truncated
    poll = definitions.create_poll(
        moderator, consultation, _data(proposal_ids=[proposals[0].id, proposals[1].id])
    )
    proposals[0].hidden = True
    db.session.commit()
    # A poll's own proposal stays offered (first) when it is edited, even if hidden since.
    assert queries.proposal_choices(consultation, poll).choices[0] == (proposals[0].id, proposals[0].title)


def test_the_form_lists_the_most_supported_proposals_when_there_are_many(app: Flask) -> None:
    consultation, _moderator, _proposals = _setup()
    author = make_user()
    db.session.add_all(
        Proposal(
            consultation_id=consultation.id,
            author_id=author.id,
            title=f"Proposition {i}",
            body="",
            body_html="",
            state="published",
            support_count=i,
        )
        for i in range(queries.PROPOSAL_CHOICES)
    )
    db.session.commit()
    offered = queries.proposal_choices(consultation)
    assert offered.truncated and len(offered.choices) == queries.PROPOSAL_CHOICES
    assert offered.choices[0][1] == f"Proposition {queries.PROPOSAL_CHOICES - 1}"


# --- through the pages ---------------------------------------------------------------------------

FORM = {
    "question_fr": "Quelle priorité?",
    "question_en": "Which priority?",
    "description_fr": "Une **description**",
    "options_fr": "Logiciels libres",
    "options_en": "Free software",
    "method": "schulze",
    "seats": "1",
    "rules_preset": "default",
    "max_score": "5",
    "block_threshold": "1",
    "opens_at": "2020-01-01T09:00",
    "closes_at": "2099-01-01T09:00",
    "eligibility": "registered",
    "secrecy": "secret",
}


def _signed_in_moderator(client: FlaskClient) -> tuple[Consultation, list[Proposal]]:
    consultation, moderator, proposals = _setup()
    moderator.locale = "en"
    db.session.commit()
    sign_in(client, moderator.email)
    return consultation, proposals


def test_the_poll_form_lists_the_proposals_as_check_boxes(client: FlaskClient) -> None:
    consultation, proposals = _signed_in_moderator(client)
    draft = make_proposal(consultation, make_user(), title="Brouillon secret", state="draft")
    page = html_text(client.get(f"/c/{consultation.slug}/polls/new"))
    fieldset = re.search(
        r"<fieldset[^>]*>\s*<legend>Proposals of this consultation</legend>.*?</fieldset>", page, re.S
    )
    assert fieldset, "no fieldset with a legend for the proposals"
    for proposal in proposals:
        box = re.search(rf'<input[^>]*type="checkbox"[^>]*value="{proposal.id}"[^>]*>', fieldset.group(0))
        assert box and 'name="proposal_ids"' in box.group(0)
        box_id = re.search(r'id="([^"]+)"', box.group(0))
        assert box_id and f'<label for="{box_id.group(1)}">{proposal.title}</label>' in fieldset.group(0)
    assert draft.title not in page


def test_creating_a_poll_with_proposals_through_the_form(client: FlaskClient) -> None:
    consultation, proposals = _signed_in_moderator(client)
    data = {**FORM, "proposal_ids": [str(proposals[2].id), str(proposals[0].id)]}
    response = post_form(client, f"/c/{consultation.slug}/polls/new", data)
    assert response.status_code == 302
    poll = db.session.scalar(select(Poll))
    assert poll is not None
    assert [o.proposal_id for o in poll.options] == [None, proposals[2].id, proposals[0].id]
    edit = html_text(client.get(f"/c/{consultation.slug}/polls/{poll.id}/edit"))
    for proposal in proposals:
        box = re.search(rf'<input[^>]*value="{proposal.id}"[^>]*>', edit)
        assert box and ("checked" in box.group(0)) == (proposal is not proposals[1])


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (lambda c, p: [p[0].id, p[0].id], "Each proposal can be chosen only once."),
        (lambda c, p: [p[0].id, _other_consultation_proposal().id], "in this consultation"),
        (lambda c, p: [p[0].id, make_proposal(c, make_user(), state="draft").id], "is not published"),
        (lambda c, p: ["not-a-number"], "Invalid choice"),
    ],
)
def test_bad_proposal_choices_get_a_4xx_keep_the_input_and_write_nothing(
    client: FlaskClient, ids: Any, message: str
) -> None:
    consultation, proposals = _signed_in_moderator(client)
    chosen = [str(i) for i in ids(consultation, proposals)]
    response = post_form(client, f"/c/{consultation.slug}/polls/new", {**FORM, "proposal_ids": chosen})
    assert response.status_code == 422
    page = html_text(response)
    assert message in page
    assert "Une **description**" in page and "Logiciels libres" in page
    if chosen[0].isdigit():  # the valid proposal that was ticked is still ticked
        box = re.search(rf'<input[^>]*value="{proposals[0].id}"[^>]*>', page)
        assert box and "checked" in box.group(0)
    assert _polls() == 0


def test_ballot_results_and_audit_link_options_to_their_proposals(client: FlaskClient) -> None:
    consultation, moderator, proposals = _setup()
    data = _data(options_fr="Logiciels libres", proposal_ids=[proposals[0].id, proposals[1].id])
    poll = definitions.create_poll(moderator, consultation, data)
    links = {f'href="/c/{consultation.slug}/proposals/{p.id}"' for p in proposals[:2]}
    sign_in(client, make_user(locale="en").email)
    ballot = client.get(f"/c/{consultation.slug}/polls/{poll.id}").get_data(as_text=True)
    assert all(link in ballot for link in links)
    assert ballot.count('class="option-link"') == 2  # the written option links nowhere
    cast(make_user(), poll, consultation, [1, 0, 2])
    cast(make_user(), poll, consultation, [1, 2])
    closing.close_poll(moderator, consultation, poll)
    results = client.get(f"/c/{consultation.slug}/polls/{poll.id}/results").get_data(as_text=True)
    winners = re.search(r'<ol class="winners">.*?</ol>', results, re.S)
    assert winners and f'/proposals/{proposals[0].id}"' in winners.group(0)
    assert all(link in results for link in links)
    audit = client.get(f"/c/{consultation.slug}/polls/{poll.id}/audit").get_data(as_text=True)
    assert all(link in audit for link in links)
    assert 'Read the proposal<span class="visually-hidden">: Du Wi-Fi dans les bibliothèques</span>' in audit
