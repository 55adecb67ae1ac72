"""Opinion maps' results and live sessions' minutes through the API: what their pages show, to whom."""

from __future__ import annotations

from flask.testing import FlaskClient

from civic.deliberation.live import minutes, sessions
from civic.deliberation.opinions import runs
from civic.extensions import db
from tests.api.conftest import call, token_for
from tests.deliberation.live.factories import live_consultation, make_session
from tests.deliberation.opinions.factories import make_map, planted_groups, statements_of
from tests.factories import make_consultation, make_user


def test_a_map_s_groups_and_common_ground_read_as_on_its_results_page(client: FlaskClient) -> None:
    opinion_map = make_map()
    planted_groups(opinion_map, (8, 8))
    statements = statements_of(opinion_map)
    statements[-1].hidden, statements[-1].hidden_reason = True, "Hors sujet"
    db.session.commit()
    slug = opinion_map.consultation.slug
    base = f"/api/v1/consultations/{slug}/opinion-maps"
    empty = client.get(f"{base}/{opinion_map.id}/results").get_json()
    assert empty["computed_at"] is None and empty["groups"] == []
    runs.run_analysis(opinion_map.id)
    listing = client.get(base).get_json()["items"]
    assert [(m["id"], m["participants"]) for m in listing] == [(opinion_map.id, 16)]
    results = client.get(f"{base}/{opinion_map.id}/results").get_json()
    assert [g["letter"] for g in results["groups"]] == ["A", "B"]
    assert sum(g["size"] for g in results["groups"]) == results["grouped"] == 16
    assert all(g["distinctions"] for g in results["groups"])
    # Everyone agrees with statement 0: it is common ground, counted in every group.
    common = next(c for c in results["consensus"] if c["statement"] == statements[0].id)
    assert common["overall"]["agree"] == 16 and len(common["groups"]) == 2 and "pass" in common["overall"]
    page = client.get(f"{base}/{opinion_map.id}/statements", query_string={"limit": 5}).get_json()
    more = client.get(f"{base}/{opinion_map.id}/statements", query_string={"cursor": page["next"]}).get_json()
    both = page["items"] + more["items"]
    assert [s["number"] for s in both] == [s.number for s in statements] and more["next"] is None
    assert both[-1]["text"] is None and both[-1]["hidden_reason"] == "Hors sujet"
    assert both[0]["text"] == statements[0].body and both[0]["votes"]["agree"] == 16


def test_maps_of_hidden_consultations_are_not_found(client: FlaskClient) -> None:
    moderator = make_user()
    draft = make_consultation(status="draft", moderators=[moderator])
    opinion_map = make_map(draft, moderator)
    other = make_consultation()
    for slug, suffix in ((draft.slug, ""), (draft.slug, "/results"), (draft.slug, "/statements"),
                         (other.slug, ""), (other.slug, "/results")):  # fmt: skip
        path = f"/api/v1/consultations/{slug}/opinion-maps/{opinion_map.id}{suffix}"
        assert client.get(path).status_code == 404, path
    assert call(client, "GET", f"/api/v1/consultations/{draft.slug}/opinion-maps/{opinion_map.id}",
                token_for(moderator)).status_code == 200  # fmt: skip


def test_minutes_once_published_and_drafts_for_facilitators_only(client: FlaskClient) -> None:
    moderator = make_user(name="Animatrice")
    consultation = live_consultation(moderators=[moderator])
    session = make_session(consultation, moderator)
    sessions.end_session(moderator, session)
    minutes.save_minutes(moderator, session, "# Compte rendu\n\nDécisions **prises**.")
    base = f"/api/v1/consultations/{consultation.slug}/sessions"
    listed = client.get(base).get_json()["items"]
    assert [(s["id"], s["state"], s["minutes_published_at"]) for s in listed] == [(session.id, "ended", None)]
    path = f"{base}/{session.id}/minutes"
    assert client.get(path).status_code == 404
    assert call(client, "GET", path, token_for(make_user())).status_code == 404
    draft = call(client, "GET", path, token_for(moderator)).get_json()
    assert draft["published_at"] is None and "Décisions" in draft["text"]
    minutes.save_minutes(moderator, session, "# Compte rendu\n\nDécisions **prises**.", publish=True)
    published = client.get(path, query_string={"lang": "en"}).get_json()
    assert published["published_at"] and "<strong>prises</strong>" in published["html"]
    assert published["url"].endswith(f"/{session.id}/minutes")


def test_sessions_of_hidden_consultations_are_not_found(client: FlaskClient) -> None:
    moderator = make_user()
    consultation = live_consultation(moderators=[moderator], status="draft")
    session = make_session(consultation, moderator, start=False)
    base = f"/api/v1/consultations/{consultation.slug}/sessions"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{session.id}/minutes").status_code == 404
