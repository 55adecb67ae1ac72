"""Two sites hosted on one Redis server (each its own PostgreSQL database and Redis database number)
never hear each other; a site's processes still hear one another."""

from __future__ import annotations

import time

import pytest

from tests.scale import clients, harness
from tests.scale.conftest import Cluster, Site, eventually

pytestmark = [pytest.mark.scale, pytest.mark.slow]


def test_an_event_reaches_the_sites_readers_on_every_process_and_never_another_sites(
    cluster: Cluster, other_site: Site
) -> None:
    setup = cluster.document(2)
    here = cluster.editor(setup, 0, cluster.b)  # site A, on the process that does not publish
    # Site B has a document with the same id: its readers are in a room of the same name.
    elsewhere_setup = other_site.document(setup.document_id)
    elsewhere = clients.Editor(
        elsewhere_setup.document_id,
        harness.sign_in(other_site.server.url, elsewhere_setup.emails[0]),
        elsewhere_setup.slug,
    )
    cluster.editors.append(elsewhere)
    elsewhere.connect(other_site.server.url)
    assert elsewhere.join()["role"] == "editor"
    before = elsewhere.content()

    # Through the co-drafting link: an edit made on process a.
    writer = cluster.editor(setup, 1, cluster.a)
    writer.insert_at_end_of("[1]", " (site A)")
    eventually(lambda: "(site A)" in here.content(), what="site A's edit to reach process b")
    # Through the link too: a mode change made on process a.
    harness.change_mode(cluster.a.url, setup, "suggest")
    eventually(lambda: bool(here.modes), what="the mode change to reach site A's reader on process b")
    assert here.modes == [{"type": "mode", "mode": "suggest"}]
    eventually(lambda: here.role == "suggester", what="the reader's new role under the new mode")

    time.sleep(0.5)  # what was coming has come (both reached process b long ago)
    assert elsewhere.modes == []
    assert elsewhere.content() == before
    assert not elsewhere.errors
