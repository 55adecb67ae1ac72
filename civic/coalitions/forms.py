"""Forms: put a position forward, change or republish it; endorse (as a citizen or an organisation), revoke.

The services check what the forms carry (lengths, dates, conditions) and name the field at fault; the
forms only read the values (CSRF included) and keep them when the page is shown again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from civic.coalitions.endorsing import NAME_MAX, REASON_MAX, SCOPE_MAX, STATEMENT_MAX
from civic.coalitions.models import ENDORSE, OPPOSE, RESERVATIONS, STAND_ASIDE
from civic.coalitions.positions import NOTE_MAX, TEXT_MAX
from civic.inputs import optional_id

STANCE_LABELS = {
    ENDORSE: _l("Endorse"),
    RESERVATIONS: _l("Endorse with reservations"),
    STAND_ASIDE: _l("Stand aside"),
    OPPOSE: _l("Oppose"),
}
STANCE_HINTS = {
    ENDORSE: _l("Supports this text as it is."),
    RESERVATIONS: _l("Supports it, with reservations stated in the statement."),
    STAND_ASIDE: _l("Neither supports nor blocks it."),
    OPPOSE: _l("Is against this text."),
}
SOURCE_LABELS = {
    "document": _l("A version of a co-drafted document"),
    "proposal": _l("An accepted proposal"),
    "text": _l("A text I write"),
}
LANGUAGE_LABELS = {"fr": _l("French"), "en": _l("English")}


def _stance_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in STANCE_LABELS.items()]


class EndorseForm(FlaskForm):
    """A citizen's endorsement; OrganisationEndorseForm adds the signatory and the mandate."""

    version = HiddenField()
    base = HiddenField(default="0")
    stance = RadioField(_l("Your stance"), choices=_stance_choices(), validate_choice=False)
    statement = TextAreaField(
        _l("Statement (optional)"),
        description=_l(
            "Why you take this stance. Required with reservations: say what they are. Markdown allowed. "
            "At most %(n)d characters.",
            n=STATEMENT_MAX,
        ),
    )
    condition = SelectField(
        _l("Condition (optional)"),
        coerce=optional_id,
        validate_choice=False,
        description=_l(
            "Endorse only if an amendment of the text is accepted: the condition is resolved by itself when "
            "the amendment is decided."
        ),
    )
    reason = TextAreaField(
        _l("Reason for the change"),
        description=_l(
            "Required when your stance changes; kept in the public history. At most %(n)d characters.",
            n=REASON_MAX,
        ),
    )
    show_name = BooleanField(
        _l("Show my name with my endorsement"),
        description=_l("Otherwise you are counted, never named."),
    )


class OrganisationEndorseForm(EndorseForm):
    stance = RadioField(_l("The organisation's stance"), choices=_stance_choices(), validate_choice=False)
    signatory_name = StringField(
        _l("Signatory's name"), description=_l("The person who signs for the organisation (public).")
    )
    signatory_role = StringField(
        _l("Signatory's role"),
        description=_l("For example: president, executive director. At most %(n)d characters.", n=NAME_MAX),
    )
    mandate_body = StringField(
        _l("Body that decided"),
        description=_l("For example: board of directors, general assembly, members' vote."),
    )
    mandate_date = DateField(_l("Date of the decision"), validators=[Optional()])
    mandate_scope = StringField(
        _l("Scope of the mandate"),
        description=_l(
            "What the decision covers, for example “endorse the manifesto and its later versions”. "
            "At most %(n)d characters.",
            n=SCOPE_MAX,
        ),
    )
    mandate_expires = DateField(
        _l("Mandate expires on (optional)"),
        validators=[Optional()],
        description=_l("Leave empty if the mandate has no end date."),
    )
    mandate_url = URLField(
        _l("Link to the resolution (optional)"),
        description=_l("A public address starting with http:// or https://."),
    )


class RevokeForm(FlaskForm):
    base = HiddenField(default="0")
    reason = TextAreaField(
        _l("Why revoke this endorsement?"),
        description=_l(
            "Kept in the public history. Markdown allowed. At most %(n)d characters.", n=REASON_MAX
        ),
    )


class PositionEditForm(FlaskForm):
    title_fr = StringField(_l("Title in French"))
    title_en = StringField(_l("Title in English"))
    opens_at = DateTimeLocalField(_l("Endorsements open on"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Endorsements close on"), validators=[Optional()])


class TextSourceForm(FlaskForm):
    source = RadioField(
        _l("Where does the text come from?"),
        choices=[SelectChoice(value, label) for value, label in SOURCE_LABELS.items()],
        default="document",
        validate_choice=False,
    )
    document_version = SelectField(_l("Document version"), coerce=optional_id, validate_choice=False)
    proposal = SelectField(_l("Accepted proposal"), coerce=optional_id, validate_choice=False)
    reference = RadioField(
        _l("Language of the reference text"),
        choices=[SelectChoice(value, label) for value, label in LANGUAGE_LABELS.items()],
        default="fr",
        validate_choice=False,
        description=_l(
            "The text that prevails. With a document or a proposal, its text becomes the text in this "
            "language: write only the translation in the other language's field."
        ),
    )
    text_fr = TextAreaField(
        _l("Text in French"), description=_l("Markdown allowed. At most %(n)d characters.", n=TEXT_MAX)
    )
    text_en = TextAreaField(
        _l("Text in English"), description=_l("Markdown allowed. At most %(n)d characters.", n=TEXT_MAX)
    )


class PositionForm(TextSourceForm, PositionEditForm):
    pass


class RepublishForm(TextSourceForm):
    note = TextAreaField(
        _l("What changed since the previous version"),
        description=_l(
            "Endorsers read this in the notice asking them to reconfirm. Markdown allowed. At most %(n)d characters.",
            n=NOTE_MAX,
        ),
    )
