"""Fuzzing every reader: any input gives an election or a FormatError, never another exception;
and writing any representable election then reading it back gives the same election."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.voting.counting.formats import FormatError, read_blt, read_cvr_csv, read_preflib, read_scores_csv
from civic.voting.counting.formats.blt import blt_text
from civic.voting.counting.formats.cvr_csv import cvr_csv_text
from civic.voting.counting.formats.preflib import preflib_text
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import OVERVOTE, WRITE_IN, Election, RankedBallot, ScoreBallot, ScoreElection

# Few examples per test in the quick run; test_long_fuzz_of_every_reader (slow) runs many more.
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

READERS: dict[str, Callable[[bytes], Any]] = {
    "blt": read_blt,
    "preflib": read_preflib,
    "cvr": read_cvr_csv,
    "scores": read_scores_csv,
}

VALID = {
    "blt": '3 2\n-3\n(a) 4 1 2=3 0\n2 2 - 1 0\n1 0\n0\n"Alice" "Party"\n"O""Brien"\n# ALTERNATIVE NAME 3: Cy\nCarol\n"Title"\n',
    "preflib": "# TITLE: t\n# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n"
    "# ALTERNATIVE NAME 3: C\n4: 1,{2,3}\n2: 3,2\n",
    "cvr": "Precinct,1st Choice,2nd Choice,Count\nP1,Ann,Bob,2\nP2,overvote,UWI,1\nP3,undervote,Ann,1\n",
    "scores": "Voter,Ann,Bob,Count\nv1,5,,2\nv2,0,3,1\n",
}

TOKENS = [
    "0",
    "1",
    "2",
    "3",
    "-1",
    "-",
    "=",
    "(",
    ")",
    "#",
    '"',
    ",",
    ":",
    "{",
    "}",
    "\n",
    "\r\n",
    " ",
    "x",
    "\ufeff",
]


def _check(reader: Callable[[bytes], Any], data: bytes) -> None:
    try:
        result = reader(data)
    except FormatError as error:
        assert str(error)  # a message, and when known the line, never an empty error
        return
    assert isinstance(result, Election | ScoreElection)


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    text = VALID[kind]
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate-line"]))
        piece = draw(st.sampled_from(TOKENS) | st.text(max_size=3))
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 5)) :]
        elif action == "replace":
            text = text[:position] + piece + text[position + 1 :]
        else:
            lines = text.split("\n")
            line = draw(st.integers(0, len(lines) - 1))
            lines.insert(line, lines[line])
            text = "\n".join(lines)
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(data=st.binary(max_size=300))
def test_blt_reader_on_random_bytes(data: bytes) -> None:
    _check(read_blt, data)


@FUZZ
@given(text=st.lists(st.sampled_from(TOKENS) | st.characters(), max_size=120).map("".join))
def test_blt_reader_on_random_token_text(text: str) -> None:
    _check(read_blt, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=mutated("blt"))
def test_blt_reader_on_mutated_files(data: bytes) -> None:
    _check(read_blt, data)


@FUZZ
@given(data=st.binary(max_size=300))
def test_preflib_reader_on_random_bytes(data: bytes) -> None:
    _check(read_preflib, data)


@FUZZ
@given(text=st.lists(st.sampled_from(TOKENS) | st.characters(), max_size=120).map("".join))
def test_preflib_reader_on_random_token_text(text: str) -> None:
    _check(read_preflib, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=mutated("preflib"))
def test_preflib_reader_on_mutated_files(data: bytes) -> None:
    _check(read_preflib, data)


@FUZZ
@given(data=st.binary(max_size=300))
def test_cvr_reader_on_random_bytes(data: bytes) -> None:
    _check(read_cvr_csv, data)


@FUZZ
@given(data=mutated("cvr"))
def test_cvr_reader_on_mutated_files(data: bytes) -> None:
    _check(read_cvr_csv, data)


@FUZZ
@given(data=st.binary(max_size=300))
def test_scores_reader_on_random_bytes(data: bytes) -> None:
    _check(read_scores_csv, data)


@FUZZ
@given(data=mutated("scores"))
def test_scores_reader_on_mutated_files(data: bytes) -> None:
    _check(read_scores_csv, data)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(READERS))
def test_long_fuzz_of_every_reader(kind: str) -> None:
    reader = READERS[kind]

    @LONG
    @given(data=mutated(kind) | st.binary(max_size=400))
    def fuzz(data: bytes) -> None:
        _check(reader, data)

    fuzz()


# Names as the readers return them: no line breaks, single spaces, no leading or trailing space.
NAME = st.text(alphabet=st.sampled_from("abcXYZ é'\"#,-=()"), min_size=1, max_size=8).map(
    lambda s: " ".join(s.split())
)


@st.composite
def elections(draw: st.DrawFn, markers: bool = False, ties: bool = True, skips: bool = True) -> Election:
    names = draw(st.lists(NAME.filter(bool), min_size=1, max_size=5, unique=True))
    n = len(names)
    choices = st.integers(0, n - 1).map(lambda c: (c,))
    if ties and n > 1:
        choices = choices | st.lists(st.integers(0, n - 1), min_size=2, max_size=n, unique=True).map(
            lambda cs: tuple(sorted(cs))
        )
    if skips:
        choices = choices | st.just(())
    if markers:
        choices = choices | st.sampled_from([(OVERVOTE,), (WRITE_IN,)])
    rankings = draw(st.lists(st.lists(choices, max_size=4).map(tuple), min_size=0, max_size=6, unique=True))
    ballots = [RankedBallot(ranks, draw(st.integers(1, 1000))) for ranks in rankings]
    return Election(names, ballots, seats=draw(st.integers(1, 3)), title=draw(NAME))


@FUZZ
@given(election=elections(), withdrawn=st.sets(st.integers(0, 4)))
def test_blt_round_trip(election: Election, withdrawn: set[int]) -> None:
    election.withdrawn = frozenset(c for c in withdrawn if c < len(election.candidates))
    assert read_blt(blt_text(election).encode()) == election


def _strict_without_repeats(election: Election) -> Election:
    ballots = []
    for ballot in election.ballots:
        seen: set[int] = set()
        ranks = []
        for rank in ballot.ranks:
            fresh = tuple(c for c in rank if c not in seen)
            if fresh:
                ranks.append(fresh)
                seen.update(fresh)
        ballots.append(RankedBallot(tuple(ranks), ballot.count))
    merged: dict[tuple[tuple[int, ...], ...], int] = {}
    for ballot in ballots:
        merged[ballot.ranks] = merged.get(ballot.ranks, 0) + ballot.count
    return Election(
        election.candidates,
        [RankedBallot(r, c) for r, c in merged.items()],
        election.seats,
        title=election.title,
    )


def _as_counts(election: Election) -> dict[tuple[tuple[int, ...], ...], int]:
    return {ballot.ranks: ballot.count for ballot in election.ballots}


@FUZZ
@given(election=elections(skips=False).map(_strict_without_repeats))
def test_preflib_round_trip(election: Election) -> None:
    again = read_preflib(preflib_text(election).encode())
    assert again.candidates == election.candidates
    assert (again.seats, again.title) == (election.seats, election.title)
    assert _as_counts(again) == _as_counts(election)


@FUZZ
@given(election=elections(markers=True, ties=False))
def test_cvr_round_trip_is_stable(election: Election) -> None:
    election.seats = 1
    election.title = ""
    # Candidates come back sorted and named in the data, and short ballots padded: compare a
    # second round trip with the first.
    if any(name.lower() in {"undervote", "overvote", "uwi"} for name in election.candidates):
        return
    once = read_cvr_csv(cvr_csv_text(election).encode())
    assert read_cvr_csv(cvr_csv_text(once).encode()) == once
    names = {election.candidates[c] for b in election.ballots for r in b.ranks for c in r if c >= 0}
    assert set(once.candidates) == names
    assert once.total_ballots == election.total_ballots


@FUZZ
@given(
    names=st.lists(
        NAME.filter(lambda s: bool(s) and s.lower() not in {"count", "weight", "id", "voter"}),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    data=st.data(),
)
def test_scores_round_trip(names: list[str], data: st.DataObject) -> None:
    scores = st.tuples(*[st.none() | st.integers(-3, 9) for _ in names])
    rows = data.draw(st.lists(scores, max_size=6, unique=True))
    election = ScoreElection(
        names, [ScoreBallot(r, data.draw(st.integers(1, 50))) for r in rows], min_score=-3, max_score=9
    )
    assert read_scores_csv(scores_csv_text(election).encode(), min_score=-3, max_score=9) == election
