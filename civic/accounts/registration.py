"""Creating an account without telling anyone which addresses already have one.

Registering answers the same whatever the address: "we sent you a message". Behind that answer:
- a new address gets an account that cannot sign in yet, and a link that confirms it and signs in;
- an address whose account was never confirmed gets the new name, password and language (whoever
  reads that mailbox is its owner: nobody can hold an address they do not read) and a new link;
- an address with a confirmed account gets a message telling its owner that someone tried, with the
  way to sign in or reset the password. The account is not touched.
Each path hashes the password and sends one e-mail, so none is faster than the others.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic.accounts import passwords
from civic.accounts.mail import send_mail
from civic.accounts.models import User
from civic.errors import Invalid
from civic.extensions import db
from civic.text import is_blank
from civic.timestamps import utcnow

_CONFIRM_SALT = "civic.confirm-address"


class BlankName(Invalid):
    """A display name made only of spaces or invisible characters."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT)


def _language(locale: str) -> str:
    return locale if locale in current_app.config["LANGUAGES"] else "fr"


def create_account(display_name: str, email: str, password: str, locale: str, confirmed: bool) -> User:
    """Create an account at once (the administrators' command); raise Invalid if the address is taken."""
    passwords.ensure_strong(password, email, display_name)
    user = User(
        display_name=display_name.strip(),
        email=normalise_email(email),
        password_hash=passwords.hash_password(password),
        locale=_language(locale),
        session_token=secrets.token_hex(16),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid(_("An account already uses this e-mail address.")) from None
    return user


def register(display_name: str, email: str, password: str, locale: str, next_path: str = "") -> None:
    """Register an address (see the module docstring); the answer never depends on the address."""
    email = normalise_email(email)
    if is_blank(display_name):
        raise BlankName(_("Your display name must show something: not only spaces or invisible characters."))
    passwords.ensure_strong(password, email, display_name)
    password_hash = passwords.hash_password(password)  # on every path: the same work for each
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, session_token=secrets.token_hex(16))
        db.session.add(user)
    elif user.email_confirmed_at is not None:
        _tell_owner(user, next_path)
        return
    user.display_name = display_name.strip()
    user.password_hash = password_hash
    user.locale = _language(locale)
    user.session_token = secrets.token_hex(16)  # links sent before for this address die
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration of the same new address won the race
        db.session.rollback()
        return
    send_confirmation(user, next_path)


def send_confirmation(user: User, next_path: str = "") -> None:
    """Mail the link that confirms the address and signs the person in (then takes them to next_path)."""
    token = _serializer().dumps({"u": user.id, "t": user.session_token, "n": next_path})
    link = url_for("accounts.confirm", token=token, _external=True)
    hours = current_app.config["CONFIRM_HOURS"]
    with force_locale(user.locale):
        subject = _("Confirm your address to finish creating your Civic account")
        body = _(
            "Hello %(name)s,\n\nTo finish creating your account, open this link within %(hours)s hours:\n\n"
            "%(link)s\n\nIf you did not ask for an account, ignore this message: none will be created.",
            name=user.display_name,
            hours=hours,
            link=link,
        )
    send_mail(user.email, subject, body)


def _tell_owner(user: User, next_path: str = "") -> None:
    with force_locale(user.locale):
        subject = _("Someone tried to create a Civic account with your address")
        body = _(
            "Hello %(name)s,\n\nSomeone (perhaps you) tried to create a new Civic account with this address. "
            "You already have one: sign in at\n\n%(sign_in)s\n\nIf you forgot your password, choose a new "
            "one at\n\n%(reset)s\n\nIf it was not you, you can ignore this message: your account has not "
            "changed.",
            name=user.display_name,
            sign_in=url_for("accounts.sign_in", next=next_path or None, _external=True),
            reset=url_for("accounts.forgot_password", _external=True),
        )
    send_mail(user.email, subject, body)


def confirm(token: str) -> tuple[User, str]:
    """Confirm the address a link was sent to; return the person and where they were going.

    A link works once (it names the session token, which confirming rotates) and for CONFIRM_HOURS.
    """
    try:
        data: Any = _serializer().loads(token, max_age=current_app.config["CONFIRM_HOURS"] * 3600)
    except SignatureExpired:
        raise Invalid(
            _("This link has expired. Register again with the same address to get a new one.")
        ) from None
    except BadSignature:
        raise Invalid(_("This link is not valid. Check that you copied all of it.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.session_token != data.get("t"):
        raise Invalid(_("This link has already been used. Sign in with your address and password."))
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    user.session_token = secrets.token_hex(16)
    db.session.commit()
    return user, str(data.get("n") or "")


def create_admin(email: str, password: str, display_name: str = "Administrator") -> User:
    """Create a site administrator (address confirmed), or make an existing account one."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        user = create_account(display_name, email, password, "fr", confirmed=True)
    user.is_admin = True
    db.session.commit()
    return user
