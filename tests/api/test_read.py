"""Reading through the API: what the pages show and nothing more, in pages, with ETags."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from civic.deliberation.discussion import services as discussion
from civic.extensions import db
from tests.api.conftest import call, token_for
from tests.deliberation.factories import discussion_consultation, make_comment, make_thread
from tests.factories import make_consultation, make_proposal, make_user
from tests.voting.factories import cast, make_poll


def test_anonymous_readers_see_public_consultations_only(client: FlaskClient) -> None:
    public = make_consultation()
    members = make_consultation(visibility="registered")
    draft = make_consultation(status="draft")
    slugs = [c["slug"] for c in client.get("/api/v1/consultations").get_json()["items"]]
    assert public.slug in slugs and members.slug not in slugs and draft.slug not in slugs
    assert client.get(f"/api/v1/consultations/{members.slug}").status_code == 403
    assert client.get(f"/api/v1/consultations/{draft.slug}").status_code == 404
    token = token_for(make_user(), "read")
    assert call(client, "GET", f"/api/v1/consultations/{members.slug}", token).status_code == 200


def test_proposals_come_in_pages_that_neither_repeat_nor_skip(client: FlaskClient) -> None:
    consultation = make_consultation()
    author = make_user()
    made = [make_proposal(consultation, author, title=f"Idée {i}", body="Texte") for i in range(7)]
    seen, cursor = [], None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = client.get(f"/api/v1/consultations/{consultation.slug}/proposals{query}").get_json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(p.id for p in made) and len(seen) == len(set(seen))


def test_drafts_and_hidden_text_stay_out(client: FlaskClient) -> None:
    consultation = make_consultation()
    author = make_user()
    make_proposal(consultation, author, title="Brouillon secret", body="x", state="draft")
    hidden = make_proposal(consultation, author, title="Texte masqué", body="y")
    hidden.hidden, hidden.hidden_reason = True, "Hors sujet"
    db.session.commit()
    body = client.get(f"/api/v1/consultations/{consultation.slug}/proposals").get_data(as_text=True)
    assert "Brouillon secret" not in body and "Texte masqué" not in body and "Hors sujet" in body
    mine = call(
        client, "GET", f"/api/v1/consultations/{consultation.slug}/proposals", token_for(author, "read")
    )
    assert "Brouillon secret" in mine.get_data(as_text=True)  # its author's own draft


def test_search_and_filters_as_on_the_site(client: FlaskClient) -> None:
    consultation = make_consultation()
    author = make_user()
    make_proposal(consultation, author, title="Bibliothèques ouvertes", body="Le dimanche")
    make_proposal(consultation, author, title="Fibre optique", body="Partout")
    found = client.get(f"/api/v1/consultations/{consultation.slug}/proposals?q=bibliotheque").get_json()
    assert [p["title"] for p in found["items"]] == ["Bibliothèques ouvertes"]
    bad = client.get(f"/api/v1/consultations/{consultation.slug}/proposals?sort=random&lang=en")
    assert bad.status_code == 422 and "sort" in bad.get_json()["error"]["details"]["query"]


def test_comments_in_thread_order_with_hidden_ones_in_their_place(client: FlaskClient) -> None:
    consultation = discussion_consultation()
    thread = make_thread(consultation)
    first = make_comment(thread, make_user(), "Premier")
    make_comment(thread, make_user(), "Second")
    reply = make_comment(thread, make_user(), "Réponse", parent=first)
    hidden = make_comment(thread, make_user(), "Insulte")
    hidden.hidden, hidden.hidden_reason = True, "Propos injurieux"
    db.session.commit()
    items = client.get(f"/api/v1/consultations/{consultation.slug}/comments").get_json()["items"]
    assert [c["id"] for c in items][:3] == [first.id, reply.id, items[2]["id"]]
    shown = {c["id"]: c for c in items}
    assert shown[hidden.id]["body"] is None and shown[hidden.id]["hidden_reason"] == "Propos injurieux"
    discussion.delete_comment(reply.author, reply)
    again = client.get(f"/api/v1/consultations/{consultation.slug}/comments").get_json()["items"]
    assert next(c for c in again if c["id"] == reply.id)["body"] is None


def test_an_etag_answers_304_when_nothing_changed(client: FlaskClient) -> None:
    consultation = make_consultation()
    path = f"/api/v1/consultations/{consultation.slug}"
    first = client.get(path)
    etag = first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    consultation.title_fr = "Nouveau titre"
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_a_poll_shows_its_result_only_once_closed(app: Flask, client: FlaskClient) -> None:
    from civic.voting import closing

    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation)
    cast(make_user(), poll, consultation, [1, 0])
    path = f"/api/v1/consultations/{consultation.slug}/polls/{poll.id}"
    open_poll = client.get(path).get_json()
    assert open_poll["state"] == "open" and open_poll["result"] is None and open_poll["voters"] == 1
    closing.close_poll(moderator, consultation, poll)
    closed = client.get(path).get_json()
    assert closed["state"] == "closed" and closed["result"]["result"]["winners"] and closed["audit_url"]


def test_a_bad_cursor_is_refused_clearly(client: FlaskClient) -> None:
    consultation = make_consultation()
    for cursor in ("not-base64!", "W10", "WyJ4Il0", "eyJhIjoxfQ"):
        response = client.get(f"/api/v1/consultations/{consultation.slug}/proposals?cursor={cursor}&lang=en")
        assert response.status_code == 422, cursor
        assert response.get_json()["error"]["code"] == "bad_cursor"
