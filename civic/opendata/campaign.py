"""The campaign's tables (positions and their endorsements) and each opinion map's Pol.is export."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from civic.coalitions import exports as endorsement_exports
from civic.coalitions import positions as coalition_positions
from civic.coalitions import queries as coalition_queries
from civic.consultations.models import Consultation
from civic.deliberation.opinions import services as opinions
from civic.deliberation.opinions import transfer
from civic.deliberation.opinions.analysis import polis
from civic.opendata.tables import Field, Table, moment, register


def _positions(consultation: Consultation) -> Iterator[list[Any]]:
    for position in reversed(coalition_queries.positions_of(consultation)):
        version = coalition_positions.current_version(position)
        tally = coalition_queries.tally(position)
        organisations, citizens = tally.by_stance(True), tally.by_stance(False)
        yield [
            position.id,
            position.title_fr,
            position.title_en,
            version.number,
            version.reference,
            version.content_hash,
            moment(position.opens_at),
            moment(position.closes_at),
            organisations.get("endorse", 0) + organisations.get("reservations", 0),
            citizens.get("endorse", 0) + citizens.get("reservations", 0),
        ]


def _endorsements(consultation: Consultation) -> Iterator[list[Any]]:
    today = date.today()
    for position in reversed(coalition_queries.positions_of(consultation)):
        for record in endorsement_exports.records(position, today):
            yield [position.id, *(_value(name, record[name]) for name in endorsement_exports.COLUMNS)]


def _value(name: str, value: Any) -> Any:
    # The export's times are ISO 8601 with an offset; the package writes every time the same way.
    return moment(datetime.fromisoformat(value)) if value and _COLUMNS[name][0] == "datetime" else value


# The endorsements file's columns (civic.coalitions.exports.COLUMNS): type and meaning.
_COLUMNS = {
    "endorsement_id": ("integer", "The endorsement's number"),
    "kind": ("string", "organisation or citizen"),
    "name": ("string", "The organisation's name, or the citizen's display name if they chose to be named"),
    "organisation_slug": ("string", "The organisation's address on the site"),
    "verified": ("boolean", "The organisation was verified by the campaign's moderators"),
    "stance": ("string", "endorse, reservations, stand_aside or oppose"),
    "active": ("boolean", "False once revoked"),
    "version": ("integer", "The version of the position endorsed"),
    "current_version": ("integer", "The position's current version"),
    "content_hash": ("string", "SHA-256 of the text endorsed"),
    "condition_amendment": ("integer", "An amendment the endorsement depends on"),
    "condition_state": ("string", "That amendment's state"),
    "statement": ("string", "The endorser's statement"),
    "signatory_name": ("string", "Who signed for the organisation"),
    "signatory_role": ("string", "Their role in it"),
    "mandate_body": ("string", "The body that gave the mandate"),
    "mandate_date": ("date", "When it was given"),
    "mandate_scope": ("string", "What it covers"),
    "mandate_expires": ("date", "When it ends"),
    "mandate_expired": ("boolean", "It has ended"),
    "mandate_url": ("string", "The mandate's public record"),
    "given_at": ("datetime", "When the endorsement was given (UTC)"),
    "updated_at": ("datetime", "When it last changed (UTC)"),
}

register(
    Table(
        "positions",
        _l("Positions"),
        _l("Every position put forward for endorsement: its current version, content hash and supporters."),
        [
            Field("id", "integer", "The position's number"),
            Field("title_fr", "string", "Its title in French"),
            Field("title_en", "string", "Its title in English"),
            Field("version", "integer", "Its current version"),
            Field("reference", "string", "The language whose text prevails (fr or en)"),
            Field("content_hash", "string", "SHA-256 of the current version's text (docs/coalitions.md)"),
            Field("opens_at", "datetime", "Endorsements taken from (UTC)"),
            Field("closes_at", "datetime", "Endorsements taken until (UTC)"),
            Field(
                "organisations",
                "integer",
                "Organisations endorsing the current version (with or without reservations)",
            ),
            Field(
                "citizens", "integer", "Citizens endorsing the current version (with or without reservations)"
            ),
        ],
        _positions,
    )
)
register(
    Table(
        "endorsements",
        _l("Endorsements"),
        _l(
            "Every endorsement, current or revoked, pinned to the version and content hash it endorsed; "
            "citizens who chose not to be named have no name."
        ),
        [
            Field("position_id", "integer", "The position endorsed"),
            *(Field(name, *_COLUMNS[name]) for name in endorsement_exports.COLUMNS),
        ],
        _endorsements,
        key="endorsement_id",
    )
)


def _type_of(values: list[str]) -> str:
    filled = [v for v in values if v != ""]
    return "integer" if filled and all(re.fullmatch(r"-?[0-9]+", v) for v in filled) else "string"


def opinion_files(consultation: Consultation) -> list[tuple[str, bytes, dict[str, Any]]]:
    """(path, bytes, Frictionless resource) of each opinion map's Pol.is export files."""
    found = []
    for opinion_map in opinions.maps_of(consultation):
        url = url_for("opinions.show", slug=consultation.slug, map_id=opinion_map.id, _external=True)
        question = opinion_map.question_fr or opinion_map.question_en
        with zipfile.ZipFile(io.BytesIO(transfer.export_zip(opinion_map, question, url))) as archive:
            for name in archive.namelist():
                if not name.endswith(".csv"):
                    continue
                data = archive.read(name)
                rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
                path = f"opinions/map-{opinion_map.id}/{name}"
                if name == polis.SUMMARY:
                    # Pol.is's summary is key-value lines with no header row.
                    header, body, dialect = ["key", "value"], rows, {"header": False}
                else:
                    header, body, dialect = (rows[0] if rows else []), rows[1:], {}
                fields = [
                    {"name": column, "type": _type_of([r[i] if i < len(r) else "" for r in body])}
                    for i, column in enumerate(header)
                ]
                resource = {
                    "name": f"opinion-map-{opinion_map.id}-{name.removesuffix('.csv')}",
                    "path": path,
                    "title": f"Opinion map {opinion_map.id}: {name} (Pol.is export format)",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "profile": "tabular-data-resource",
                    "schema": {"fields": fields, "missingValues": [""]},
                } | ({"dialect": dialect} if dialect else {})
                found.append((path, data, resource))
    return found
