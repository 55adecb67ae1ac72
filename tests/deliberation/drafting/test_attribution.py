"""Attribution: replaying real pycrdt updates credits each change to its update's author."""

from __future__ import annotations

import pytest
from pycrdt import Doc

from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.history import attribution
from civic.deliberation.drafting.history.attribution import Contribution, Replay, Run


def _edit(doc: Doc, text: str) -> bytes:
    return crdt.rewrite(doc, text)


def _history() -> list[tuple[bytes, int | None]]:
    """Alice writes, Bob adds, Chloé replaces a word of Alice's, from their own copies."""
    alice = crdt.doc_from()
    rows = [(_edit(alice, "Le plan numérique."), 1)]
    bob = crdt.copy_of(alice)
    rows.append((_edit(bob, "Le plan numérique. Pour tout le Québec."), 2))
    chloe = crdt.copy_of(bob)
    rows.append((_edit(chloe, "Le projet numérique. Pour tout le Québec."), 3))
    return rows


def test_each_author_is_credited_with_what_they_added_and_removed() -> None:
    counts = attribution.contributions(None, _history())
    assert counts[1] == Contribution(added=18, removed=0)
    assert counts[2] == Contribution(added=21, removed=0)
    # "plan" → "projet": the character diff keeps "p", removes "lan", adds "rojet".
    assert counts[3] == Contribution(added=5, removed=3)


def test_the_replayed_text_is_the_document_text() -> None:
    replay = Replay(track_authors=True).replay(_history())
    assert replay.text == crdt.text_of(replay.doc) == "Le projet numérique. Pour tout le Québec."


def test_runs_cover_the_text_in_order_with_their_authors() -> None:
    runs = Replay(track_authors=True).replay(_history()).runs()
    assert "".join(run.text for run in runs) == "Le projet numérique. Pour tout le Québec."
    assert runs[0] == Run(1, "Le p") and runs[1] == Run(3, "rojet")
    assert runs[-1] == Run(2, " Pour tout le Québec.")
    assert all(a.author != b.author for a, b in zip(runs, runs[1:], strict=False))


def test_concurrent_edits_are_each_credited_to_their_author() -> None:
    base = crdt.doc_from(crdt.initial_update("Un texte commun."))
    start = base.get_update()
    left, right = crdt.copy_of(base), crdt.copy_of(base)
    left_update = _edit(left, "Début. Un texte commun.")
    right_update = _edit(right, "Un texte commun. Fin.")
    replay = Replay(track_authors=True).replay([(start, 7), (right_update, 9), (left_update, 8)])
    assert replay.text == "Début. Un texte commun. Fin."
    assert [(run.author, run.text) for run in replay.runs()] == [
        (8, "Début. "),
        (7, "Un texte commun."),
        (9, " Fin."),
    ]


def test_multibyte_text_is_counted_in_characters_and_cut_between_characters() -> None:
    doc = crdt.doc_from()
    rows = [(_edit(doc, "été 😀 à"), 1)]
    rows.append((_edit(doc, "été à"), 2))
    replay = Replay(track_authors=True).replay(rows)
    assert replay.counts[1] == Contribution(added=7, removed=0)
    assert replay.counts[2] == Contribution(added=0, removed=2)
    assert replay.runs() == [Run(1, "été à")]


def test_a_replay_from_a_snapshot_credits_only_the_later_rows() -> None:
    history = _history()
    base = crdt.doc_from(history[0][0])
    counts = attribution.contributions(base, history[1:])
    assert set(counts) == {2, 3}


def test_an_update_applied_twice_credits_nothing_more() -> None:
    history = _history()
    counts = attribution.contributions(None, [*history, history[1]])
    assert counts[2] == Contribution(added=21, removed=0)


def test_runs_need_author_tracking() -> None:
    with pytest.raises(ValueError, match="track"):
        Replay().runs()
