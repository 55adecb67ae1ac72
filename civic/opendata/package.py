"""A consultation's open data as a Frictionless data package: a zip of CSV tables with their schemas, each
closed poll's audit file (ballots, signed chain, result: `python -m civic.voting verify` recounts it), a
licence, and a data card in French and English."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from civic.consultations.models import Consultation
from civic.opendata import campaign
from civic.opendata.tables import TABLES, Table, closed_polls, moment
from civic.spreadsheet import safe_rows
from civic.timestamps import utcnow
from civic.voting import exports, kinds

PROFILE = "tabular-data-package"
# Written into every file's timestamp: the same data makes the same bytes (a stable ETag).
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _csv(table: Table, consultation: Consultation) -> bytes:
    # Cells a spreadsheet would run as formulas get a leading ' (civic.spreadsheet); numbers stay numbers.
    header = [[field.name for field in table.fields]]
    return safe_rows(header + [[_cell(v) for v in row] for row in table.rows(consultation)]).encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _resource(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "path": f"data/{table.name}.csv",
        "title": str(table.title),
        "description": str(table.description),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "profile": "tabular-data-resource",
        "schema": {
            "fields": [
                {"name": f.name, "type": f.type, "description": f.description}
                | ({"format": "%Y-%m-%dT%H:%M:%SZ"} if f.type == "datetime" else {})
                | ({"trueValues": ["true"], "falseValues": ["false"]} if f.type == "boolean" else {})
                for f in table.fields
            ],
            "primaryKey": [table.key],
            "missingValues": [""],
        },
    }


def _licence() -> dict[str, str]:
    config = current_app.config
    return {
        "name": config["OPENDATA_LICENCE"],
        "title": config["OPENDATA_LICENCE_TITLE"],
        "path": config["OPENDATA_LICENCE_URL"],
    }


def descriptor(
    consultation: Consultation, generated: datetime, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The package's datapackage.json; `extra` adds resources written beside the tables."""
    return {
        "profile": PROFILE,
        "name": f"civic-{consultation.slug}",
        "title": consultation.title_fr or consultation.title_en,
        "description": (
            f"Open data of the consultation “{consultation.title_en or consultation.title_fr}”: see README.md "
            "(French and English) for what each file holds and how to verify the polls."
        ),
        "homepage": url_for("consultations.show", slug=consultation.slug, _external=True),
        "created": moment(generated),
        "version": moment(generated),
        "licenses": [_licence()],
        "sources": [
            {"title": "Civic", "path": url_for("consultations.show", slug=consultation.slug, _external=True)}
        ],
        "resources": [_resource(table) for table in TABLES] + (extra or []),
    }


def build(consultation: Consultation) -> bytes:
    """The package of a consultation, as the bytes of a zip file."""
    generated = utcnow()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def write(name: str, data: bytes) -> None:
            archive.writestr(
                zipfile.ZipInfo(name, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED
            )

        opinion_files = campaign.opinion_files(consultation)
        with force_locale("en"):  # the descriptor's titles and descriptions are in English
            document = descriptor(consultation, generated, [resource for _p, _d, resource in opinion_files])
        write("datapackage.json", json.dumps(document, ensure_ascii=False, indent=2).encode())
        cards = []
        for locale in ("fr", "en"):
            with force_locale(locale):
                cards.append(
                    render_template("opendata/datacard.md", consultation=consultation, tables=TABLES,
                                    polls=closed_polls(consultation), generated=generated, licence=_licence())
                )  # fmt: skip
        write("README.md", "\n\n---\n\n".join(cards).encode())
        for table in TABLES:
            write(f"data/{table.name}.csv", _csv(table, consultation))
        for poll in closed_polls(consultation):
            audit = exports.audit_document(poll)
            write(
                f"polls/poll-{poll.id}-audit.json", json.dumps(audit, ensure_ascii=False, indent=1).encode()
            )
            if kinds.kind_of(poll) == "ranked":
                text, _mime, _name = exports.ballot_file(poll, "blt")
                write(f"polls/poll-{poll.id}.blt", text.encode())
        for path, data, _r in opinion_files:
            write(path, data)
    return buffer.getvalue()
