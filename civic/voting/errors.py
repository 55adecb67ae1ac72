"""Voting's domain errors: each maps to an HTTP status and a message in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.errors import Conflict, Forbidden, Invalid


class PollClosed(Conflict):
    default_message = _l("This poll is closed: ballots are no longer accepted.")


class PollNotOpen(Conflict):
    default_message = _l("This poll is not open yet.")


class AlreadyVoted(Conflict):
    default_message = _l("You have already voted in this poll, and it does not allow changing a ballot.")


class FormReplayed(Conflict):
    default_message = _l("This ballot form was already sent. Reload the poll page to vote again.")


class PollLocked(Conflict):
    default_message = _l("This poll already has ballots: its method and options can no longer change.")


class NotEligible(Forbidden):
    default_message = _l("You are not on the list of people who can vote in this poll.")


class BallotInvalid(Invalid):
    """A ballot that cannot be read: messages per field (option) and for the whole ballot."""

    def __init__(self, fields: dict[str, str], general: list[str]) -> None:
        super().__init__(general[0] if general else next(iter(fields.values()), None))
        self.fields = fields
        self.general = general


class PollInvalid(Invalid):
    """A poll definition with mistakes: messages per form field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields
