"""Count real Scottish council elections (a sample of the 1,100-file corpus) with the scotland preset."""

from __future__ import annotations

from pathlib import Path

import pytest

from civic.voting.counting.formats.blt import read_blt
from civic.voting.counting.rules import preset
from civic.voting.counting.stv import count_stv

SAMPLE = sorted((Path(__file__).parents[2] / "data" / "scot").glob("*.blt"))


def test_the_sample_holds_eight_files() -> None:
    assert len(SAMPLE) == 8


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLE, ids=[p.stem for p in SAMPLE])
def test_scottish_election_counts_fill_every_seat_and_conserve_votes(path: Path) -> None:
    election = read_blt(path)
    result = count_stv(election, preset("scotland"))
    standing = len(election.candidates) - len(election.withdrawn)
    assert len(result.winners) == min(election.seats, standing)
    assert len(set(result.winners)) == len(result.winners)
    for r in result.rounds:
        assert sum(r.tallies.values()) + r.exhausted + r.loss == result.ballots.valid


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLE, ids=[p.stem for p in SAMPLE])
def test_scottish_quota_is_droop_on_valid_votes(path: Path) -> None:
    result = count_stv(read_blt(path), preset("scotland"))
    assert result.detail["quota"] == result.ballots.valid // (result.seats + 1) + 1
