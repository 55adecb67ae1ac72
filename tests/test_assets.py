"""Static files: built CSS and JS sent gzipped to browsers that accept it, the favicon."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

CSS = b".box { color: #1b1b1b; }\n" * 200


@pytest.fixture
def static(app: Flask, tmp_path: Path) -> Path:
    """A static folder with a built stylesheet and its gzipped copy, as build.mjs leaves them."""
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "site.css").write_bytes(CSS)
    (tmp_path / "dist" / "site.css.gz").write_bytes(gzip.compress(CSS))
    (tmp_path / "dist" / "plain.js").write_bytes(b"console.log(1);\n")
    (tmp_path / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    app.static_folder = str(tmp_path)
    return tmp_path


def test_a_built_file_is_sent_gzipped_to_a_browser_that_accepts_gzip(
    client: FlaskClient, static: Path
) -> None:
    response = client.get("/static/dist/site.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/css"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(CSS)
    assert gzip.decompress(response.data) == CSS


@pytest.mark.parametrize("accepted", [None, "identity", "br", "gzip;q=0"])
def test_a_built_file_is_sent_plain_to_a_browser_that_does_not_accept_gzip(
    client: FlaskClient, static: Path, accepted: str | None
) -> None:
    headers = {"Accept-Encoding": accepted} if accepted else {}
    response = client.get("/static/dist/site.css", headers=headers)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.data == CSS


def test_the_two_encodings_have_different_etags(client: FlaskClient, static: Path) -> None:
    zipped = client.get("/static/dist/site.css", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/static/dist/site.css")
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/static/dist/site.css", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_file_without_a_gzipped_copy_is_sent_as_it_is(client: FlaskClient, static: Path) -> None:
    response = client.get("/static/dist/plain.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == b"console.log(1);\n"


def test_no_path_leaves_the_static_folder(client: FlaskClient, static: Path) -> None:
    (static.parent / "secret.css.gz").write_bytes(gzip.compress(b"secret"))
    response = client.get("/static/dist/../../secret.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 404


def test_favicon_ico_leads_to_the_svg_favicon(client: FlaskClient, static: Path) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_every_page_links_the_favicon(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
