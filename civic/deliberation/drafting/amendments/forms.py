"""Forms: propose an amendment, decide it, answer or close its consent poll."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from civic.deliberation.drafting.amendments.models import Amendment, AmendmentVote

AMENDMENT_STATUS_NAMES = {
    Amendment.OPEN: lazy_pgettext("amendment", "Open"),
    Amendment.ACCEPTED: lazy_pgettext("amendment", "Accepted"),
    Amendment.REJECTED: lazy_pgettext("amendment", "Rejected"),
    Amendment.OUTDATED: lazy_pgettext("amendment", "Outdated"),
}
CONSENT_NAMES = {
    "agree": _l("I agree"),
    "abstain": _l("I abstain"),
    "disagree": _l("I disagree"),
    "block": _l("I block (a serious objection)"),
}


class AmendmentForm(FlaskForm):
    """A passage of the current text, what should replace it, and why (checked by the service)."""

    passage = TextAreaField(
        _l("Passage to replace"),
        description=_l(
            "Copy it exactly from the current text (Markdown), with enough words to be unique, or select it "
            "in the live editor and use its button “Propose an amendment for the selected passage”."
        ),
    )
    replacement = TextAreaField(_l("Replace it with"), description=_l("Markdown allowed."))
    reason = TextAreaField(_l("Reason for the change"), description=_l("Markdown allowed."))


class AmendmentDecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept: apply it to the text")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[DataRequired()],
    )
    answer = TextAreaField(
        _l("Answer to the author"),
        description=_l("Required to reject, optional to accept. Markdown allowed."),
    )


class ConsentForm(FlaskForm):
    response = RadioField(
        _l("Your answer"),
        choices=[SelectChoice(r, CONSENT_NAMES[r]) for r in AmendmentVote.RESPONSES],
        validators=[DataRequired()],
    )


class CloseConsentForm(FlaskForm):
    answer = TextAreaField(
        _l("Answer to the author (optional)"),
        description=_l("Left empty, the answer gives the count of the poll. Markdown allowed."),
    )
