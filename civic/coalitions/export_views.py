"""Downloads and embeds: a position's endorsements as CSV and JSON, its badge as SVG and as HTML.

A badge is requested by every page of every site that shows it, so it is cached: browsers and
proxies may keep it BADGE_SECONDS (five minutes), then ask again with its ETag and get a 304 when the
count has not moved. Its count is one indexed count query. A badge may therefore show a count up to
five minutes old; the position's own pages are never cached. Badges of members-only consultations are
private (never kept by a shared cache).
"""

from __future__ import annotations

import hashlib

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from civic.coalitions import exports, queries
from civic.coalitions.endorsing import local_today
from civic.coalitions.models import Position
from civic.coalitions.views import bp, load
from civic.consultations.models import Consultation

BADGE_SECONDS = 300
# The HTML badge is shown in other sites' frames: any site may frame it, and it runs nothing.
BADGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)


@bp.route("/positions/<int:position_id>/endorsements.csv")
def export_csv(slug: str, position_id: int) -> ResponseReturnValue:
    _consultation, position = load(slug, position_id)
    return Response(
        # Built in pieces from rows read a thousand at a time (streaming it would need the request's
        # context after the view returns).
        "".join(exports.csv_chunks(position, local_today())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="position-{position.id}-endorsements.csv"'},
    )


@bp.route("/positions/<int:position_id>/endorsements.json")
def export_json(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    return Response(
        exports.json_text(consultation, position, local_today()),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="position-{position.id}-endorsements.json"'},
    )


def _badge(consultation: Consultation, position: Position, template: str, mimetype: str) -> Response:
    language = request.args.get("lang")
    language = language if language in ("fr", "en") else "fr"
    count = queries.badge_count(position)
    lead, tail = exports.badge_words(position, count, language)
    response = Response(
        render_template(
            template, consultation=consultation, position=position, lead=lead, tail=tail, lang=language
        ),
        mimetype=mimetype,
    )
    public = consultation.visibility == "public" and consultation.status != "draft"
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={BADGE_SECONDS}"
    response.set_etag(hashlib.sha256(f"{lead}|{tail}|{language}".encode()).hexdigest()[:32])
    response.make_conditional(request)  # a 304 without a body when the browser's copy is current
    return response


@bp.route("/positions/<int:position_id>/badge.svg")
def badge_svg(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    return _badge(consultation, position, "coalitions/badge.svg", "image/svg+xml")


@bp.route("/positions/<int:position_id>/badge.html")
def badge_html(slug: str, position_id: int) -> ResponseReturnValue:
    consultation, position = load(slug, position_id)
    response = _badge(consultation, position, "coalitions/badge.html", "text/html")
    response.headers["Content-Security-Policy"] = BADGE_POLICY
    return response
