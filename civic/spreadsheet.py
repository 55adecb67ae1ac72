"""CSV files the site serves: cells a spreadsheet would run as a formula are neutralised (OWASP).

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or can become one) in
Excel, LibreOffice and Google Sheets: an option label such as `=HYPERLINK("http://…")` would run when
a moderator opens the ballots. Such a cell gets a leading single quote, which spreadsheets read as
"this is text" (OWASP, "CSV Injection"). A cell that is only a number (`-2`, `+3`, `-1.5`) is left as
it is: a spreadsheet reads it as that number and runs nothing, and a negative score must stay a number.
Every CSV the web app serves goes through here; the counting library's writers (files for other
counting programs, read back by its own readers) write cells as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def safe_cell(value: str) -> str:
    """Return the cell as a spreadsheet should show it: text, never a formula."""
    if value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Iterable[object]]) -> str:
    """Write rows as CSV text (one line feed per row), every cell through safe_cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(str(cell)) for cell in row])
    return out.getvalue()


def safe_csv(text: str) -> str:
    """Rewrite CSV text (as written by the csv module) with every cell through safe_cell."""
    return safe_rows(csv.reader(io.StringIO(text, newline="")))
