"""Texts of the live editor (static/src/js/drafting*), translated here and passed to the page as JSON.

Placeholders are `{name}`, filled by the script. Flask-Babel's `%` formatting leaves them alone: these
msgids hold no `%`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import chain

from babel import Locale
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _


@lru_cache(maxsize=16)
def plural_samples(locale: Locale) -> dict[str, int]:
    """Return one number for each of the language's plural categories (CLDR names: one, few, many, other)."""
    rule = locale.plural_form
    wanted = set(rule.tags) | {"other"}
    samples: dict[str, int] = {}
    # Small numbers cover most categories; CLDR's "many" of French is for millions.
    for number in chain(range(0, 1000), (1_000_000,)):
        samples.setdefault(rule(number), number)
        if len(samples) == len(wanted):
            break
    return samples


def _plural(text: Callable[[int], str]) -> dict[str, str]:
    """The catalogue's form for each plural category; the browser picks one with Intl.PluralRules.

    `text(n)` calls ngettext with literal msgids (so that they are extracted). A pair "one"/"other" would
    be wrong in French for 0 (singular) and millions ("many"); the catalogue's plural formula and CLDR's
    categories agree, so a number of each category gets the right form for every number.
    """
    locale = get_locale() or Locale("en")
    return {tag: text(number) for tag, number in plural_samples(locale).items()}


def editor_texts() -> dict[str, str | dict[str, str]]:
    """Every text the live editor's scripts show or announce, in the language of the request."""
    return {
        "connecting": _("Connecting to the live editor…"),
        "connected": _("Live editor connected: your changes are saved as you type."),
        "reconnecting": _(
            "Connection lost, reconnecting… Keep writing: your changes are kept and will be sent."
        ),
        "reconnected": _("Reconnected. All changes are saved."),
        "unavailable": _("The live editor is not available ({reason}). You can still use the form."),
        "noConnection": _(
            "The live editor cannot connect for now; it keeps trying. You can still use the form."
        ),
        "suggester": _("The text is read-only for you: you can follow the changes live."),
        "viewer": _("Read-only: you can follow the changes live."),
        "tooLong": _("The document has reached its maximum size; that change was not made."),
        "notSaved": _("Not saved: {reason}"),
        "refused": _("the server refused the change"),
        "nowReadOnly": _("The editor is now read-only for you."),
        "nowEditable": _("You can edit the text again."),
        "people": _plural(lambda n: ngettext("{n} person here", "{n} people here", n)),
        "you": _("(you)"),
        "editorLabel": _("Text of the document"),
        "authorsButton": _("Who wrote what"),
        "authorsLegend": _(
            "Colours and underlines show who wrote each passage (point at a passage to see the name):"
        ),
        "absent": _("people not here now"),
        "leaving": _("Some changes are not saved yet."),
        "amendButton": _("Propose an amendment for the selected passage"),
        "amendNoSelection": _("Select a passage of the text to propose an amendment for it."),
        "amendTooLong": _("This selection is too long for one amendment: select a shorter passage."),
        "amendReady": _("The amendments page opens with this passage filled in."),
        "formatGroup": _("Formatting"),
        "formatHeading": _("Heading"),
        "formatBold": _("Bold"),
        "formatList": _("List"),
        "formatLink": _("Link"),
        "boldSample": _("text in bold"),
        "linkSample": _("words of the link"),
        "previewHint": _("The text as readers will see it."),
        "previewEmpty": _("The text is empty for now."),
        "previewUnavailable": _(
            "The preview cannot be updated for now; your text is still saved as you type."
        ),
    }
