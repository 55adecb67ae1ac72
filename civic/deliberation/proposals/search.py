"""Full-text search of proposals in French and English: SQLite FTS5 or PostgreSQL tsvector.

Both databases index the same normalised text, computed here: every word lower-cased, stemmed by the
French and the English Snowball stemmers, and stripped of accents. "Bibliothèques" and "bibliotheque"
meet at "bibliothequ"; "libraries" and "library" at "librari". A query is normalised the same way; each
query word matches either of its stems, and all words must match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.sql.elements import ColumnElement

from civic.deliberation.proposals.models import Proposal
from civic.extensions import db

_WORD = re.compile(r"\w+", re.UNICODE)
# "Wi-Fi" is also indexed as "wifi", so either spelling finds it.
_COMPOUND = re.compile(r"\w+(?:-\w+)+", re.UNICODE)
_FRENCH = snowballstemmer.stemmer("french")
_ENGLISH = snowballstemmer.stemmer("english")
MAX_QUERY_WORDS = 12

# The SQLite index: an FTS5 table holding the normalised text, keyed by the proposal id.
SQLITE_TABLE = "proposal_search"
CREATE_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(terms, tokenize='unicode61')"
)
# The PostgreSQL index: a stored tsvector of the same text ("simple": no further stemming) with a GIN
# index. Stored, so checking a match does not recompute the vector of every candidate row.
POSTGRESQL_COLUMN = "search_vector"
CREATE_POSTGRESQL_INDEX = (
    f"ALTER TABLE proposals ADD COLUMN IF NOT EXISTS {POSTGRESQL_COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED; "
    f"CREATE INDEX IF NOT EXISTS ix_proposals_search_text ON proposals USING gin ({POSTGRESQL_COLUMN})"
)


def _unaccent(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """Return the distinct accent-free stems of one word (French, then English)."""
    lower = word.lower()
    found = dict.fromkeys(_unaccent(s) for s in (_FRENCH.stemWord(lower), _ENGLISH.stemWord(lower)))
    return tuple(s for s in found if s)


def normalise(source: str) -> str:
    """Return the indexed form of a text: the stems of all its words, space-separated."""
    words = _WORD.findall(source) + [compound.replace("-", "") for compound in _COMPOUND.findall(source)]
    return " ".join(dict.fromkeys(stem for word in words for stem in stems(word)))


def _query_words(query: str) -> list[tuple[str, ...]]:
    words = [stems(word) for word in _WORD.findall(query)[:MAX_QUERY_WORDS]]
    return [w for w in words if w]


def index(proposal: Proposal) -> None:
    """Refresh a proposal's search text (and, on SQLite, its FTS row); the caller commits."""
    proposal.search_text = normalise(f"{proposal.title} {proposal.body}")
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.flush()
        # SQLITE_TABLE is a constant of this module; values are bound parameters.
        db.session.execute(text(f"DELETE FROM {SQLITE_TABLE} WHERE rowid = :id"), {"id": proposal.id})  # noqa: S608
        db.session.execute(
            text(f"INSERT INTO {SQLITE_TABLE} (rowid, terms) VALUES (:id, :terms)"),  # noqa: S608
            {"id": proposal.id, "terms": proposal.search_text},
        )


def matching(query: str) -> ColumnElement[bool] | None:
    """Return a condition on Proposal selecting the matches of `query`, or None for an empty query."""
    words = _query_words(query)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        # Each stem is quoted, so FTS5 sees words, never operators typed by the visitor.
        expression = " AND ".join("(" + " OR ".join(f'"{stem}"' for stem in word) + ")" for word in words)
        ids: Select[tuple[int]] = (
            select(text("rowid"))
            .select_from(text(SQLITE_TABLE))
            .where(text(f"{SQLITE_TABLE} MATCH :expression").bindparams(expression=expression))
        )
        return Proposal.id.in_(ids)
    tsquery = " & ".join("(" + " | ".join(word) + ")" for word in words)
    vector: ColumnElement[Any] = literal_column(f"proposals.{POSTGRESQL_COLUMN}")
    return vector.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), tsquery))


def create_index_structures() -> None:
    """Create the database-specific search index (used by tests; migrations do the same)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        db.session.execute(text(CREATE_SQLITE_TABLE))
    elif dialect == "postgresql":
        db.session.execute(text(CREATE_POSTGRESQL_INDEX))
    db.session.commit()
