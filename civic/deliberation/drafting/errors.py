"""Refusals of co-drafting, each with the code the sync endpoint's error messages carry."""

from __future__ import annotations

from civic.errors import CivicError


class DraftingError(CivicError):
    """A refused edit or message; `code` is what the sync endpoint's error message carries."""

    code = "invalid"


class Malformed(DraftingError):
    status = 400
    code = "malformed"


class TooLarge(DraftingError):
    status = 413
    code = "too-large"


class DocumentFull(DraftingError):
    status = 409
    code = "document-full"


class NotAllowed(DraftingError):
    status = 403
    code = "forbidden"


class OutOfStep(DraftingError):
    """An edit made on top of one that was refused: the server cannot place it."""

    status = 409
    code = "out-of-step"


class StaleBase(DraftingError):
    status = 422
    code = "bad-base"
