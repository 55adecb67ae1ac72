"""Forms of live sessions (Flask-WTF: CSRF included). Buttons without fields use the button_form macro."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from civic.deliberation.live.agenda import MAX_MINUTES
from civic.deliberation.live.minutes import MINUTES_MAX
from civic.deliberation.live.models import NAME_MAX, PLACE_MAX, TITLE_MAX, URL_MAX
from civic.deliberation.live.questions import QUESTION_MAX
from civic.deliberation.live.quickpolls import MAX_OPTIONS, MAX_SCORE
from civic.deliberation.live.quickpolls import QUESTION_MAX as POLL_QUESTION_MAX
from civic.deliberation.live.sessions import ANNOUNCEMENT_MAX, SPEAKING_MAX
from civic.voting.counting.registry import METHODS

LANE_LABELS = {
    "normal": _l("Ask to speak"),
    "order": _l("Point of order"),
    "reply": _l("Direct reply to the current speaker"),
}
POLL_KIND_LABELS = {
    "yes-no": _l("Yes / no / abstain"),
    "choice": _l("One choice among several options"),
    "consent": _l("Consent round: agree / abstain / disagree / block"),
    "method": _l("Ranked or scored ballots, counted by a method"),
}


class SessionForm(FlaskForm):
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=TITLE_MAX)])
    starts_at = DateTimeLocalField(
        _l("Date and time"), validators=[DataRequired(message=_l("Give the date and time of the session."))],
        format="%Y-%m-%dT%H:%M",
    )  # fmt: skip
    place = StringField(
        _l("Place (optional)"),
        validators=[Optional(), Length(max=PLACE_MAX)],
        description=_l("E.g. the address of the community centre."),
    )
    online_url = StringField(
        _l("Online meeting link (optional)"),
        validators=[Optional(), Length(max=URL_MAX)],
        description=_l("An address starting with https://, for those who take part from home."),
    )
    speaking_seconds = IntegerField(
        _l("Speaking time per turn, in seconds"),
        default=120,
        validators=[
            NumberRange(min=0, max=SPEAKING_MAX, message=_l("Between 0 (no limit) and 3600 seconds."))
        ],
        description=_l("0: no limit. The facilitator can give a speaker more time."),
    )
    newcomers_first = BooleanField(_l("People who have not spoken yet go first"))


class ItemForm(FlaskForm):
    title_fr = StringField(_l("Item title in French"), validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Item title in English"), validators=[Optional(), Length(max=TITLE_MAX)])
    minutes = IntegerField(
        _l("Planned time, in minutes"),
        default=10,
        validators=[NumberRange(min=1, max=MAX_MINUTES, message=_l("Between 1 and 600 minutes."))],
    )
    link = SelectField(_l("About (optional)"), choices=[], validate_choice=False, default="")


class SpeakerForm(FlaskForm):
    name = StringField(
        _l("Name of the person in the room"),
        validators=[DataRequired(message=_l("Write the person's name.")), Length(max=NAME_MAX)],
    )
    lane = RadioField(
        _l("Request"),
        choices=[SelectChoice(value, label) for value, label in LANE_LABELS.items()],
        default="normal",
        validate_choice=False,
    )


class AnnouncementForm(FlaskForm):
    text = TextAreaField(
        _l("Announcement"),
        validators=[DataRequired(message=_l("Write the announcement first.")), Length(max=ANNOUNCEMENT_MAX)],
        description=_l("Shown at the top of every screen until you take it down. Markdown allowed."),
    )


class QuickPollForm(FlaskForm):
    question_fr = StringField(
        _l("Question in French"), validators=[Optional(), Length(max=POLL_QUESTION_MAX)]
    )
    question_en = StringField(
        _l("Question in English"), validators=[Optional(), Length(max=POLL_QUESTION_MAX)]
    )
    kind = RadioField(
        _l("Kind of poll"),
        choices=[SelectChoice(value, label) for value, label in POLL_KIND_LABELS.items()],
        default="yes-no",
        validate_choice=False,
    )
    method = SelectField(
        _l("Counting method (ranked or scored ballots)"),
        choices=[SelectChoice("", "—"), *(SelectChoice(name, name) for name in METHODS)],
        default="",
        validate_choice=False,
    )
    options_fr = TextAreaField(
        _l("Options in French, one per line"),
        validators=[Optional()],
        description=_l("For a choice or a method: from 2 to %(n)d options.", n=MAX_OPTIONS),
    )
    options_en = TextAreaField(_l("Options in English, one per line"), validators=[Optional()])
    max_score = IntegerField(
        _l("Highest score (score method)"),
        default=5,
        validators=[NumberRange(min=1, max=MAX_SCORE, message=_l("Between 1 and 10."))],
    )
    open_now = BooleanField(_l("Open it now"), default=True)


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(message=_l("Write your question first.")), Length(max=QUESTION_MAX)],
        description=_l(
            "At most %(n)d characters. The facilitators read it before it is shown to everyone.",
            n=QUESTION_MAX,
        ),
        # No maxlength: a browser would cut a pasted question silently; the page says what is too long.
        render_kw={"maxlength": False},
    )


class MinutesForm(FlaskForm):
    text = TextAreaField(
        _l("Minutes (markdown)"),
        validators=[DataRequired(message=_l("The minutes are empty.")), Length(max=MINUTES_MAX)],
    )
