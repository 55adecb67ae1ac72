"""Opinion-map pages without JavaScript: vote one statement at a time, add a statement, read the results."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from civic.deliberation.opinions import runs
from civic.deliberation.opinions.models import OpinionMap, OpinionVote, Statement
from civic.extensions import db
from tests.conftest import csrf_token, html_text, sign_in
from tests.deliberation.opinions.factories import (
    make_map,
    opinions_consultation,
    planted_groups,
    statements_of,
)
from tests.factories import make_document, make_user


def _signed_in(app: Flask, user: Any) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _path(opinion_map: OpinionMap, tail: str = "") -> str:
    return f"/c/{opinion_map.consultation.slug}/opinions/{opinion_map.id}{tail}"


def _shown_statement(page: str) -> int:
    found = re.search(r'name="statement" value="(\d+)"', page)
    assert found, page[:2000]
    return int(found.group(1))


def test_voting_one_statement_after_another_without_javascript(app: Flask) -> None:
    opinion_map = make_map(statements=["Un", "Deux", "Trois"])
    person = make_user()
    client = _signed_in(app, person)
    voted = []
    for _round in range(3):
        page = client.get(_path(opinion_map)).get_data(as_text=True)
        statement = _shown_statement(page)
        assert statement not in voted
        token = csrf_token(client, _path(opinion_map))
        response = client.post(
            _path(opinion_map, "/vote"),
            data={"csrf_token": token, "statement": statement, "vote": "disagree"},
        )
        assert response.status_code == 302 and response.headers["Location"].endswith("#statement")
        voted.append(statement)
    page = html_text(client.get(_path(opinion_map)))
    assert "voted on every statement" in page or "voté sur tous les énoncés" in page
    assert sorted(v.value for v in OpinionVote.query.all()) == [-1, -1, -1]


def test_this_matters_to_me_is_recorded(app: Flask) -> None:
    opinion_map = make_map(statements=["Un"])
    client = _signed_in(app, make_user())
    statement = statements_of(opinion_map)[0]
    token = csrf_token(client, _path(opinion_map))
    client.post(
        _path(opinion_map, "/vote"),
        data={"csrf_token": token, "statement": statement.id, "vote": "agree", "important": "y"},
    )
    assert [(v.value, v.important) for v in OpinionVote.query.all()] == [(1, True)]


def test_a_vote_on_another_maps_statement_is_a_clear_422(app: Flask) -> None:
    opinion_map, other = make_map(), make_map()
    client = _signed_in(app, make_user())
    token = csrf_token(client, _path(opinion_map))
    response = client.post(
        _path(opinion_map, "/vote"),
        data={"csrf_token": token, "statement": statements_of(other)[0].id, "vote": "agree"},
    )
    assert response.status_code == 422
    assert "n'appartient pas à cette carte" in html_text(
        response
    ) or "not part of this opinion map" in html_text(response)
    assert OpinionVote.query.count() == 0


def test_a_too_long_statement_comes_back_with_its_text(app: Flask) -> None:
    opinion_map = make_map()
    client = _signed_in(app, make_user())
    token = csrf_token(client, _path(opinion_map))
    text = "Une idée " + "très " * 60
    response = client.post(_path(opinion_map, "/statements"), data={"csrf_token": token, "body": text})
    assert response.status_code == 422
    assert text.strip() in html_text(response)
    assert Statement.query.filter_by(map_id=opinion_map.id).count() == 8


def test_a_statement_is_added_and_the_author_is_counted_as_agreeing(app: Flask) -> None:
    opinion_map = make_map()
    client = _signed_in(app, make_user())
    token = csrf_token(client, _path(opinion_map))
    response = client.post(
        _path(opinion_map, "/statements"), data={"csrf_token": token, "body": "Des bancs publics"}
    )
    assert response.status_code == 302
    added = Statement.query.filter_by(body="Des bancs publics").one()
    assert added.agree_count == 1


def test_anonymous_visitors_read_and_are_asked_to_sign_in(app: Flask) -> None:
    opinion_map = make_map()
    page = html_text(app.test_client().get(_path(opinion_map)))
    assert "Sign in to vote" in page or "Se connecter pour voter" in page
    assert 'name="vote"' not in page


def test_results_say_the_same_in_a_table_and_in_text(app: Flask) -> None:
    opinion_map = make_map()
    groups = planted_groups(opinion_map, (8, 8))
    runs.run_analysis(opinion_map.id)
    client = _signed_in(app, groups[0][0])
    for lang in ("fr", "en"):
        client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": lang})
        page = html_text(client.get(_path(opinion_map, "/results")))
        assert "<svg" in page and 'role="img"' in page and 'aria-labelledby="map-caption"' in page
        assert page.count('<th scope="row">') == 2  # one row per group
        assert page.count('<ul class="distinctions">') == 2  # what sets each apart, in words
        assert statements_of(opinion_map)[0].body in page  # the consensus statement, in words
        assert ("You are in group" in page) if lang == "en" else ("Vous êtes dans le groupe" in page)


def test_results_before_any_analysis_are_not_a_blank_page(app: Flask) -> None:
    opinion_map = make_map()
    page = html_text(app.test_client().get(_path(opinion_map, "/results")))
    assert "No results yet" in page or "Pas encore de résultats" in page


def test_results_after_a_failed_run_show_the_last_ones_and_when(app: Flask, monkeypatch: Any) -> None:
    opinion_map = make_map()
    planted_groups(opinion_map, (8, 8))
    runs.run_analysis(opinion_map.id)
    monkeypatch.setattr(runs, "_compute", lambda *_a: (_ for _ in ()).throw(RuntimeError("boom")))
    from civic.deliberation.opinions import services

    services.vote(make_user(), opinion_map, statements_of(opinion_map)[1].id, 1)
    runs.run_analysis(opinion_map.id)
    page = html_text(app.test_client().get(_path(opinion_map, "/results")))
    assert page.count('<th scope="row">') == 2
    assert "The last update failed" in page or "La dernière mise à jour a échoué" in page


def test_a_hidden_statement_page_shows_the_reason_not_the_text(app: Flask) -> None:
    opinion_map = make_map()
    statement = statements_of(opinion_map)[0]
    statement.hidden, statement.hidden_reason = True, "Hors sujet"
    db.session.commit()
    page = html_text(app.test_client().get(_path(opinion_map, f"/statements/{statement.id}")))
    assert "Hors sujet" in page and statement.body not in page


def test_the_export_downloads_as_a_zip(app: Flask) -> None:
    opinion_map = make_map()
    response = app.test_client().get(_path(opinion_map, "/export.zip"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert "comments.csv" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()


def test_an_import_with_a_missing_column_is_a_422_and_writes_nothing(app: Flask) -> None:
    moderator = make_user()
    consultation = opinions_consultation(moderators=[moderator])
    client = _signed_in(app, moderator)
    path = f"/c/{consultation.slug}/opinions/import"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "question_fr": "Importée",
            "comments": (io.BytesIO(b"comment-id,agrees\n0,1\n"), "comments.csv"),
            "votes": (io.BytesIO(b"comment-id,voter-id,vote\n0,1,1\n"), "votes.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "comment-body" in html_text(response)
    assert OpinionMap.query.count() == 0


def test_a_moderator_publishes_a_consensus_statement_as_a_proposal_in_one_step(app: Flask) -> None:
    from civic.deliberation.proposals.models import Proposal

    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    statement = statements_of(opinion_map)[0]
    client = _signed_in(app, moderator)
    path = _path(opinion_map, f"/statements/{statement.id}/proposal")
    page = html_text(client.get(path))
    assert statement.body in page
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "title": statement.body, "body": statement.body}
    )
    assert response.status_code == 302
    proposal = Proposal.query.one()
    assert (proposal.title, proposal.state, proposal.author_id) == (statement.body, "published", moderator.id)


def test_a_moderator_suggests_a_statement_as_an_amendment(app: Flask) -> None:
    from civic.deliberation.drafting.amendments.models import Amendment

    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    document = make_document(
        opinion_map.consultation, moderator, "Le plan. Une fibre partout.", mode="suggest"
    )
    statement = statements_of(opinion_map)[1]
    client = _signed_in(app, moderator)
    path = _path(opinion_map, f"/statements/{statement.id}/amendment")
    token = csrf_token(client, path)
    absent = client.post(
        path,
        data={
            "csrf_token": token,
            "document": document.id,
            "passage": "Pas là",
            "replacement": "x",
            "reason": "y",
        },
    )
    assert absent.status_code == 422 and Amendment.query.count() == 0
    assert "Pas là" in html_text(absent)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "document": document.id,
            "passage": "Une fibre partout.",
            "replacement": statement.body,
            "reason": "Carte",
        },
    )
    assert response.status_code == 302
    assert Amendment.query.one().replacement == statement.body


def test_citizens_cannot_take_a_statement_further(app: Flask) -> None:
    opinion_map = make_map()
    statement = statements_of(opinion_map)[0]
    client = _signed_in(app, make_user())
    assert client.get(_path(opinion_map, f"/statements/{statement.id}/proposal")).status_code == 403


def test_a_moderator_puts_a_statement_on_a_live_sessions_agenda(app: Flask) -> None:
    from civic.deliberation.live.models import AgendaItem
    from tests.deliberation.live.factories import make_session

    moderator = make_user()
    opinion_map = make_map(moderator=moderator)
    session = make_session(opinion_map.consultation, moderator, items=1, start=False)
    other = make_session(opinions_consultation(moderators=[moderator]), moderator, items=0, start=False)
    statement = statements_of(opinion_map)[2]
    client = _signed_in(app, moderator)
    path = _path(opinion_map, f"/statements/{statement.id}/session")
    page = html_text(client.get(path))
    assert statement.body in page and f'value="{other.id}"' not in page
    token = csrf_token(client, path)
    wrong = client.post(
        path, data={"csrf_token": token, "session": other.id, "title": statement.body, "minutes": "15"}
    )
    assert wrong.status_code == 422 and AgendaItem.query.filter_by(session_id=other.id).count() == 0
    response = client.post(
        path, data={"csrf_token": token, "session": session.id, "title": statement.body, "minutes": "15"}
    )
    assert response.status_code == 302
    item = AgendaItem.query.filter_by(session_id=session.id).order_by(AgendaItem.position.desc()).first()
    assert item is not None and item.title_fr == statement.body and item.planned_minutes == 15
