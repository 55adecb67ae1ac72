"""One computation of what is open: what the consultation page lists is what the services accept.

For each kind of phase (with the components it enables by default), a consultation holds one thing of
every component; each component's service is then asked to take part (a proposal, a comment, a ballot, an
opinion, a raised hand...). The page lists the component ⇔ the service accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from civic.accounts.models import User
from civic.coalitions import permissions as coalition_permissions
from civic.components import PHASE_KINDS
from civic.consultations.models import Consultation
from civic.consultations.participation import existing_components, open_actions, purpose, step_of
from civic.consultations.services import current_phase
from civic.deliberation.discussion.services import post_comment, thread_for
from civic.deliberation.drafting import permissions as drafting_permissions
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import sessions, speakers
from civic.deliberation.live.models import LiveSession
from civic.deliberation.opinions import services as opinion_services
from civic.deliberation.opinions.models import OpinionMap, Statement
from civic.deliberation.proposals.services import create_proposal
from civic.errors import CivicError
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import ballots
from civic.voting.models import Poll
from tests.coalitions.factories import make_position
from tests.conftest import sign_in
from tests.factories import make_consultation, make_document, make_user
from tests.voting.factories import make_poll

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    consultation: Consultation
    citizen: User
    document: Document
    poll: Poll
    position: object
    opinion_map: OpinionMap
    session: LiveSession


def _world(kind: str, status: str = "open") -> World:
    moderator = make_user(name="Modératrice")
    consultation = make_consultation(moderators=[moderator], phases=[(kind, -1, 10)])
    document = make_document(consultation, moderator, text="Texte")
    poll = make_poll(consultation)
    position = make_position(consultation, moderator)
    opinion_map = opinion_services.create_map(moderator, consultation, "Avis ?", "Opinion?", True, ["Oui"])
    session = sessions.create_session(
        moderator,
        consultation,
        sessions.SessionData(title_fr="Assemblée", title_en="Meeting", starts_at=utcnow()),
    )  # type: ignore[call-arg]
    session.state = (
        LiveSession.RUNNING
    )  # a session runs until ended, whatever the phase (see live.permissions)
    consultation.status = status
    db.session.commit()
    return World(consultation, make_user(name="Citoyenne"), document, poll, position, opinion_map, session)


def _accepts(component: str, w: World) -> bool:
    """Ask the component's service (or, for co-drafting and endorsements, the predicate it asks) to take part."""
    attempts = {
        "proposals": lambda: create_proposal(
            w.citizen, w.consultation, "Des bancs au parc", "Plus de bancs pour se reposer.", publish=True
        ),
        "discussion": lambda: post_comment(
            w.citizen, thread_for(w.consultation, "consultation", w.consultation.id), "Un avis."
        ),
        "voting": lambda: ballots.cast_ballot(
            w.citizen, w.poll, w.consultation, ballots.read_ballot(w.poll, {"rank-0": "1"})
        ),
        "opinions": lambda: opinion_services.vote(
            w.citizen,
            w.opinion_map,
            db.session.scalar(select(Statement.id).where(Statement.map_id == w.opinion_map.id)),
            1,
        ),
        "live": lambda: speakers.raise_hand(w.citizen, w.session),
    }
    if component == "drafting":  # the co-drafting engine lets in whom role_for lets in
        return drafting_permissions.role_for(w.citizen, w.document) != drafting_permissions.VIEWER
    if component == "endorsements":  # endorsing.endorse asks this predicate first
        return coalition_permissions.can_endorse_as_citizen(
            w.citizen,
            w.position,
            w.consultation,
            utcnow(),  # type: ignore[arg-type]
        )
    try:
        attempts[component]()
    except CivicError:
        db.session.rollback()
        return False
    return True


COMPONENTS = ("proposals", "discussion", "drafting", "voting", "endorsements", "opinions", "live")


@pytest.mark.parametrize("kind", list(PHASE_KINDS))
def test_the_page_lists_open_exactly_what_the_services_accept(kind: str) -> None:
    w = _world(kind)
    listed = {opening.component for opening in open_actions(w.consultation, w.citizen)}
    accepted = {component for component in COMPONENTS if _accepts(component, w)}
    assert listed == accepted
    # Phases gate proposals, discussion, co-drafting and opinion maps; polls, positions and sessions keep
    # their own dates and states (so a table that could not fail is not what is tested here).
    enabled = set(PHASE_KINDS[kind][1])
    assert accepted == (enabled & {"proposals", "discussion", "drafting", "opinions"}) | {
        "voting",
        "endorsements",
        "live",
    }


def test_a_closed_consultation_lists_nothing_and_accepts_nothing() -> None:
    w = _world("proposals", status="closed")
    assert open_actions(w.consultation, w.citizen) == []
    assert not any(_accepts(component, w) for component in COMPONENTS)


@pytest.mark.parametrize(("opens", "closes"), [(1, 5), (-5, -1)])
def test_a_poll_outside_its_dates_is_not_listed_and_takes_no_ballot(opens: int, closes: int) -> None:
    w = _world("information")
    w.poll.opens_at, w.poll.closes_at = utcnow() + timedelta(days=opens), utcnow() + timedelta(days=closes)
    db.session.commit()
    assert "voting" not in {o.component for o in open_actions(w.consultation, w.citizen)}
    assert not _accepts("voting", w)


def test_someone_signed_out_sees_the_same_openings_as_sign_in_prompts() -> None:
    w = _world("proposals")
    signed_in = open_actions(w.consultation, w.citizen)
    signed_out = open_actions(w.consultation, None)
    assert [(o.component, o.action) for o in signed_out] == [(o.component, o.action) for o in signed_in]
    assert all(o.sign_in and not o.allowed for o in signed_out)
    assert all(o.allowed and not o.sign_in for o in signed_in)


def test_an_ineligible_voter_sees_the_poll_without_being_told_to_vote() -> None:
    w = _world("voting")
    w.poll.eligibility = "invited"
    db.session.commit()
    (opening,) = [o for o in open_actions(w.consultation, w.citizen) if o.component == "voting"]
    assert not opening.allowed and not opening.sign_in
    assert not _accepts("voting", w)


def test_only_components_with_something_in_them_exist() -> None:
    consultation = make_consultation(
        phases=[("proposals", -1, 10), ("co-drafting", 10, 20), ("voting", 20, 30)]
    )
    assert existing_components(consultation) == ["proposals", "discussion"]
    make_document(consultation)
    make_poll(consultation)
    assert existing_components(consultation) == ["proposals", "discussion", "drafting", "voting"]


def test_step_counts_phases_from_one() -> None:
    consultation = make_consultation()
    assert step_of(consultation, current_phase(consultation)) == 2


def test_purpose_is_the_first_paragraph_as_plain_text(app: object) -> None:
    consultation = make_consultation()
    consultation.description_html_fr = "<p>Un plan <strong>pour tous</strong>.</p><p>Suite.</p>"
    with app.test_request_context(headers={"Cookie": "lang=fr"}):  # type: ignore[attr-defined]
        assert purpose(consultation) == "Un plan pour tous."


def _queries_for(client: FlaskClient, path: str) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _held_consultation() -> None:
    consultation = make_consultation(phases=[("co-drafting", -1, 10)])
    make_document(consultation)
    make_poll(consultation)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_home_page_costs_the_same_queries_for_one_consultation_as_for_ten(
    client: FlaskClient, signed_in: bool
) -> None:
    if signed_in:
        sign_in(client, make_user().email)
    _held_consultation()
    one = _queries_for(client, "/")
    for _ in range(9):
        _held_consultation()
    assert _queries_for(client, "/") == one
