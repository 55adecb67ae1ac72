"""The personal token form (CSRF included)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from civic.api.models import ApiToken
from civic.api.tokens import NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("What will use it, e.g. “our website's endorsement counter”."),
    )
    scope = RadioField(
        _l("What it may do"),
        choices=[
            SelectChoice(ApiToken.READ, _l("Read only")),
            SelectChoice(
                ApiToken.READ_WRITE,
                _l("Read and write (propose, comment, support, vote, endorse in my name)"),
            ),
        ],
        default=ApiToken.READ,
        validators=[DataRequired()],
    )
