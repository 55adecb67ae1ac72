"""Passwords: Argon2id hashing (the cost comes from settings so tests can use a cheap one) and the rules a
new password must follow."""

from __future__ import annotations

import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask
from flask_babel import gettext as _
from zxcvbn import zxcvbn

from civic.errors import Invalid

_hasher = PasswordHasher()
# Verified when an address has no account, so that a wrong address takes as long as a wrong password.
_dummy_hash = ""
# zxcvbn's estimate of the guesses an attacker needs, on its 0-4 scale: below 2 (fewer than about a
# million guesses) the password is among the most common ones, a keyboard walk or a repetition.
MIN_SCORE = 2
# zxcvbn refuses longer input (and its cost grows with the length); a longer password is judged on its start.
_ZXCVBN_MAX = 72


def init_app(app: Flask) -> None:
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(
        time_cost=app.config.get("ARGON2_TIME_COST", 3),
        memory_cost=app.config.get("ARGON2_MEMORY_COST", 65536),
        parallelism=app.config.get("ARGON2_PARALLELISM", 4),
    )
    _dummy_hash = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash; with None (no such account) do the same work and say no."""
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _letters(text: str) -> str:
    """Lowercase letters and digits only, accents removed: "Jean-Éric" -> "jeaneric"."""
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain)


def weakness(password: str, email: str, name: str) -> str | None:
    """Why this password must not be used (in the reader's language), or None if it may.

    The length is the form's rule; here: not the person's address or name, not a common password.
    """
    candidate = _letters(password)
    # The whole address, its part before the @ and the whole name (zxcvbn below also counts their
    # words as easy guesses, so "jean tremblay 2024" fails there).
    personal = (_letters(email), _letters(email.partition("@")[0]), _letters(name))
    if any(len(part) >= 4 and part in candidate for part in personal):
        return _("Your password must not contain your e-mail address or your name.")
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[email, name])["score"] < MIN_SCORE:
        return _(
            "This password is among the most common ones or is too easy to guess. "
            "A short sentence only you would think of is safer and easy to remember."
        )
    return None


class WeakPassword(Invalid):
    """A new password that breaks a rule of `weakness` (the message says which)."""


def ensure_strong(password: str, email: str, name: str) -> None:
    why = weakness(password, email, name)
    if why is not None:
        raise WeakPassword(why)
