"""A participant placed in a group sees their own place on the results map, and the same in words."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from civic.deliberation.opinions import chart, runs
from civic.deliberation.opinions.analysis import VoteMatrix, analyse
from tests.conftest import csrf_token, html_text, sign_in
from tests.deliberation.opinions.factories import make_map, planted_groups, statements_of
from tests.factories import make_user

MARKER = re.compile(r'<g class="you-are-here">.*?</g>', re.S)


def test_the_analysis_gives_a_place_to_each_grouped_participant_only() -> None:
    votes = [(p, s, 1 if (s % 2 == 0) == (p < 10) else -1) for p in range(20) for s in range(10)]
    votes += [(99, 0, 1)]  # one vote: not placed
    result = analyse(VoteMatrix.from_votes(votes))
    assert set(result.positions) == {p for p, g in result.participants.items() if g is not None}
    assert 99 not in result.positions and len(result.positions) == 20
    assert result.to_json()["positions"]["3"] == [round(c, 4) for c in result.positions[3]]


def test_the_marker_is_drawn_inside_the_map_with_room_for_its_words() -> None:
    clusters = [{"centre": [-1.0, 0.0], "size": 5, "group": 0}, {"centre": [1.0, 0.0], "size": 5, "group": 1}]
    groups = [(0, "A", (-1.0, 0.0)), (1, "B", (1.0, 0.0))]
    _dots, _labels, none = chart.drawing(clusters, groups)
    assert none is None
    for me, anchor in (((3.0, 2.0), "end"), ((-3.0, -2.0), "start")):  # far out: the map widens to hold it
        _dots, _labels, marker = chart.drawing(clusters, groups, me)
        assert marker is not None and marker.anchor == anchor
        assert 0 <= marker.x <= chart.WIDTH and 0 <= marker.y <= chart.HEIGHT
        assert 0 < marker.text_y < chart.HEIGHT


@pytest.mark.parametrize(
    ("lang", "here", "sentence"),
    [("en", "You are here", "you are in group"), ("fr", "Vous êtes ici", "vous êtes dans le groupe")],
)
def test_a_placed_participant_sees_you_are_here_and_their_group_in_words(
    app: Flask, lang: str, here: str, sentence: str
) -> None:
    opinion_map = make_map()
    groups = planted_groups(opinion_map, (8, 8))
    runs.run_analysis(opinion_map.id)
    path = f"/c/{opinion_map.consultation.slug}/opinions/{opinion_map.id}/results"
    client = app.test_client()
    sign_in(client, groups[1][0].email)
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": lang})
    page = html_text(client.get(path))
    marker = MARKER.search(page)
    assert marker and here in marker.group(0)
    caption = re.search(r'<figcaption id="map-caption">(.*?)</figcaption>', page, re.S)
    assert caption and here in caption.group(1) and sentence in caption.group(1)
    letter = re.search(sentence + r" (\w)", caption.group(1))
    assert letter and '<span class="tag">' in page
    # The table marks the same group as theirs.
    row = re.search(r'<th scope="row">[^\n]*?<span class="tag">', page)
    assert row and f">{letter.group(1)}</span>" in row.group(0)


def test_no_marker_for_visitors_or_someone_with_too_few_votes(app: Flask) -> None:
    opinion_map = make_map()
    planted_groups(opinion_map, (8, 8))
    newcomer = make_user(name="Newcomer")
    from civic.deliberation.opinions import services

    services.vote(newcomer, opinion_map, statements_of(opinion_map)[0].id, 1)
    runs.run_analysis(opinion_map.id)
    path = f"/c/{opinion_map.consultation.slug}/opinions/{opinion_map.id}/results"
    page = html_text(app.test_client().get(path))
    assert "<svg" in page and not MARKER.search(page)
    client = app.test_client()
    sign_in(client, newcomer.email)
    page = html_text(client.get(path))
    assert "<svg" in page and not MARKER.search(page)
    assert "You are here" not in page and "Vous êtes ici" not in page
