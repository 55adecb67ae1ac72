"""People, organisations (coalition members) and the memberships that make representatives."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on every password change: it invalidates the reset links sent before.
    session_token: Mapped[str] = mapped_column(String(64))
    # Opt-in: notifications are also e-mailed (replies, comments on one's proposals, answers).
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When the person opened the link mailed at registration; None: the account cannot sign in yet.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The key of the sign-in (Login) this request came with: not a column, set when the person is
    # loaded from a session or signs in (civic.accounts.logins).
    login_key: str = ""

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and the "keep me signed in" cookie: the person and
        # their sign-in, so that ending the sign-in on the server ends every cookie that carries it.
        return f"{self.id}:{self.login_key}"


class Login(db.Model):  # type: ignore[name-defined]
    """One sign-in: a browser's session (and its "keep me signed in" cookie), ended on the server by
    signing out, "sign out everywhere", a password change or reset, or its expiry.

    Only a hash of its key is stored: the key itself lives in the browser's signed cookies.
    """

    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Organisation(db.Model):  # type: ignore[name-defined]
    """A coalition member: an organisation that endorses positions through its representatives."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    logo_url: Mapped[str] = mapped_column(String(300), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.created_at"
    )


class Membership(db.Model):  # type: ignore[name-defined]
    """A person's link to an organisation: a pending request, or an accepted representative."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    PENDING = "pending"
    REPRESENTATIVE = "representative"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Sanction(db.Model):  # type: ignore[name-defined]
    """A suspension or ban of a person by a site administrator, with the reason the person sees.

    Site-wide and the accounts' own (civic.accounts.sanctions says what it stops); moderation's
    services create and lift them and write the public moderation log.
    """

    __tablename__ = "sanctions"

    KINDS = ("suspension", "ban")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    # A ban may be open-ended (None); a suspension always ends.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
