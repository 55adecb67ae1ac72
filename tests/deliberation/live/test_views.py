"""The pages without JavaScript: everyone's page, the console, the projector, the minutes; every form, its
errors re-rendered with what was typed, and a 4xx (never a 500) for what cannot be done."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from civic.deliberation.live import questions, quickpolls, sessions, speakers, state
from civic.deliberation.live.models import LiveSession, Question, QuickPoll
from civic.extensions import db
from tests.conftest import csrf_token, html_text, sign_in
from tests.deliberation.live.factories import live_consultation, make_session, people
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _setup(
    client: FlaskClient, role: str = "participant", **settings: object
) -> tuple[LiveSession, str, list]:  # type: ignore[type-arg]
    moderator = make_user(name="Modératrice")
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator, **settings)
    others = people(3)
    me = moderator if role == "facilitator" else others[0]
    sign_in(client, me.email)
    return session, f"/c/{consultation.slug}/live/{session.id}", [moderator, *others]


def _post(client: FlaskClient, path: str, data: dict | None = None, page: str | None = None) -> object:  # type: ignore[type-arg]
    token = csrf_token(client, page or path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_the_consultation_links_to_its_live_sessions(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = live_consultation(moderators=[moderator])
    make_session(consultation, moderator, title="Assemblée d'automne")
    page = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert f'href="/c/{consultation.slug}/live"' in page
    listing = html_text(client.get(f"/c/{consultation.slug}/live"))
    assert "Assemblée d'automne" in listing


def test_the_page_shows_the_state_without_javascript(client: FlaskClient) -> None:
    session, path, (moderator, me, other, _x) = _setup(client)
    speakers.raise_hand(other, session)
    speakers.raise_hand(me, session)
    speakers.give_floor(moderator, session)
    sessions.pin_announcement(moderator, session, "Pause **café** à 20 h")
    page = html_text(client.get(path))
    assert "Point 1" in page  # the current item
    assert "<strong>café</strong>" in page
    assert "Personne 1" in page  # speaking
    assert re.search(r'role="timer" data-clock="turn">[01]:\d\d<', page)  # time left when loaded
    # In French, the reader's language:
    assert "Vous êtes la prochaine personne à parler." in page
    assert f'href="{path}"' in page  # the refresh link


def test_raising_a_hand_with_the_form_then_again_is_a_clear_409(client: FlaskClient) -> None:
    session, path, _people = _setup(client)
    response = _post(client, f"{path}/hand", {"lane": "normal"}, page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith("#speakers")
    again = _post(client, f"{path}/hand", {"lane": "normal"}, page=path)
    assert again.status_code == 409
    assert 'role="alert"' in again.get_data(as_text=True)
    assert len(state.queue(session.id)) == 1
    lower = _post(client, f"{path}/hand/lower", {"lane": "normal"}, page=path)
    assert lower.status_code == 302 and state.queue(session.id) == []


def test_answering_with_the_form_once_only(client: FlaskClient) -> None:
    session, path, (moderator, *_rest) = _setup(client)
    poll = quickpolls.create_poll(moderator, session, quickpolls.PollData(question_fr="Oui ?"))
    page = client.get(path).get_data(as_text=True)
    assert f'action="{path}/polls/{poll.id}/answer"' in page
    assert _post(client, f"{path}/polls/{poll.id}/answer", {"choice": "2"}, page=path).status_code == 302
    assert _post(client, f"{path}/polls/{poll.id}/answer", {"choice": "0"}, page=path).status_code == 409
    quickpolls.close_poll(moderator, session, poll.id)
    assert state.public_state(session)["poll"]["result"]["counts"] == [0, 0, 1]


def test_a_ranked_answer_with_selects(client: FlaskClient) -> None:
    session, path, (moderator, *_rest) = _setup(client)
    poll = quickpolls.create_poll(
        moderator,
        session,
        quickpolls.PollData(kind="method", method="irv", question_fr="Ordre ?", options_fr="A\nB\nC"),
    )
    url = f"{path}/polls/{poll.id}/answer"
    assert _post(client, url, {"rank-0": "1", "rank-1": "1"}, page=path).status_code == 422  # one rank twice
    assert _post(client, url, {"rank-0": "9"}, page=path).status_code == 422
    assert _post(client, url, {"rank-0": "2", "rank-2": "1", "rank-1": ""}, page=path).status_code == 302
    answer = db.session.scalar(db.select(quickpolls.QuickAnswer.choice))
    assert answer == "[2, 0]"


def test_a_question_over_the_limit_comes_back_with_its_text(client: FlaskClient) -> None:
    session, path, _people = _setup(client)
    text = "Pourquoi " + "x" * 600
    response = _post(client, f"{path}/questions", {"text": text}, page=path)
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    blank = _post(client, f"{path}/questions", {"text": "\u200b\u200b"}, page=path)
    assert blank.status_code == 422
    ok = _post(client, f"{path}/questions", {"text": "Quand ?"}, page=path)
    assert ok.status_code == 302
    assert "Quand ?" in client.get(path).get_data(as_text=True)  # among my questions awaiting approval


def test_supporting_a_question_with_the_form(client: FlaskClient) -> None:
    session, path, (moderator, _me, other, _x) = _setup(client)
    question = questions.ask(other, session, "Et le budget ?")
    questions.decide(moderator, session, question.id, Question.APPROVED)
    assert _post(client, f"{path}/questions/{question.id}/support", page=path).status_code == 302
    db.session.refresh(question)
    assert question.support_count == 1
    assert 'aria-pressed="true"' in client.get(path).get_data(as_text=True)
    assert _post(client, f"{path}/questions/{question.id}/support", page=path).status_code == 302
    db.session.refresh(question)
    assert question.support_count == 0


def test_anonymous_visitors_follow_but_do_not_take_part(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator)
    path = f"/c/{consultation.slug}/live/{session.id}"
    page = client.get(path)
    assert page.status_code == 200 and "/hand" not in page.get_data(as_text=True)
    assert client.get(f"{path}/projector").status_code == 200
    assert client.get(f"{path}/console").status_code == 302  # to the sign-in page


def test_the_console_is_for_facilitators(client: FlaskClient) -> None:
    _session, path, _people = _setup(client)
    assert client.get(f"{path}/console").status_code == 403
    response = _post(client, f"{path}/console", {"action": "end"}, page=path)
    assert response.status_code == 403


def test_the_console_buttons_without_javascript(client: FlaskClient) -> None:
    session, path, (moderator, a, b, _c) = _setup(client, "facilitator")
    console = f"{path}/console"
    assert client.get(console).status_code == 200
    speakers.raise_hand(a, session)
    speakers.raise_hand(b, session)
    response = _post(client, console, {"action": "floor"}, page=console)
    assert response.status_code == 302 and response.headers["Location"].endswith("#speakers")
    assert state.public_state(session)["speaker"]["name"] == "Personne 0"
    second = state.queue(session.id)[0]
    assert (
        _post(client, console, {"action": "floor", "speaker": str(second.id)}, page=console).status_code
        == 302
    )
    assert _post(client, console, {"action": "next-item"}, page=console).status_code == 302
    db.session.expire_all()  # the requests ran in sessions of their own
    assert state.public_state(session)["item"]["title"][0] == "Point 2"
    refused = _post(client, console, {"action": "floor"}, page=console)
    assert refused.status_code == 409 and 'role="alert"' in refused.get_data(as_text=True)
    for bad in (
        {"action": "explode"},
        {"action": "floor", "speaker": "abc"},
        {"action": "start-item", "item": str(2**63)},
    ):
        assert _post(client, console, bad, page=console).status_code in (404, 409, 422), bad


def test_console_forms_keep_what_was_typed(client: FlaskClient) -> None:
    session, path, _people = _setup(client, "facilitator")
    console = f"{path}/console"
    too_long = "Louise " + "x" * 120
    response = _post(client, f"{path}/speakers", {"name": too_long, "lane": "normal"}, page=console)
    assert response.status_code == 422 and too_long in response.get_data(as_text=True)
    response = _post(
        client,
        f"{path}/polls",
        {"kind": "choice", "question_fr": "Où ?", "options_fr": "Seule", "max_score": "5"},
        page=console,
    )
    assert response.status_code == 422 and "Où ?" in html_text(response)
    assert db.session.scalar(db.select(db.func.count(QuickPoll.id))) == 0
    response = _post(client, f"{path}/announcement", {"text": "\u200b"}, page=console)
    assert response.status_code == 422
    assert (
        _post(client, f"{path}/speakers", {"name": "Louise", "lane": "order"}, page=console).status_code
        == 302
    )
    assert state.public_state(session)["queue"][0]["name"] == "Louise"


def test_an_agenda_item_links_only_to_this_consultation(client: FlaskClient) -> None:
    session, path, (moderator, *_rest) = _setup(client, "facilitator")
    console = f"{path}/console"
    mine = make_proposal(session.consultation, moderator, title="Ma proposition")
    elsewhere = make_proposal(live_consultation(), moderator, title="Ailleurs")
    hidden = make_proposal(session.consultation, moderator, title="Cachée")
    hidden.hidden = True
    db.session.commit()
    page = client.get(console).get_data(as_text=True)
    assert f'value="proposal:{mine.id}"' in page and f"proposal:{elsewhere.id}" not in page
    for link in (f"proposal:{elsewhere.id}", f"proposal:{hidden.id}", "proposal:x", "nothing:1"):
        response = _post(
            client, f"{path}/agenda", {"title_fr": "Lié", "minutes": "5", "link": link}, page=console
        )
        assert response.status_code == 422, link
        assert "Lié" in response.get_data(as_text=True)
    assert (
        _post(
            client,
            f"{path}/agenda",
            {"title_fr": "Lié", "minutes": "5", "link": f"proposal:{mine.id}"},
            page=console,
        ).status_code
        == 302
    )
    item = state.public_state(session)["agenda"][-1]
    assert item["title"][0] == "Lié"


def test_a_show_of_hands_with_the_form(client: FlaskClient) -> None:
    session, path, (moderator, *_rest) = _setup(client, "facilitator")
    poll = quickpolls.create_poll(moderator, session, quickpolls.PollData(question_fr="Oui ?"))
    url = f"{path}/polls/{poll.id}/tally"
    console = f"{path}/console"
    assert 'name="counts"' in client.get(console).get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": csrf_token(client, console), "counts": ["1", "x", "2"]})
    assert bad.status_code == 422
    ok = client.post(url, data={"csrf_token": csrf_token(client, console), "counts": ["12", "3", "0"]})
    assert ok.status_code == 302
    db.session.refresh(poll)
    assert poll.tally == [12, 3, 0]


def test_settings_and_new_session_forms(client: FlaskClient) -> None:
    session, path, _people = _setup(client, "facilitator")
    slug = session.consultation.slug
    bad = _post(client, f"/c/{slug}/live/new", {"title_fr": "Sans date", "speaking_seconds": "60"})
    assert bad.status_code == 422 and "Sans date" in bad.get_data(as_text=True)
    url = _post(
        client,
        f"/c/{slug}/live/new",
        {
            "title_fr": "Lien",
            "starts_at": "2026-12-08T19:00",
            "online_url": "javascript:alert(1)",
            "speaking_seconds": "60",
        },
    )
    assert url.status_code == 422
    good = _post(
        client,
        f"/c/{slug}/live/new",
        {"title_fr": "Nouvelle", "starts_at": "2026-12-08T19:00", "speaking_seconds": "60"},
    )
    assert good.status_code == 302
    changed = _post(
        client,
        f"{path}/settings",
        {"title_fr": "Renommée", "starts_at": "2026-12-08T19:00", "speaking_seconds": "45"},
    )
    assert changed.status_code == 302
    db.session.refresh(session)
    assert session.title_fr == "Renommée" and session.speaking_seconds == 45


def test_minutes_are_edited_published_and_public(client: FlaskClient) -> None:
    session, path, (moderator, a, *_rest) = _setup(client, "facilitator")
    speakers.raise_hand(a, session)
    speakers.give_floor(moderator, session)
    assert client.get(f"{path}/minutes/edit").status_code == 403  # not ended yet
    sessions.end_session(moderator, session)
    anonymous = client.application.test_client()
    assert anonymous.get(f"{path}/minutes").status_code == 404  # a draft
    page = client.get(f"{path}/minutes/edit")
    assert page.status_code == 200 and "Personne 0" in html_text(page)
    empty = _post(client, f"{path}/minutes/edit", {"text": " ", "do": "publish"})
    assert empty.status_code == 422
    text = "# Compte rendu\n\nTout s'est bien passé. <script>alert(1)</script>"
    assert _post(client, f"{path}/minutes/edit", {"text": text, "do": "publish"}).status_code == 302
    public = anonymous.get(f"{path}/minutes")
    assert public.status_code == 200
    body = public.get_data(as_text=True)
    assert "Tout s&#39;est bien passé" in body or "Tout s'est bien passé" in body
    assert "<script>alert" not in body
    assert _post(client, f"{path}/minutes/edit", {"text": text, "do": "unpublish"}).status_code == 302
    assert anonymous.get(f"{path}/minutes").status_code == 404


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("page", ["", "/projector", "/console"])
def test_pages_cost_the_same_queries_for_a_long_list(client: FlaskClient, page: str) -> None:
    def queries(waiting: int) -> int:
        session, path, (moderator, *_rest) = _setup(client, "facilitator")
        for person in people(waiting, prefix=f"P{waiting}"):
            speakers.raise_hand(person, session)
        for number in range(waiting):
            question = questions.ask(moderator, session, f"Question {number}")
            questions.decide(moderator, session, question.id, Question.APPROVED)
        client.get(path + page)
        with counted() as statements:
            assert client.get(path + page).status_code == 200
        return len(statements)

    assert queries(2) == queries(12)
