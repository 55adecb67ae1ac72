"""Results in plain words: who won and how many voted in one sentence, numbers a citizen reads, ties.

The counting library writes exact numbers and English notes for auditors; this turns them into the
reader's language. Exact fractions stay on the audit page and in the downloaded files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _


def _exact(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        try:
            return Fraction(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return None


def amount(value: Any) -> str:
    """Show a count as a whole number, or with one decimal when it is not whole ("12.3", "12,3")."""
    if value is None or value == "":
        return ""
    exact = _exact(value)
    if exact is None:
        return str(value)
    if exact.denominator == 1:
        return str(format_decimal(exact.numerator, format="#,##0"))
    return str(format_decimal(Decimal(exact.numerator) / Decimal(exact.denominator), format="#,##0.0"))


def signed(value: Any) -> str:
    """A transfer between rounds: "+3", "−1.5", or nothing when there was none."""
    exact = _exact(value)
    if exact is None or value is None:
        return ""
    if exact == 0:
        return "0"
    return ("+" if exact > 0 else "−") + amount(abs(exact))


def and_list(names: Sequence[str]) -> str:
    """Join names the way the language does: "A, B and C" / "A, B et C"."""
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return _("%(list)s and %(last)s", list=", ".join(names[:-1]), last=names[-1])


def headline(method: str, winners: Sequence[str]) -> str:
    """The first sentence of the results: who won, in words that suit the method."""
    count = len(winners)
    names = and_list(winners)
    if method == "consent":
        if not count:
            return _("No proposal was adopted.")
        return ngettext("Adopted: %(names)s.", "Adopted: %(names)s.", count, names=names)
    if not count:
        return _("No winner: no ballot was cast.")
    if method == "stv":
        return ngettext("%(names)s is elected.", "%(names)s are elected.", count, names=names)
    return ngettext("%(names)s wins.", "%(names)s win.", count, names=names)


def turnout(voters: int, eligible: int | None) -> str:
    """How many voted, and of how many when the roll is known: "24 of 29 people voted."."""
    if not voters:
        return _("No one voted.")
    if eligible:
        return ngettext(
            "%(num)d of %(total)d people voted.", "%(num)d of %(total)d people voted.", voters, total=eligible
        )
    return ngettext("%(num)d person voted.", "%(num)d people voted.", voters)


def _step(step: str) -> str:
    """One step of a tie-break as the library logged it, in the reader's language."""
    step = step.strip()
    if match := re.fullmatch(r"round (\d+)", step):
        return _("the votes of round %(n)s", n=match.group(1))
    if match := re.fullmatch(r"lot \(seed (\d+)\)", step):
        return _("a draw by lot (seed %(seed)s: anyone can repeat it)", seed=match.group(1))
    known = {
        "fewest head-to-head matchups lost": _("fewest head-to-head matchups lost"),
        "most five-star ratings": _("most ballots giving the top score"),
        "higher total score": _("higher total score"),
        "runoff tied": _("the runoff was tied"),
        "total score tied": _("total scores were equal"),
        "five-star ratings tied": _("as many ballots giving the top score"),
    }
    return known.get(step, step)


def how_in_words(how: str) -> str:
    steps = [s for part in how.split(", then ") for s in part.split("; ") if s.strip()]
    return _(", then ").join(_step(s) for s in steps)


def tie_sentences(ties: Sequence[Mapping[str, Any]], label_of: Mapping[str, str], rounds: int) -> list[str]:
    """Each tie the count met, and how it was broken, as a sentence."""
    sentences: list[str] = []
    for tie in ties:
        tied = and_list([label_of.get(n, n) for n in tie["tied"]])
        chosen = label_of.get(tie["chosen"], tie["chosen"])
        how = how_in_words(str(tie.get("how", ""))) or _("the counting rules")
        purpose = str(tie.get("purpose", ""))
        if purpose == "elimination":
            sentence = _(
                "%(tied)s had the same count; %(chosen)s was eliminated, decided by %(how)s.",
                tied=tied,
                chosen=chosen,
                how=how,
            )
        elif purpose == "advance to the runoff":
            sentence = _(
                "%(tied)s had the same total score; %(chosen)s went to the runoff, decided by %(how)s.",
                tied=tied,
                chosen=chosen,
                how=how,
            )
        else:
            sentence = _(
                "%(tied)s were tied; %(chosen)s was placed ahead, decided by %(how)s.",
                tied=tied,
                chosen=chosen,
                how=how,
            )
        if rounds > 1:
            sentence = _("Round %(round)s: %(sentence)s", round=tie["round"], sentence=sentence)
        sentences.append(sentence)
    return sentences
