"""Consultations, their ordered phases and their moderators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

consultation_moderators = Table(
    "consultation_moderators",
    db.metadata,
    Column("consultation_id", Integer, ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(db.Model):  # type: ignore[name-defined]
    """A consultation: bilingual title and description, status, visibility, phases, moderators."""

    __tablename__ = "consultations"

    STATUSES = ("draft", "open", "closed", "archived")
    VISIBILITIES = ("public", "registered")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_html_fr: Mapped[str] = mapped_column(Text, default="")
    description_html_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    # Set when a moderator moves the phase by hand; None means the dates decide.
    current_phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("phases.id", ondelete="SET NULL", use_alter=True, name="fk_consultation_current_phase")
    )
    # Supports a proposal needs to be marked "qualified" (None: no threshold).
    support_threshold: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Flags from this many distinct people hide a proposal or comment until a moderator reviews it.
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")

    phases: Mapped[list[Phase]] = relationship(
        back_populates="consultation",
        cascade="all, delete-orphan",
        order_by="(Phase.starts_at, Phase.id)",
        foreign_keys="Phase.consultation_id",
    )
    moderators: Mapped[list[User]] = relationship(
        secondary=consultation_moderators, order_by=User.display_name
    )


class Phase(db.Model):  # type: ignore[name-defined]
    """One step of a consultation, with its dates and the components it enables."""

    __tablename__ = "phases"

    KINDS = ("information", "proposals", "deliberation", "co-drafting", "voting", "endorsement", "report")

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Space-separated component names (see civic.components.REGISTRY).
    components: Mapped[str] = mapped_column(String(200), default="")

    consultation: Mapped[Consultation] = relationship(back_populates="phases", foreign_keys=[consultation_id])

    @property
    def component_names(self) -> list[str]:
        return self.components.split()
