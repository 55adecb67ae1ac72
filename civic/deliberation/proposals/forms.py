"""Proposal, answer and theme forms (CSRF included); the list's filter form reads the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from civic.deliberation.proposals.services import ANSWER_MAX, BODY_MAX, TITLE_MAX
from civic.i18n import LANGUAGE_NAMES, written_language
from civic.inputs import MAX_ID, optional_id


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description=_l("At most %(n)d characters.", n=TITLE_MAX),
    )
    body = TextAreaField(
        _l("Your proposal"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description=_l(
            "Markdown allowed: *italics*, **bold**, lists, links. At most %(n)d characters.", n=BODY_MAX
        ),
    )
    theme = SelectField(_l("Theme"), coerce=optional_id, validate_choice=False)
    organisation = SelectField(_l("On behalf of"), coerce=optional_id, validate_choice=False)
    # Screen readers pronounce the text in this language for readers of the other one.
    language = SelectField(
        _l("Language of your text"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default=written_language,  # the page's: the language the author is reading while writing
    )
    preview = SubmitField(_l("Preview"))
    save_draft = SubmitField(_l("Save as a private draft"))
    publish = SubmitField(_l("Publish"))


class AnswerForm(FlaskForm):
    state = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("evaluating", _l("Being evaluated")),
            SelectChoice("accepted", lazy_pgettext("proposal", "Accepted")),
            SelectChoice("rejected", lazy_pgettext("proposal", "Rejected")),
            SelectChoice("merged", _l("Merged into another proposal")),
        ],
    )
    merged_into = IntegerField(
        _l("Number of the proposal it is merged into"),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID)],
        description=_l("Only for a merge: the number shown on that proposal's page."),
    )
    answer = TextAreaField(
        _l("Official answer"),
        validators=[DataRequired(), Length(max=ANSWER_MAX)],
        description=_l("Shown on the proposal's page. Markdown allowed."),
    )


class ThemeForm(FlaskForm):
    name_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=80)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=80)])


class FilterForm(FlaskForm):
    """The list's search and filters: a GET form, with nothing to protect from CSRF."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    theme = SelectField(_l("Theme"), coerce=optional_id, validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("newest", _l("Newest")),
            SelectChoice("supported", _l("Most supported")),
            SelectChoice("discussed", _l("Most discussed")),
            SelectChoice("random", _l("Random order")),
        ],
        default="newest",
        validate_choice=False,
    )
