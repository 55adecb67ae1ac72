"""Co-drafting over two real server processes with Redis and PostgreSQL: convergence, a process killed
while people type, offline edits, bad input. Clients are real WebSockets to the sync endpoint
(tests/scale/harness.py).
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import simple_websocket

from civic.deliberation.drafting.sync import protocol
from tests.scale import clients, harness
from tests.scale.conftest import Cluster, eventually

pytestmark = [pytest.mark.scale, pytest.mark.slow]


def _all_answered(*editors: clients.Editor) -> bool:
    return all(edit.answer is not None for editor in editors for edit in editor.edits if edit.sent_at)


def _converged(cluster: Cluster, setup: harness.Setup, *editors: clients.Editor) -> bool:
    stored = cluster.stored(setup)
    return all(editor.content() == stored for editor in editors)


def _type(editor: clients.Editor, line: int, token: str) -> clients.Edit:
    """Type at the end of one's own line, sending at once when connected (offline: kept locally)."""
    if editor.connected:
        try:
            return editor.insert_at_end_of(f"[{line}]", token)
        except simple_websocket.ConnectionClosed:  # the connection dropped in between
            return editor.edits[-1]
    edit = editor.insert_at_end_of(f"[{line}]", token, send=False)
    edit.sent_at = 0.0
    return edit


def test_clients_on_both_processes_converge_and_a_newcomer_gets_the_full_text(cluster: Cluster) -> None:
    setup = cluster.document(4)
    editors = [cluster.editor(setup, i, cluster.a if i % 2 == 0 else cluster.b) for i in range(4)]
    for round_ in range(15):
        for i, editor in enumerate(editors):
            _type(editor, i, f"{'abcd'[i]}{round_};")
        time.sleep(0.01)
    eventually(lambda: _all_answered(*editors), what="every edit acknowledged")
    assert all(edit.answer == {"ok": True} for editor in editors for edit in editor.edits)
    eventually(lambda: _converged(cluster, setup, *editors), what="all four clients converged")
    stored = cluster.stored(setup)
    for i in range(4):
        line = next(line for line in stored.splitlines() if line.startswith(f"[{i}]"))
        assert line == f"[{i}]" + "".join(f"{'abcd'[i]}{r};" for r in range(15))
    for server in (cluster.a, cluster.b):
        newcomer = cluster.editor(setup, 0, server)
        assert newcomer.content() == stored  # the step 2 answering its join carries everything
    assert not any(editor.errors for editor in editors)


def test_a_killed_process_loses_no_acknowledged_edit(cluster: Cluster) -> None:
    setup = cluster.document(6)
    editors = [cluster.editor(setup, i, cluster.a if i < 3 else cluster.b) for i in range(6)]
    stop = threading.Event()

    def typist(i: int) -> None:
        editor, count = editors[i], 0
        while not stop.is_set():
            _type(editor, i, f"<{i}.{count}>")
            count += 1
            time.sleep(0.1)  # ten changes a second each: brisk typing, sent one by one

    threads = [threading.Thread(target=typist, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        cluster.a.kill()
        # The tabs on the dead process notice the drop and reconnect to the other one.
        eventually(lambda: not any(e.connected for e in editors[:3]), what="the drop to be noticed")
        for editor in editors[:3]:
            editor.connect(cluster.b.url)
            editor.join()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    # Edits sent to the dead process just before it died are never answered: wait for convergence.
    eventually(lambda: _converged(cluster, setup, *editors), timeout=20, what="convergence after the kill")
    stored = cluster.stored(setup)
    acknowledged = [e for editor in editors for e in editor.edits if e.answer == {"ok": True}]
    assert len(acknowledged) > 50
    missing = [e.token for e in acknowledged if e.token not in stored]
    assert missing == []
    # Edits that were in flight or made while disconnected came back with the client's step 2.
    assert all(e.token in stored for editor in editors for e in editor.edits)

    cluster.restart(cluster.a)
    late = cluster.editor(setup, 0, cluster.a)
    assert late.content() == stored  # the restarted process loads the document intact
    _type(late, 0, "<after restart>")
    eventually(lambda: "<after restart>" in editors[5].content(), what="an edit on a relayed to b")
    assert late.edits[-1].answer == {"ok": True}


def test_edits_made_offline_merge_on_reconnect(cluster: Cluster) -> None:
    setup = cluster.document(2)
    away, here = cluster.editor(setup, 0, cluster.a), cluster.editor(setup, 1, cluster.b)
    away.disconnect()
    for count in range(10):
        _type(away, 0, f"(offline {count})")
        _type(here, 1, f"(online {count})")
        time.sleep(0.02)
    eventually(lambda: _all_answered(here), what="the online edits acknowledged")
    assert "(offline" not in cluster.stored(setup)
    away.connect(cluster.b.url)  # back, through the other process
    away.join()
    eventually(lambda: _converged(cluster, setup, away, here), what="the offline edits merged")
    stored = cluster.stored(setup)
    assert stored.startswith("[0]" + "".join(f"(offline {n})" for n in range(10)) + "\n")
    assert "".join(f"(online {n})" for n in range(10)) in stored


def test_bad_input_gets_an_error_and_leaves_the_others_unaffected(cluster: Cluster) -> None:
    setup = cluster.document(3)
    attacker, other = cluster.editor(setup, 0, cluster.a), cluster.editor(setup, 1, cluster.a)
    watcher = cluster.editor(setup, 2, cluster.b)
    rows = cluster.rows(setup)

    answers = [
        attacker.call(b"\xff" + os.urandom(63), timeout=10),  # (no message type starts with 255)
        attacker.call(b"\x00\x02\x20abc", timeout=10),
    ]
    huge = attacker.change(lambda text: text.insert(0, "x" * 300_000))
    answers.append(attacker.call(protocol.update_message(huge), timeout=10))
    assert [a.get("code") for a in answers] == ["malformed", "malformed", "too-large"]
    eventually(lambda: len(attacker.errors) == 3, what="three errors")
    assert [e["code"] for e in attacker.errors] == ["malformed", "malformed", "too-large"]

    # Above the endpoint's frame limit the server does not read the frame: it closes that connection.
    attacker.send(protocol.update_message(os.urandom(10 * 1024 * 1024)))
    eventually(lambda: not attacker.connected, what="the 10 MB frame to close its connection")

    assert cluster.a.alive()
    assert cluster.rows(setup) == rows
    _type(other, 1, "still here")
    eventually(lambda: "still here" in watcher.content(), what="the others to keep working")
    assert other.edits[-1].answer == {"ok": True}
    assert "x" * 1000 not in cluster.stored(setup)
