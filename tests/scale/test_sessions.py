"""Signing out on one server process closes the person's live connections on the other (Redis)."""

from __future__ import annotations

import re

from tests.scale import clients, harness
from tests.scale.conftest import Cluster, eventually


def _sign_out(http: object, base_url: str, path: str = "/sign-out") -> None:
    page = http.get(f"{base_url}/account", timeout=30).text  # type: ignore[attr-defined]
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token is not None
    response = http.post(  # type: ignore[attr-defined]
        f"{base_url}{path}", data={"csrf_token": token.group(1)}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 302


def _cookie(http: object) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())  # type: ignore[attr-defined]


def test_signing_out_on_one_process_closes_the_connection_held_by_the_other(cluster: Cluster) -> None:
    setup = cluster.document(2)
    http = harness.browser_session(cluster.a.url, setup.emails[0])
    mine = clients.Editor(setup.document_id, _cookie(http), setup.slug)
    other_sign_in = cluster.editor(setup, 0, cluster.b)  # the same person, another browser
    cluster.editors.append(mine)
    mine.connect(cluster.b.url)
    assert mine.join()["role"] == "editor"
    _sign_out(http, cluster.a.url)
    eventually(lambda: not mine.connected, what="process b to close the signed-out connection")
    assert other_sign_in.connected  # another sign-in of the same person stays


def test_sign_out_everywhere_closes_connections_on_every_process(cluster: Cluster) -> None:
    setup = cluster.document(1)
    here = cluster.editor(setup, 0, cluster.a)
    there = cluster.editor(setup, 0, cluster.b)
    http = harness.browser_session(cluster.b.url, setup.emails[0])
    _sign_out(http, cluster.b.url, "/account/sign-out-everywhere")
    eventually(lambda: not here.connected and not there.connected, what="both connections closed")
