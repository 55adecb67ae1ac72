"""Personal API tokens: a person's key to the JSON API, stored as a hash, scoped, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow


class ApiToken(db.Model):  # type: ignore[name-defined]
    """One personal token. The token itself is shown once; only its SHA-256 is kept (and its first
    characters, so that its owner can tell their tokens apart)."""

    __tablename__ = "api_tokens"

    READ = "read"
    READ_WRITE = "read-write"
    SCOPES = (READ, READ_WRITE)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(12), default=READ)
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
