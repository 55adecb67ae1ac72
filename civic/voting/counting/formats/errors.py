"""The one error every reader and writer raises for input it cannot read or output it cannot write."""

from __future__ import annotations


class FormatError(ValueError):
    """A file (or an election being written) that the format cannot express; `line` is 1-based."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}: {self.message}"
