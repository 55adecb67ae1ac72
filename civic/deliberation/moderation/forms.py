"""Flag, hide and sanction forms (Flask-WTF: CSRF included)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from civic.deliberation.moderation.services import (
    FLAG_THRESHOLD_MAX,
    FLAG_THRESHOLD_MIN,
    PUBLIC_REASON_MAX,
    REASON_TEXT_MAX,
)

REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "offensive": _l("Offensive or hateful"),
    "off-topic": _l("Off-topic"),
    "personal-information": _l("Reveals personal information"),
    "other": _l("Other"),
}


class FlagForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting it?"),
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    text = TextAreaField(
        _l("Details"),
        validators=[Optional(), Length(max=REASON_TEXT_MAX)],
        description=_l(
            "Required for “Other”. Moderators read it; it is never published. At most %(n)d characters.",
            n=REASON_TEXT_MAX,
        ),
    )


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason"),
        validators=[DataRequired(), Length(max=PUBLIC_REASON_MAX)],
        description=_l(
            "Shown in place of the content and in the public log. At most %(n)d characters.",
            n=PUBLIC_REASON_MAX,
        ),
    )


class SanctionForm(FlaskForm):
    kind = RadioField(
        _l("Sanction"),
        choices=[SelectChoice("suspension", _l("Suspend")), SelectChoice("ban", _l("Ban"))],
        default="suspension",
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("Required for a suspension; leave empty for a permanent ban."),
    )
    reason = TextAreaField(
        _l("Reason the person will see"),
        validators=[DataRequired(), Length(max=PUBLIC_REASON_MAX)],
        description=_l("At most %(n)d characters.", n=PUBLIC_REASON_MAX),
    )


class ThresholdForm(FlaskForm):
    flag_threshold = IntegerField(
        _l("Reports that hide a contribution"),
        # A text box with a numeric keyboard on phones: styled like every other, no spinner to miss-click.
        widget=TextInput(),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
        validators=[
            InputRequired(message=_l("Give a number.")),
            NumberRange(
                min=FLAG_THRESHOLD_MIN,
                max=FLAG_THRESHOLD_MAX,
                message=_l(
                    "Give a whole number from %(low)d to %(high)d.",
                    low=FLAG_THRESHOLD_MIN,
                    high=FLAG_THRESHOLD_MAX,
                ),
            ),
        ],
        description=_l(
            "When this many different people report a comment or proposal, it is hidden until a moderator "
            "reviews it. From %(low)d to %(high)d.",
            low=FLAG_THRESHOLD_MIN,
            high=FLAG_THRESHOLD_MAX,
        ),
    )
