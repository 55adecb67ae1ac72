"""CSV files the site serves: option labels a spreadsheet would run as formulas are neutralised (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from civic.spreadsheet import safe_cell, safe_csv
from civic.voting import closing, exports
from civic.voting.counting.formats.scores_csv import scores_csv_text
from civic.voting.counting.model import ScoreBallot, ScoreElection
from tests.factories import make_consultation, make_user
from tests.voting.factories import cast, make_poll

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "-2+3+cmd|' /C calc'!A0", "=1+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(value: str) -> None:
    if value in ("+1", "-2"):
        return  # plain numbers: see the next test
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-2", "+1", "-1.5", "0", "5", "-.5", "Accès", "a=b", "", "'quoted"])
def test_numbers_and_plain_text_are_left_as_they_are(value: str) -> None:
    # A negative score stays a number the spreadsheet can add up; it runs nothing.
    assert safe_cell(value) == value


def test_rewriting_csv_text_keeps_every_cell_and_neutralises_formulas() -> None:
    text = 'a,"=HYPERLINK(""http://x"")",-2\n@SUM(A1),"x, y",\n'
    rows = list(csv.reader(io.StringIO(safe_csv(text))))
    assert rows == [["a", '\'=HYPERLINK("http://x")', "-2"], ["'@SUM(A1)", "x, y", ""]]


def _closed(method: str, options: list[str], choices: list[list[object]]) -> object:
    moderator = make_user()
    consultation = make_consultation(moderators=[moderator])
    poll = make_poll(consultation, method=method, options=options)
    for choice in choices:
        cast(make_user(), poll, consultation, choice)
    closing.close_poll(moderator, consultation, poll)
    return poll


LABELS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


@pytest.mark.parametrize(
    ("method", "choices"),
    [
        ("schulze", [[0, 1, 2, 3], [3, 2]]),
        ("score", [[5, 0, None, 2], [1, 1, 1, 1]]),
        ("approval", [[1, 0, 1, 0]]),
        ("consent", [["agree", "block", None, "abstain"]]),
    ],
)
def test_every_ballot_csv_the_site_serves_is_safe(
    app: Flask, method: str, choices: list[list[object]]
) -> None:
    poll = _closed(method, LABELS, choices)
    text, mimetype, _name = exports.ballot_file(poll, "csv")  # type: ignore[arg-type]
    assert mimetype == "text/csv"
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(("=", "@", "\t", "\r")) for c in cells)
    # "+1" and "-2" as labels are numbers to a spreadsheet: shown as such, they run nothing.
    assert all(c.lstrip("+-").replace(".", "").isdigit() for c in cells if c.startswith(("+", "-")))


def test_negative_scores_still_read_as_numbers() -> None:
    election = ScoreElection(["A", "B"], [ScoreBallot((-2, 3))], min_score=-5, max_score=5)
    assert list(csv.reader(io.StringIO(safe_csv(scores_csv_text(election))))) == [["A", "B"], ["-2", "3"]]
