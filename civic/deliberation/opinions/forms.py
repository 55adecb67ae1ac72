"""Opinion-map forms (Flask-WTF: CSRF included). Lengths are checked again by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from civic.deliberation.opinions.services import QUESTION_MAX, SEEDS_MAX, STATEMENT_MAX
from civic.inputs import optional_id

VOTE_LABELS = {"agree": _l("Agree"), "disagree": _l("Disagree"), "pass": _l("Pass / unsure")}


class QuestionFields(FlaskForm):
    question_fr = StringField(_l("Question in French"), validators=[Optional(), Length(max=QUESTION_MAX)])
    question_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=QUESTION_MAX)])


class MapForm(QuestionFields):
    seeds = TextAreaField(
        _l("Starting statements"),
        validators=[Optional(), Length(max=SEEDS_MAX * (STATEMENT_MAX + 2))],
        description=_l(
            "One statement per line, at most %(n)d characters each: short, clear, one idea each. "
            "People vote agree, disagree or pass on each.",
            n=STATEMENT_MAX,
        ),
    )
    allow_statements = BooleanField(_l("Participants may add statements"), default=True)


class ImportForm(QuestionFields):
    comments = FileField(_l("comments.csv"), description=_l("The statements of the conversation."))
    votes = FileField(_l("votes.csv (optional)"), description=_l("Every vote, in time order."))
    participants = FileField(
        _l("participants-votes.csv (optional)"),
        description=_l("One row per participant. Give it or votes.csv (or both)."),
    )


class VoteForm(FlaskForm):
    statement = HiddenField()
    important = BooleanField(_l("This matters to me"))


class StatementForm(FlaskForm):
    body = TextAreaField(
        _l("Your statement"),
        validators=[
            DataRequired(message=_l("Write your statement first.")),
            Length(max=STATEMENT_MAX, message=_l("At most %(n)d characters.", n=STATEMENT_MAX)),
        ],
        description=_l(
            "One short idea others can agree or disagree with, at most %(n)d characters. "
            "Moderators may hide statements that break the rules.",
            n=STATEMENT_MAX,
        ),
    )


class SettingsForm(FlaskForm):
    status = RadioField(
        _l("The map"),
        choices=[
            SelectChoice("open", _l("Open to votes")),
            SelectChoice("closed", lazy_pgettext("opinion map", "Closed")),
        ],
        validate_choice=False,
    )
    allow_statements = BooleanField(_l("Participants may add statements"))


class ProposalReuseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=150)])
    body = TextAreaField(_l("Text of the proposal"), validators=[DataRequired(), Length(max=10_000)])


class AmendmentReuseForm(FlaskForm):
    document = SelectField(_l("Document"), coerce=optional_id, validate_choice=False)
    passage = TextAreaField(
        _l("Passage to replace"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Copy it exactly from the document: it must occur there once."),
    )
    replacement = TextAreaField(_l("Replacement"), validators=[DataRequired(), Length(max=5000)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AgendaReuseForm(FlaskForm):
    session = SelectField(_l("Live session"), coerce=optional_id, validate_choice=False)
    title = StringField(_l("Title of the agenda item"), validators=[DataRequired(), Length(max=200)])
    minutes = IntegerField(
        _l("Planned minutes"), default=10, validators=[DataRequired(), NumberRange(min=1, max=600)]
    )
