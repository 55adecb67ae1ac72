"""Account and organisation forms (Flask-WTF: CSRF included). Limits are stated in the labels' hints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, Regexp

NAME_MAX = 80
EMAIL_MAX = 254
PASSWORD_MIN = 10
PASSWORD_MAX = 200
ORG_NAME_MAX = 120
ORG_DESCRIPTION_MAX = 5000
URL_MAX = 300
# Only web addresses: a "javascript:" or "data:" URL in a profile link would be a script injection.
_WEB = Regexp(r"^https?://", message=_l("The address must start with http:// or https://."))


def _password(label: object) -> PasswordField:
    return PasswordField(
        label,
        description=_l("At least %(n)d characters. A short sentence is easy to remember.", n=PASSWORD_MIN),
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l("Between %(min)d and %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
            ),
        ],
    )


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("Shown next to what you write. At most %(n)d characters.", n=NAME_MAX),
    )
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=EMAIL_MAX), Email()])
    password = _password(_l("Password"))
    locale = RadioField(
        _l("Preferred language"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
        default="fr",
    )


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField(
        _l("Keep me signed in on this device"),
        description=_l("Do not tick this on a shared or public computer."),
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    new = _password(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=EMAIL_MAX), Email()])


class ResetForm(FlaskForm):
    new = _password(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
    )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=ORG_NAME_MAX)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=ORG_DESCRIPTION_MAX)],
        description=_l("Markdown allowed. At most %(n)d characters.", n=ORG_DESCRIPTION_MAX),
    )
    website = URLField(
        _l("Website"),
        validators=[Optional(), Length(max=URL_MAX), URL(message=_l("Enter a full address.")), _WEB],
    )
    logo_url = URLField(
        _l("Logo address (optional)"),
        validators=[Optional(), Length(max=URL_MAX), URL(message=_l("Enter a full address.")), _WEB],
    )
