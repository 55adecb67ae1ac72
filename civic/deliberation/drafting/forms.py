"""Forms: create a document, its settings, its co-authors, and the no-JavaScript text form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from civic.deliberation.drafting.models import Document

MODE_LABELS = {
    Document.OPEN: _l("Open: every participant can edit"),
    Document.EDITORS: _l("Co-authors: named co-authors and moderators edit, others follow"),
    Document.SUGGEST: _l("Suggestions: the text is frozen, participants suggest changes"),
    Document.FINAL: _l("Final: the text is locked"),
}
MODE_NAMES = {
    Document.OPEN: lazy_pgettext("document mode", "Open"),
    Document.EDITORS: _l("Co-authors"),
    Document.SUGGEST: _l("Suggestions"),
    Document.FINAL: lazy_pgettext("document mode", "Final"),
}
ROLE_NAMES = {"editor": _l("editing"), "suggester": _l("following (suggestions)"), "viewer": _l("reading")}


def _modes() -> list[SelectChoice]:
    return [SelectChoice(mode, label) for mode, label in MODE_LABELS.items()]


class DocumentForm(FlaskForm):
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(
        _l("Starting text"),
        validators=[Optional()],
        description=_l("Markdown allowed. It can be left empty and written together later."),
    )
    mode = RadioField(_l("Mode"), choices=_modes(), default=Document.OPEN, validators=[DataRequired()])


class SettingsForm(FlaskForm):
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    mode = RadioField(_l("Mode"), choices=_modes(), validators=[DataRequired()])
    max_editors = IntegerField(
        _l("Most people editing at once"),
        validators=[DataRequired(), NumberRange(min=1, max=10_000)],
        description=_l("People who arrive beyond this number follow the text and can suggest changes."),
    )


class EditorForm(FlaskForm):
    email = EmailField(_l("E-mail address of the co-author"), validators=[DataRequired(), Email()])


class DraftForm(FlaskForm):
    """The whole text, and the last update it was read at (the base of a three-way merge)."""

    text = TextAreaField(_l("Text of the document (Markdown)"))
    base = HiddenField()


class VersionForm(FlaskForm):
    """A moderator names the current text as a version."""

    name = StringField(
        _l("Name of the version"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For example: “Text submitted to the vote”."),
    )
