"""python -m civic.deliberation.opinions analyse DIR: JSON out, clear errors, and no Flask loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.deliberation.opinions.analysis.test_polis_corpus import CORPUS, _corpus

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civic.deliberation.opinions", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_analyse_prints_the_json_result() -> None:
    folder = _corpus() / "london.youth.policing"
    done = _run("analyse", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"participants", "groups", "consensus", "statements"} <= set(data)
    assert len(data["participants"]) == 26
    assert all(g is None or isinstance(g, int) for g in data["participants"].values())
    assert {s["id"] for s in data["statements"]} >= {c["statement"] for c in data["consensus"]}


def test_the_report_names_groups_and_consensus() -> None:
    done = _run("analyse", str(_corpus() / "brexit-consensus"))
    assert done.returncode == 0, done.stderr
    assert "Group A" in done.stdout and "Consensus:" in done.stdout


def test_an_unreadable_export_is_one_line_and_status_2(tmp_path: Path) -> None:
    (tmp_path / "comments.csv").write_text("comment-id\n0\n")
    (tmp_path / "votes.csv").write_text("comment-id,voter-id,vote\n0,1,1\n")
    done = _run("analyse", str(tmp_path), "--json")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: comments.csv: missing column(s) comment-body"
    assert _run("analyse", str(tmp_path / "nowhere")).returncode == 2
    assert _run("frobnicate").returncode == 2


def test_the_command_loads_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, runpy; sys.argv = ['x', 'analyse', {!r}, '--json'];\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: runpy.run_module('civic.deliberation.opinions', run_name='__main__')\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel')))"
    ).format(str(CORPUS / "london.youth.policing"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
