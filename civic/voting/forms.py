"""Poll definition form; the ballot form carries only CSRF and a nonce (option fields vary per poll)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from civic.voting.counting.rules import PRESETS

METHOD_LABELS = {
    "schulze": _l("Schulze (Condorcet, ranked)"),
    "ranked-pairs": _l("Ranked Pairs (Condorcet, ranked)"),
    "copeland": _l("Copeland (Condorcet, ranked)"),
    "minimax": _l("Minimax (Condorcet, ranked)"),
    "irv": _l("Instant-runoff (one winner, ranked)"),
    "stv": _l("Single transferable vote (several seats, ranked)"),
    "borda": _l("Borda count (ranked)"),
    "plurality": _l("Plurality (first choices, ranked ballot)"),
    "approval": _l("Approval"),
    "score": _l("Score"),
    "star": _l("STAR (score then automatic runoff)"),
    "majority-judgment": _l("Majority judgment"),
    "consent": _l("Consent (agree, abstain, disagree, block)"),
}
PRESET_LABELS = {
    "default": _l("Default rules"),
    "minneapolis": _l("Minneapolis rules"),
    "scotland": _l("Scottish rules"),
}
DESCRIPTION_MAX = 20_000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PollForm(FlaskForm):
    question_fr = StringField(_l("Question in French"), validators=[Optional(), Length(max=300)])
    question_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=300)])
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
    options_fr = TextAreaField(
        _l("Options in French"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("One option per line, at least two."),
    )
    options_en = TextAreaField(
        _l("Options in English"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("One per line, in the same order as in French (or leave empty)."),
    )
    # Choices are the consultation's published proposals, set by the view; the service checks what
    # is sent (validate_choice=False), so a proposal that cannot be an option gets a clear message.
    proposal_ids = MultiCheckboxField(
        _l("Proposals of this consultation"),
        coerce=int,
        choices=[],
        validate_choice=False,
        description=_l(
            "Each proposal you tick becomes an option named after its title, after the options written above."
        ),
    )
    method = SelectField(
        _l("Counting method"),
        choices=[SelectChoice(k, v) for k, v in METHOD_LABELS.items()],
        default="schulze",
    )
    seats = IntegerField(
        _l("Seats to fill"),
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=29)],
        description=_l("Single transferable vote only."),
    )
    rules_preset = SelectField(
        _l("Counting rules"),
        choices=[SelectChoice(k, PRESET_LABELS.get(k, k)) for k in PRESETS],
        default="default",
    )
    max_score = IntegerField(
        _l("Highest score"),
        default=5,
        validators=[DataRequired(), NumberRange(min=1, max=10)],
        description=_l("Score method only: scores go from 0 to this number."),
    )
    block_threshold = IntegerField(
        _l("Blocks that stop a proposal"),
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
        description=_l("Consent method only."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    eligibility = RadioField(
        _l("Who can vote"),
        choices=[
            SelectChoice("registered", _l("Everyone with an account")),
            SelectChoice("organisations", _l("Members of the organisations chosen below")),
            SelectChoice("invited", _l("The people invited below")),
        ],
        default="registered",
    )
    organisation_ids = MultiCheckboxField(_l("Organisations whose members can vote"), coerce=int, choices=[])
    invited_emails = TextAreaField(
        _l("E-mail addresses of the people invited"),
        validators=[Optional(), Length(max=50_000)],
        description=_l("One per line; each must have an account."),
    )
    secrecy = RadioField(
        _l("Ballots"),
        choices=[
            SelectChoice("secret", _l("Secret: no one can see who voted what")),
            SelectChoice("public", _l("Public: each ballot is published with its voter's name")),
        ],
        default="secret",
    )
    allow_changes = BooleanField(_l("Voters may change their ballot until the poll closes"))


class BallotForm(FlaskForm):
    """CSRF, and a nonce that makes each ballot form usable once."""

    nonce = HiddenField()
