"""Why an amendment verb refused."""

from __future__ import annotations

from civic.errors import Conflict, Invalid


class AmendmentInvalid(Invalid):
    """Refused amendment input; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AmendmentClosed(Conflict):
    pass
