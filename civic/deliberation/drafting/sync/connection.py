"""A connection to a document, as frozen values: who opened it, on what, and what they may do now.

Loading the person and the document for every keystroke is what made a busy server slow; a
connection keeps plain snapshots of them instead (never rows bound to a database session), and the
re-check replaces its grant with a fresh one (session.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from civic.accounts.models import User
from civic.deliberation.drafting import modes
from civic.deliberation.drafting.models import Document

_numbers = itertools.count(1)
KIND = "drafting"  # how civic.connections names these connections: "drafting|<connection id>"


@dataclass(frozen=True, slots=True)
class Person:
    """Who opened a connection, as the others see them (id None: a guest)."""

    id: int | None
    name: str
    color: str
    session_token: str | None = None  # rotated by "sign out everywhere"

    @classmethod
    def of(cls, user: User | None) -> Person:
        shown = modes.person(user)
        return cls(
            id=user.id if user is not None else None,
            name=str(shown["name"]),
            color=str(shown["color"]),
            session_token=user.session_token if user is not None else None,
        )

    def shown(self) -> dict[str, object]:
        """How others see this person (the server's name and colour, whatever a client says)."""
        return {"id": self.id, "name": self.name, "color": self.color}


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """What a connection needs of its document between re-checks (the log's `Ref`)."""

    id: int
    consultation_id: int
    mode: str
    max_editors: int
    created_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentRef:
        return cls(
            document.id, document.consultation_id, document.mode, document.max_editors, document.created_at
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """One WebSocket on one document: its id (unique across processes), person, language and wishes."""

    id: str
    document_id: int
    person: Person
    locale: str  # refusals are worded in the language chosen when it opened
    extras: bool  # the client asked for Civic's own messages (welcome, saved, errors, role, mode)
    tags: tuple[str, ...] = ()  # what civic.connections closes it by (its sign-in)

    @staticmethod
    def new_id(host: str) -> str:
        """A connection id: this process's host id and a number."""
        return f"{host}.{next(_numbers)}"

    @property
    def member(self) -> str:
        """Its name for civic.connections (closing it when its sign-in ends)."""
        return f"{KIND}|{self.id}"

    def budget_key(self) -> str:
        """Whose message budget this connection spends: its person's, or its own for a guest."""
        return f"user:{self.person.id}" if self.person.id is not None else f"connection:{self.id}"


@dataclass(frozen=True, slots=True)
class Grant:
    """What a connection may do, as of its last re-check (`document` None: the document is gone)."""

    role: str
    document: DocumentRef | None
    checked_at: float  # time.monotonic()
