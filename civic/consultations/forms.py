"""Consultation, phase and moderator forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from civic.components import PHASE_KINDS, REGISTRY

STATUS_CHOICES = [
    ("draft", lazy_pgettext("consultation", "Draft")),
    ("open", lazy_pgettext("consultation", "Open")),
    ("closed", lazy_pgettext("consultation", "Closed")),
    ("archived", lazy_pgettext("consultation", "Archived")),
]
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000


class ConsultationForm(FlaskForm):
    slug = StringField(
        _l("Web address"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and hyphens only.")
            ),
        ],
        description=_l("Lowercase letters, digits and hyphens, e.g. plan-numerique. At most 80 characters."),
    )
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=TITLE_MAX)])
    description_fr = TextAreaField(
        _l("Description in French"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("Markdown allowed. At most %(n)d characters.", n=DESCRIPTION_MAX),
    )
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("Markdown allowed. At most %(n)d characters.", n=DESCRIPTION_MAX),
    )
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(value, label) for value, label in STATUS_CHOICES],
        default="draft",
    )
    visibility = RadioField(
        _l("Who can see it"),
        choices=[
            SelectChoice("public", _l("Everyone")),
            SelectChoice("registered", _l("Registered users only")),
        ],
        default="public",
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PhaseForm(FlaskForm):
    kind = SelectField(
        _l("Kind of phase"), choices=[SelectChoice(k, label) for k, (label, _c) in PHASE_KINDS.items()]
    )
    starts_at = DateTimeLocalField(_l("Starts"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    components = MultiCheckboxField(
        _l("Enabled components"),
        choices=[SelectChoice(name, c.label) for name, c in REGISTRY.items()],
        description=_l("Leave all unticked to use the usual components of this kind of phase."),
    )


class ModeratorForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the account"), validators=[DataRequired(), Length(max=254), Email()]
    )


class MovePhaseForm(FlaskForm):
    phase = SelectField(_l("Current phase"), validators=[Optional()])
