"""Who is taking part in the current request or socket event: the one place views ask for it.

(Not named session.py: a submodule of that name would shadow flask.session in civic.accounts.)
"""

from __future__ import annotations

from flask_login import current_user

from civic.accounts.models import User


def current_participant() -> User | None:
    """Return the signed-in person, or None for an anonymous visitor.

    The User itself, not Flask-Login's proxy: services compare and store it like any other row.
    """
    if not current_user.is_authenticated:
        return None
    user: User = current_user._get_current_object()
    return user
