"""Word-level differences for people: segments, counts, and the texts they rebuild."""

from __future__ import annotations

import random

import pytest

from civic.deliberation.drafting import diff
from civic.deliberation.drafting.diff import DELETE, EQUAL, INSERT, Segment


def _old(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments if s.kind != INSERT)


def _new(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments if s.kind != DELETE)


def test_identical_texts_are_one_equal_segment() -> None:
    assert diff.compare("Bonjour le monde", "Bonjour le monde") == [Segment(EQUAL, "Bonjour le monde")]
    assert not diff.measure("a", "a").changed


def test_an_added_word_is_one_insertion() -> None:
    segments = diff.compare("Le plan numérique", "Le grand plan numérique")
    assert [s.text.strip() for s in segments if s.kind != EQUAL] == ["grand"]
    assert [s.kind for s in segments if s.kind != EQUAL] == [INSERT]
    assert diff.stats(segments) == diff.Stats(words_added=1, words_removed=0, chars_added=6, chars_removed=0)


def test_a_changed_word_is_deleted_then_inserted_whole() -> None:
    segments = diff.compare("Un accès gratuit.", "Un accès payant.")
    assert segments == [
        Segment(EQUAL, "Un accès "),
        Segment(DELETE, "gratuit"),
        Segment(INSERT, "payant"),
        Segment(EQUAL, "."),
    ]


def test_neighbouring_changed_words_read_as_one_change() -> None:
    segments = diff.compare("the quick brown fox", "a slow red fox")
    assert segments == [
        Segment(DELETE, "the quick brown"),
        Segment(INSERT, "a slow red"),
        Segment(EQUAL, " fox"),
    ]
    assert diff.stats(segments).words_added == 3 and diff.stats(segments).words_removed == 3


def test_line_ends_stay_unchanged_between_changes() -> None:
    segments = diff.compare("un\ndeux\n", "uno\ndos\n")
    assert Segment(EQUAL, "\n") in segments


def test_the_summary_counts_words_not_spaces_or_punctuation() -> None:
    stats = diff.measure("Bonjour.", "Bonjour, chers amis et amies !")
    assert (stats.words_added, stats.words_removed) == (4, 0)


def test_markdown_source_is_compared_as_text() -> None:
    segments = diff.compare("- un point", "- un **point** <b>gras</b>")
    assert _new(segments) == "- un **point** <b>gras</b>"
    assert Segment(INSERT, "**") in segments


def test_accents_and_emoji_are_counted_in_characters() -> None:
    stats = diff.measure("", "Égalité 😀")
    assert stats.chars_added == 9 and stats.words_added == 1


@pytest.mark.parametrize("seed", range(20))
def test_segments_rebuild_both_texts(seed: int) -> None:
    rng = random.Random(seed)
    words = ["le", "plan", "numérique", "accès", "\n", " ", ",", "**", "Québec", "pour", "tous"]
    old = "".join(rng.choice(words) + rng.choice([" ", "", "\n"]) for _ in range(rng.randint(0, 60)))
    new = "".join(rng.choice(words) + rng.choice([" ", ""]) for _ in range(rng.randint(0, 60)))
    segments = diff.compare(old, new)
    assert _old(segments) == old and _new(segments) == new
    assert all(s.text for s in segments)
    assert all(a.kind != b.kind for a, b in zip(segments, segments[1:], strict=False))


def test_a_huge_changed_block_is_replaced_whole_and_stays_correct() -> None:
    old = "a " * 30_000
    new = "b " * 30_000
    segments = diff.compare(old, new)
    assert segments == [Segment(DELETE, old), Segment(INSERT, new)]
