"""Comment and vote forms (Flask-WTF: CSRF included). The thread partial writes the same field names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from civic.deliberation.discussion.services import BODY_MAX

STANCE_LABELS = {
    "favour": _l("In favour"),
    "against": _l("Against"),
    "neutral": _l("Neutral"),
}


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(message=_l("Write your comment first.")),
            Length(max=BODY_MAX, message=_l("At most %(n)d characters.", n=BODY_MAX)),
        ],
        description=_l("Markdown allowed. At most %(n)d characters.", n=BODY_MAX),
    )
    stance = RadioField(
        _l("Your position (optional)"),
        choices=[SelectChoice("", _l("No position"))]
        + [SelectChoice(value, label) for value, label in STANCE_LABELS.items()],
        default="",
        validators=[Optional()],
    )
    next = HiddenField()
