"""The command line: python -m civic.voting count / convert."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

import civic.voting.__main__ as cli
from civic.voting.__main__ import main
from civic.voting.counting import registry
from civic.voting.counting.formats import read_any
from civic.voting.counting.report import ROUNDS_PER_BLOCK, number_text, render
from civic.voting.counting.result import BallotSummary, Number, Result, Round

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
GOVAN = DATA / "glasgow_2007_govan.blt"
MPLS = DATA / "mpls_2021_ward2_cvr.csv"

SMALL_BLT = '3 1\n4 1 2 0\n3 2 3 0\n2 3 2 0\n0\n"Ann"\n"Bob"\n"Cy"\n"Small"\n'


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civic.voting", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def count_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["count", *args, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.blt"
    path.write_text(SMALL_BLT)
    return path


# Through a real subprocess: the module runs, prints JSON, and fails with status 2 and one line.


def test_subprocess_count_json_has_the_agreed_keys(small: Path) -> None:
    done = run("count", str(small), "--method", "irv", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"method", "candidates", "winners", "rounds", "rules", "ties", "ballots"} <= result.keys()
    assert result["winners"] == ["Bob"]
    assert [r["tallies"] for r in result["rounds"]][0] == {"Ann": 4, "Bob": 3, "Cy": 2}


@pytest.mark.slow
def test_subprocess_scottish_count_of_govan() -> None:
    done = run("count", str(GOVAN), "--method", "stv", "--rules", "scotland", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"method", "candidates", "winners", "rounds", "rules", "ties", "ballots"} <= result.keys()
    assert result["winners"] == [
        "Allison Hunter (SNP)",
        "John Flanagan (Lab)",
        "Stephen Dornan (Lab)",
        "Shaukat Butt (Lab)",
    ]
    assert all("tallies" in r for r in result["rounds"])
    assert result["rules"]["preset"] == "scotland"


def test_subprocess_garbage_file_exits_2_with_one_line(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.blt"
    garbage.write_bytes(b"\x00\xff not a ballot file \x9c\n")
    done = run("count", str(garbage), "--method", "irv")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert "line 1" in done.stderr


def test_subprocess_missing_file_exits_2() -> None:
    done = run("count", "no/such/file.blt", "--method", "irv")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no/such/file.blt: no such file"


@pytest.mark.slow
def test_subprocess_table_output() -> None:
    done = run("count", str(MPLS), "--method", "irv", "--rules", "minneapolis")
    assert done.returncode == 0, done.stderr
    assert "Round 1" in done.stdout
    assert "Winners: 1. Robin Wonsley Worlobah" in done.stdout


# In process (faster): options, methods and error paths.


# In SMALL_BLT Ann leads on first preferences (4 of 9), but Cy's 2 transfer to Bob, who also beats
# everyone head to head: plurality elects Ann, the others Bob.
@pytest.mark.parametrize(
    ("method", "winner"), [("plurality", "Ann"), ("irv", "Bob"), ("schulze", "Bob"), ("stv", "Bob")]
)
def test_ranked_methods(capsys: pytest.CaptureFixture[str], small: Path, method: str, winner: str) -> None:
    result = count_json(capsys, str(small), "--method", method)
    assert result["method"] == method
    assert result["winners"] == [winner]
    assert result["candidates"] == ["Ann", "Bob", "Cy"]


def test_minneapolis_final_round_matches_the_certified_count(capsys: pytest.CaptureFixture[str]) -> None:
    result = count_json(capsys, str(MPLS), "--method", "irv", "--rules", "minneapolis")
    rounds = result["rounds"]
    assert isinstance(rounds, list)
    final = rounds[-1]["tallies"]
    assert final["Robin Wonsley Worlobah"] == 4056
    assert final["Yusra Arab"] == 4037
    assert rounds[-1]["exhausted"] == 1706


def test_approval_counts_a_score_sheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sheet = tmp_path / "approval.csv"
    sheet.write_text("Ann,Bob,Cy\n1,0,1\n1,1,0\n0,0,1\n1,0,0\n")
    result = count_json(capsys, str(sheet), "--method", "approval")
    assert result["winners"] == ["Ann"]


def test_seats_default_to_the_blt_header(capsys: pytest.CaptureFixture[str]) -> None:
    result = count_json(capsys, str(GOVAN), "--method", "stv")
    assert result["seats"] == 4
    assert isinstance(result["winners"], list) and len(result["winners"]) == 4


def test_seats_option_overrides_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    result = count_json(capsys, str(GOVAN), "--method", "stv", "--seats", "2")
    assert isinstance(result["winners"], list) and len(result["winners"]) == 2


def test_seed_is_recorded_in_the_rules(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    result = count_json(capsys, str(small), "--method", "irv", "--seed", "42")
    assert isinstance(result["rules"], dict) and result["rules"]["seed"] == 42


def test_table_output_names_the_title_rounds_and_winners(
    capsys: pytest.CaptureFixture[str], small: Path
) -> None:
    assert main(["count", str(small), "--method", "irv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Small\n")
    assert "Round 2" in out
    assert "eliminated Cy" in out
    assert out.endswith("Winners: 1. Bob\n")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["count", "{small}", "--method", "nonsense"], "invalid choice"),
        (["count", "{small}"], "--method"),
        (["count", "{small}", "--method", "irv", "--rules", "atlantis"], "invalid choice"),
        (["count", "{small}", "--method", "irv", "--seats", "0"], "at least 1"),
        (["count", "{small}", "--method", "irv", "--seats", "two"], "invalid int"),
        (["count", "{small}", "--method", "approval"], "scored ballots"),
        (["count", "{dir}", "--method", "irv"], "unknown file type"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], small: Path, args: list[str], words: str
) -> None:
    filled = [a.format(small=small, dir=small.parent) for a in args]
    with pytest.raises(SystemExit) as exited:
        main(filled)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_ranked_ballots_refused_by_a_score_method(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sheet = tmp_path / "scores.csv"
    sheet.write_text("Ann,Bob\n1,0\n")
    with pytest.raises(SystemExit) as exited:
        main(["count", str(sheet), "--method", "irv"])
    assert exited.value.code == 2
    assert "ranked ballots" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".blt", ".soi", ".toi", ".csv"])
def test_convert_between_formats(tmp_path: Path, small: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    assert main(["convert", str(small), str(out)]) == 0
    again = read_any(out)
    original = read_any(small)
    assert again.candidates == original.candidates
    assert sorted((b.ranks, b.count) for b in again.ballots) == sorted(
        (b.ranks, b.count) for b in original.ballots
    )  # type: ignore[union-attr]


def test_convert_refuses_what_the_target_cannot_express(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["convert", str(MPLS), str(tmp_path / "out.blt")])
    assert exited.value.code == 2
    assert "overvote" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, small: Path) -> None:
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)
    terminal = _Terminal()
    draw = cli._progress_bar(small, terminal)
    assert draw is not None
    read_any(small, draw)
    assert terminal.getvalue().endswith("100%\n")
    assert cli._progress_bar(small, io.StringIO()) is None


def test_progress_bar_skips_small_files(small: Path) -> None:
    assert cli._progress_bar(small, _Terminal()) is None


def test_missing_method_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, small: Path) -> None:
    ghost = registry.Method("ghost", "civic.voting.counting.ghost", "count_ghost", "ranked")
    monkeypatch.setitem(registry.METHODS, "ghost", ghost)
    with pytest.raises(registry.MethodUnavailable, match="no module civic.voting.counting.ghost"):
        registry.count("ghost", read_any(small))


def test_unknown_method_names_the_known_ones() -> None:
    with pytest.raises(registry.MethodUnavailable, match="known: plurality, irv"):
        registry.method("nonsense")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (7, "7"),
        (Fraction(7, 1), "7"),
        (Fraction(1, 4), "0.25"),
        (Fraction(1, 3), "~0.33333"),
        (Fraction(-2, 3), "~-0.66667"),
        (Decimal("12.50000"), "12.50000"),
    ],
)
def test_report_shows_tallies_exactly_when_short(value: Number, text: str) -> None:
    assert number_text(value) == text


def test_report_splits_long_counts_into_blocks_of_rounds() -> None:
    rounds = [Round(i, {"Ann": i}) for i in range(1, ROUNDS_PER_BLOCK + 3)]
    result = Result("irv", ["Ann"], ["Ann"], {}, BallotSummary(1, 1), rounds)
    text = render(result)
    assert text.count("Candidate") == 2
    assert f"Round {ROUNDS_PER_BLOCK + 2}" in text


@pytest.mark.parametrize(
    "probe",
    [
        "import civic.voting.counting",
        "import runpy, sys\nsys.argv = ['python -m civic.voting', 'count', {small!r}, '--method', 'irv']\n"
        "try:\n    runpy.run_module('civic.voting', run_name='__main__')\nexcept SystemExit as end:\n"
        "    assert end.code == 0, end.code",
    ],
    ids=["import", "count"],
)
def test_the_library_and_the_count_load_no_flask_no_sqlalchemy_no_signatures(small: Path, probe: str) -> None:
    # `python -m civic.voting` must start quickly (docs/performance.md): the web app's libraries stay out,
    # and so does the signatures' library, which only `verify` needs.
    code = (
        probe.format(small=str(small)) + "\nimport sys\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'werkzeug', 'cryptography'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr
