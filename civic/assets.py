"""Static files as `python app.py` and gunicorn serve them: built CSS and JS gzipped, and the favicon.

The build (build.mjs) writes a gzipped copy beside every CSS and JS file of static/dist (`site.css.gz`).
A browser that accepts gzip gets that copy, marked `Content-Encoding: gzip`: a quarter to a third of the
bytes on a slow link, and no compression work in the server (one process serves pages and real time under
eventlet; compressing each response would take its CPU from them). nginx does the same with
`gzip_static on` (docs/deploy.md). Pages themselves are not compressed: they are small, and they carry a
CSRF token beside text from the request, which compression would expose (BREACH).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, current_app, redirect, request, send_file, url_for
from werkzeug.security import safe_join

COMPRESSED_SUFFIXES = (".css", ".js")


def _gzipped(filename: str) -> Path | None:
    """The gzipped copy of a built CSS or JS file, if the build made one."""
    if not filename.startswith("dist/") or not filename.endswith(COMPRESSED_SUFFIXES):
        return None
    path = safe_join(str(current_app.static_folder), f"{filename}.gz")
    return Path(path) if path and Path(path).is_file() else None


def serve_static(filename: str) -> Response:
    """Serve a file of static/, the gzipped copy of a built CSS or JS file when the browser accepts gzip."""
    zipped = _gzipped(filename)
    if zipped is None:
        return current_app.send_static_file(filename)
    if request.accept_encodings["gzip"] > 0:
        response = send_file(
            zipped,
            mimetype=mimetypes.guess_type(filename)[0],
            download_name=Path(filename).name,
            max_age=current_app.get_send_file_max_age(filename),
            conditional=True,
        )
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = current_app.send_static_file(filename)
    # Caches (a browser's, a proxy's) keep the two encodings apart.
    response.vary.add("Accept-Encoding")
    return response


def favicon() -> Response:
    """Browsers and feed readers ask for /favicon.ico whatever the page links: send them to the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    app.view_functions["static"] = serve_static
    app.add_url_rule("/favicon.ico", "favicon", favicon)
