"""Served by gunicorn's eventlet worker (docs/deploy.md): the pages and the co-drafting WebSocket in one
process, PostgreSQL queries cooperative."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.scale import harness
from tests.scale.conftest import Cluster, eventually

pytestmark = [pytest.mark.scale, pytest.mark.slow]


@pytest.fixture(scope="module")
def gunicorn_server(cluster: Cluster) -> Iterator[harness.Server]:
    server = harness.Server(
        cluster.a.database_url, cluster.a.redis_url, cluster.folder / "server-gunicorn.log", gunicorn=True
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_gunicorn_serves_the_pages_and_the_sync_endpoint_with_the_others(
    cluster: Cluster, gunicorn_server: harness.Server
) -> None:
    setup = cluster.document(2)
    page = requests.get(f"{gunicorn_server.url}/c/{setup.slug}/documents/{setup.document_id}", timeout=30)
    # The reading page (the sync address is on the editing view, which asks to sign in first).
    assert page.status_code == 200 and 'id="drafting-rendered"' in page.text
    here = cluster.editor(setup, 0, gunicorn_server)
    there = cluster.editor(setup, 1, cluster.a)  # a process served by python app.py
    edit = here.insert_at_end_of("[0]", " (gunicorn)")
    eventually(lambda: edit.answer is not None, what="the edit acknowledged")
    assert edit.answer == {"ok": True}
    eventually(lambda: "(gunicorn)" in there.content(), what="the edit relayed to the other process")
    there.insert_at_end_of("[1]", " (app.py)")
    eventually(lambda: "(app.py)" in here.content(), what="the other process's edit relayed to gunicorn's")
    assert cluster.stored(setup) == here.content() == there.content()
