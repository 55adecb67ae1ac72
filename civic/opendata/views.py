"""Open data pages: what a consultation publishes, its package (stable address), and the research export."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.deliberation.opinions import services as opinions
from civic.errors import Forbidden
from civic.opendata import research, services
from civic.opendata.tables import TABLES, closed_polls

bp = Blueprint("opendata", __name__, url_prefix="/c/<slug>")


@bp.route("/open-data")
def show(slug: str) -> ResponseReturnValue:
    consultation = consultations.get_consultation(slug, current_participant())
    return render_template(
        "opendata/show.html",
        consultation=consultation,
        tables=TABLES,
        polls=closed_polls(consultation),
        maps=opinions.maps_of(consultation),
    )


def _package(slug: str) -> tuple[bytes, str]:
    consultation = consultations.get_consultation(slug, current_participant())
    data, _made = services.package_of(consultation)
    return data, services.etag(data)


@bp.route("/open-data.zip")
def download(slug: str) -> ResponseReturnValue:
    data, tag = _package(slug)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-open-data.zip"'
    response.set_etag(tag)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response.make_conditional(request)


@bp.route("/open-data/datapackage.json")
def descriptor(slug: str) -> ResponseReturnValue:
    data, tag = _package(slug)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        document = json.loads(archive.read("datapackage.json"))
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json")
    response.set_etag(tag)
    return response.make_conditional(request)


@bp.route("/research.zip")
@login_required
def research_export(slug: str) -> ResponseReturnValue:
    user = current_participant()
    consultation = consultations.get_consultation(slug, user)
    if user is None or not user.is_admin:
        raise Forbidden()
    response = Response(research.build(consultation), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-research.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response
