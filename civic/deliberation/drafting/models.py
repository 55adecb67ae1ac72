"""Co-drafted documents: the append-only log of Yjs updates, snapshots for compaction, versions."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.timestamps import UTCDateTime, utcnow

TITLE_MAX = 200  # characters of a title or of a version's name


class Document(db.Model):  # type: ignore[name-defined]
    """A text many people write together; its content lives in the update log, not in this row."""

    __tablename__ = "documents"

    OPEN = "open"  # every signed-in participant edits
    EDITORS = "editors"  # named co-authors and moderators edit; others suggest
    SUGGEST = "suggest"  # text frozen; participants suggest
    FINAL = "final"  # locked
    MODES = (OPEN, EDITORS, SUGGEST, FINAL)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE", name="fk_documents_consultation_id"), index=True
    )
    title_fr: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    mode: Mapped[str] = mapped_column(String(10), default=OPEN)
    max_editors: Mapped[int] = mapped_column(Integer, default=150)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_documents_created_by_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    created_by: Mapped[User | None] = relationship()
    editors: Mapped[list[DocumentEditor]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentEditor.user_id"
    )

    @property
    def url(self) -> str:
        return url_for("drafting.show", slug=self.consultation.slug, document_id=self.id)


class DocumentEditor(db.Model):  # type: ignore[name-defined]
    """A named co-author: may edit while the document is in "editors" mode."""

    __tablename__ = "document_editors"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_editors_document_id"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE", name="fk_document_editors_user_id"), primary_key=True
    )

    document: Mapped[Document] = relationship(back_populates="editors")
    user: Mapped[User] = relationship()


class DocumentUpdate(db.Model):  # type: ignore[name-defined]
    """One accepted Yjs update (v1 encoding), never changed nor deleted: history and attribution read it."""

    __tablename__ = "document_updates"
    # Loading and catching up read one document's rows in id order, from a given id.
    __table_args__ = (Index("ix_document_updates_document_id_id", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_updates_document_id")
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_document_updates_user_id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentSnapshot(db.Model):  # type: ignore[name-defined]
    """The document as of update `upto_update_id` (every row with an id up to it), for fast loading."""

    __tablename__ = "document_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_snapshots_document_id"), index=True
    )
    upto_update_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentVersion(db.Model):  # type: ignore[name-defined]
    """A numbered version: the text as of `upto_update_id`; named by a moderator or automatic ('')."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_document_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_versions_document_id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    upto_update_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_document_versions_created_by_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


class DocumentVersionSummary(db.Model):  # type: ignore[name-defined]
    """What a version changed since the one before it, stored once so the history never replays.

    Words and characters are the net difference of the two texts; `contributors` credits each update
    row's author with the characters it added and removed (as [user id, added, removed] lists).
    """

    __tablename__ = "document_version_summaries"

    version_id: Mapped[int] = mapped_column(
        ForeignKey(
            "document_versions.id", ondelete="CASCADE", name="fk_document_version_summaries_version_id"
        ),
        primary_key=True,
    )
    words_added: Mapped[int] = mapped_column(Integer, default=0)
    words_removed: Mapped[int] = mapped_column(Integer, default=0)
    chars_added: Mapped[int] = mapped_column(Integer, default=0)
    chars_removed: Mapped[int] = mapped_column(Integer, default=0)
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the number of the version it restored
    contributors: Mapped[list[list[int | None]]] = mapped_column(JSON, default=list)
