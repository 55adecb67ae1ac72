"""The demo opinion map: the same groups at every reset, and readable results straight away."""

from __future__ import annotations

from typing import Any

from civic.deliberation.opinions import demo
from civic.deliberation.opinions.models import OpinionMap
from tests.deliberation.opinions.factories import opinions_consultation
from tests.factories import make_user


def test_the_demo_map_has_groups_consensus_and_divisions(app: Any) -> None:
    moderator = make_user(email="moderatrice@example.org")
    consultation = opinions_consultation(moderators=[moderator])
    summary = demo.load(consultation, {"moderatrice@example.org": moderator})
    assert "320 participants" in summary
    opinion_map = OpinionMap.query.one()
    result = opinion_map.analysis.result
    assert len(result["groups"]) == 3
    assert sorted(g["size"] for g in result["groups"]) == [84, 107, 129]
    assert len(result["consensus"]) >= 3 and len(result["divisive"]) >= 3
