"""A position's endorsements as CSV and JSON, and its badge's words (docs/coalitions.md lists the columns).

Citizens who chose not to be named appear without a name: counted, never named, in exports as on pages.
Every CSV cell goes through civic.spreadsheet (no cell runs as a spreadsheet formula).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from civic.coalitions import queries
from civic.coalitions.models import STANCES, Position, PositionVersion
from civic.consultations.models import Consultation
from civic.spreadsheet import safe_rows

COLUMNS = (
    "endorsement_id",
    "kind",
    "name",
    "organisation_slug",
    "verified",
    "stance",
    "active",
    "version",
    "current_version",
    "content_hash",
    "condition_amendment",
    "condition_state",
    "statement",
    "signatory_name",
    "signatory_role",
    "mandate_body",
    "mandate_date",
    "mandate_scope",
    "mandate_expires",
    "mandate_expired",
    "mandate_url",
    "given_at",
    "updated_at",
)


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def records(position: Position, today: date) -> Iterator[dict[str, Any]]:
    """One record per endorsement (active or revoked), with the columns of COLUMNS, as they are read."""
    numbers = queries.version_numbers(position)
    current = numbers.get(position.current_version_id or 0, 0)
    for row in queries.export_rows(position):
        is_organisation = row.organisation_id is not None
        yield (
            {
                "endorsement_id": row.id,
                "kind": "organisation" if is_organisation else "citizen",
                "name": row.organisation_name
                if is_organisation
                else (row.person or "" if row.show_name else ""),
                "organisation_slug": row.organisation_slug or "",
                "verified": bool(row.verified) if is_organisation else None,
                "stance": row.stance,
                "active": bool(row.active),
                "version": numbers.get(row.version_id, 0),
                "current_version": current,
                "content_hash": row.content_hash,
                "condition_amendment": row.condition_number,
                "condition_state": row.condition_state,
                "statement": row.statement,
                "signatory_name": row.signatory_name,
                "signatory_role": row.signatory_role,
                "mandate_body": row.mandate_body,
                "mandate_date": _day(row.mandate_date),
                "mandate_scope": row.mandate_scope,
                "mandate_expires": _day(row.mandate_expires),
                "mandate_expired": (row.mandate_expires is not None and row.mandate_expires < today)
                if is_organisation
                else None,
                "mandate_url": row.mandate_url,
                "given_at": _moment(row.created_at),
                "updated_at": _moment(row.updated_at),
            }
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def csv_chunks(position: Position, today: date, size: int = 1000) -> Iterator[str]:
    """The CSV file in pieces of `size` rows (the header first)."""
    yield safe_rows([COLUMNS])
    chunk: list[list[str]] = []
    for record in records(position, today):
        chunk.append([_cell(record[c]) for c in COLUMNS])
        if len(chunk) == size:
            yield safe_rows(chunk)
            chunk = []
    if chunk:
        yield safe_rows(chunk)


def _version(version: PositionVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "reference": version.reference,
        "content_hash": version.content_hash,
        "text_fr": version.text_fr,
        "text_en": version.text_en,
        "source": version.source,
        "source_label": version.source_label,
        "note": version.note,
        "published_at": _moment(version.published_at),
    }


def json_text(consultation: Consultation, position: Position, today: date) -> str:
    """The position, every version's texts and hash, the counts, and every endorsement."""
    tally = queries.tally(position)
    versions = queries.versions_of(position)
    document = {
        "position": {
            "id": position.id,
            "title_fr": position.title_fr,
            "title_en": position.title_en,
            "url": url_for(
                "coalitions.position", slug=consultation.slug, position_id=position.id, _external=True
            ),
            "opens_at": _moment(position.opens_at),
            "closes_at": _moment(position.closes_at),
            "current_version": versions[0].number if versions else None,
        },
        "counts": {
            "organisations_verified": tally.by_stance(True, True),
            "organisations_unverified": tally.by_stance(True, False),
            "citizens": tally.by_stance(False),
            "conditions_pending": tally.pending(),
            "conditions_failed": tally.failed(),
            "awaiting_reconfirmation": tally.awaiting(True) + tally.awaiting(False),
        },
        "stances": list(STANCES),
        "versions": [_version(v) for v in versions],
        "endorsements": list(records(position, today)),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def badge_words(position: Position, count: int, language: str) -> tuple[str, str]:
    """The badge's two parts in `language`: "We endorse: <title>" and "42 organisations"."""
    with force_locale(language):
        title = getattr(position, f"title_{language}") or position.title_fr or position.title_en
        return (
            _("We endorse: %(title)s", title=title),
            ngettext("%(num)d organisation", "%(num)d organisations", count),
        )
