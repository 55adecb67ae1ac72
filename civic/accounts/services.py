"""Account and organisation verbs: validate, check permission, write, commit."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from civic.accounts import logins, permissions, registration
from civic.accounts.mail import send_mail
from civic.accounts.models import Membership, Organisation, User
from civic.accounts.passwords import ensure_strong, hash_password, verify_password
from civic.accounts.registration import normalise_email
from civic.accounts.sanctions import ensure_can_participate
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

_RESET_SALT = "civic.password-reset"


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug ("Île-de-Montréal" -> "ile-de-montreal")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "org"


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


class Unconfirmed(Invalid):
    """The right password, for an account whose address was never confirmed: the link is sent again."""


def authenticate(email: str, password: str) -> User:
    """Return the user with these credentials; raise Invalid with one message for any mismatch.

    An unknown address costs the same hash verification as a wrong password (passwords.verify_password),
    so the time taken does not tell which addresses have an account.
    """
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Invalid(_("The e-mail address or the password is incorrect."))
    if user.email_confirmed_at is None:
        registration.send_confirmation(user)
        raise Unconfirmed(
            _(
                "Your address is not confirmed yet. We have sent you the link again: open it to finish "
                "creating your account."
            )
        )
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions and reset links end."""
    if not verify_password(user.password_hash, current):
        raise Invalid(_("The current password is incorrect."))
    _set_password(user, new)


def _set_password(user: User, new: str) -> None:
    """Set a new password and end every sign-in of the person (the caller signs this browser in again)."""
    ensure_strong(new, user.email, user.display_name)
    user.password_hash = hash_password(new)
    logins.end_all(user)  # commits, and rotates the session token: earlier reset links die too


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["LANGUAGES"] and user.locale != locale:
        user.locale = locale
        db.session.commit()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_user_by_email(email)
    if user is None:
        return
    token = _reset_serializer().dumps({"u": user.id, "t": user.session_token})
    link = url_for("accounts.reset_password", token=token, _external=True)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    with force_locale(user.locale):
        subject = _("Reset your Civic password")
        body = _(
            "Hello %(name)s,\n\nTo choose a new password, open this link within %(hours)s hours:\n\n"
            "%(link)s\n\nIf you did not ask for this, you can ignore this message.",
            name=user.display_name,
            hours=hours,
            link=link,
        )
    send_mail(user.email, subject, body)


def user_for_reset_token(token: str) -> User:
    """Return the user a reset token was issued to; raise Invalid if expired, used or forged."""
    max_age = current_app.config["PASSWORD_RESET_HOURS"] * 3600
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid(_("This reset link has expired. Please ask for a new one.")) from None
    except BadSignature:
        raise Invalid(_("This reset link is not valid. Please ask for a new one.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.session_token != data.get("t"):
        raise Invalid(_("This reset link has already been used. Please ask for a new one."))
    return user


def reset_password(token: str, new: str) -> User:
    """Set the new password of a reset link; the link proves the address, so it confirms it too."""
    user = user_for_reset_token(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    _set_password(user, new)
    return user


# Organisations ---------------------------------------------------------------------------------


def get_organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound()
    return organisation


def _check_name(name: str) -> None:
    if is_blank(name):
        raise Invalid(_("The name must show something: not only spaces or invisible characters."))


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while db.session.scalar(select(func.count()).where(Organisation.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organisation(
    user: User | None, name: str, description: str, website: str, logo_url: str
) -> Organisation:
    """Create an organisation; its creator becomes its first representative."""
    if user is None or not permissions.can_create_organisation(user):
        raise Forbidden()
    ensure_can_participate(user)
    _check_name(name)
    organisation = Organisation(
        slug=_unique_slug(name),
        name=name.strip(),
        description=description,
        description_html=str(render_markdown(description)),
        website=website.strip(),
        logo_url=logo_url.strip(),
    )
    organisation.memberships.append(Membership(user=user, status=Membership.REPRESENTATIVE))
    db.session.add(organisation)
    db.session.commit()
    return organisation


def update_organisation(
    user: User | None, organisation: Organisation, name: str, description: str, website: str, logo_url: str
) -> None:
    if not permissions.can_edit_organisation(user, organisation):
        raise Forbidden()
    ensure_can_participate(user)
    _check_name(name)
    organisation.name = name.strip()
    organisation.description = description
    organisation.description_html = str(render_markdown(description))
    organisation.website = website.strip()
    organisation.logo_url = logo_url.strip()
    db.session.commit()


def request_membership(user: User | None, organisation: Organisation) -> Membership:
    if user is None:
        raise Forbidden()
    ensure_can_participate(user)
    if not permissions.can_request_membership(user, organisation):
        raise Conflict(_("You have already asked to join this organisation."))
    membership = Membership(user=user, organisation=organisation, status=Membership.PENDING)
    db.session.add(membership)
    db.session.commit()
    return membership


def _pending(organisation: Organisation, membership_id: int) -> Membership:
    for membership in organisation.memberships:
        if membership.id == membership_id:
            if membership.status != Membership.PENDING:
                raise Conflict(_("This request has already been decided."))
            return membership
    raise NotFound()


def accept_membership(user: User | None, organisation: Organisation, membership_id: int) -> Membership:
    if not permissions.can_decide_membership(user, organisation):
        raise Forbidden()
    ensure_can_participate(user)
    membership = _pending(organisation, membership_id)
    membership.status = Membership.REPRESENTATIVE
    db.session.commit()
    return membership


def decline_membership(user: User | None, organisation: Organisation, membership_id: int) -> None:
    if not permissions.can_decide_membership(user, organisation):
        raise Forbidden()
    ensure_can_participate(user)
    membership = _pending(organisation, membership_id)
    db.session.delete(membership)
    db.session.commit()


def leave_organisation(user: User | None, organisation: Organisation) -> None:
    if user is None or not permissions.can_leave_organisation(user, organisation):
        raise Conflict(_("The last representative cannot leave the organisation."))
    for membership in list(organisation.memberships):
        if membership.user_id == user.id:
            db.session.delete(membership)
    db.session.commit()


def set_verified(user: User | None, organisation: Organisation, verified: bool) -> None:
    if not permissions.can_verify_organisation(user):
        raise Forbidden()
    ensure_can_participate(user)
    organisation.verified = verified
    db.session.commit()


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
