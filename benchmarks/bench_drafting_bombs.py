"""How long a served process answers nobody, and how much it grows, when it is sent co-drafting messages
that declare huge sizes in a few bytes (issue 15: "a 13-byte message must not freeze a server").

Run: `.venv/bin/python benchmarks/bench_drafting_bombs.py [--rounds 5]` (PostgreSQL at TEST_DATABASE_URL
or DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test: a fresh database is created and
dropped). For each kind of message, a fresh `python app.py` process (eventlet): a guest and an editor
send it `--rounds` times while a third connection on the same process sends a presence update every
20 ms and times the answers. Printed per kind and sender: the sender's answers, the longest wait of the
sender and of the other connection, and the growth of the process's peak resident memory (VmHWM,
Linux) since before the first message of that kind.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civic.deliberation.drafting.sync import protocol  # noqa: E402
from civic.deliberation.drafting.sync.protocol import write_uint as uint  # noqa: E402
from tests.scale import clients, harness  # noqa: E402

BOMBS = {
    "step 1: state vector of 2^29 clients (13 bytes)": protocol.sync_message(
        protocol.STEP1, uint(2**29) + b"\x01" * 6
    ),
    "update: 2^28 clients (12 bytes)": protocol.update_message(uint(2**28) + b"\x01" * 8),
    "step 2: update of 2^28 clients": protocol.sync_message(protocol.STEP2, uint(2**28) + b"\x01" * 8),
    "awareness: 2^29 clients": uint(protocol.AWARENESS) + uint(10) + uint(2**29) + b"\x01" * 6,
}


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    admin = (
        os.environ.get("TEST_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or ("postgresql://postgres@127.0.0.1:5432/test")
    )
    with harness.fresh_database(admin) as url, tempfile.TemporaryDirectory() as folder:
        app = harness.cheap_app(url)
        harness.create_schema(app)
        setup = harness.prepare(app, 2, "[0]\n[1]\n")
        print(f"{'message':<48} {'sender':<7} {'answer':<10} {'answer s':>8} {'others s':>8} {'peak +MB':>8}")
        for kind, message in BOMBS.items():
            server = harness.Server(url, None, Path(folder) / "server.log").start()
            try:
                measure(server, setup, kind, message, options.rounds)
            finally:
                server.stop()
        from civic.extensions import db

        with app.app_context():
            db.engine.dispose()


def measure(server: harness.Server, setup: harness.Setup, kind: str, message: bytes, rounds: int) -> None:
    guest = clients.Editor(setup.document_id, "", setup.slug).connect(server.url)
    guest.join()
    editor = clients.Editor(setup.document_id, harness.sign_in(server.url, setup.emails[0]), setup.slug)
    editor.connect(server.url).join()
    watcher = clients.Editor(setup.document_id, harness.sign_in(server.url, setup.emails[1]), setup.slug)
    watcher.connect(server.url).join()
    presence = protocol.encode_awareness([protocol.AwarenessEntry(99, 1, {"cursor": None})])
    before = peak_kb(server.pid)
    for sender, name in ((guest, "guest"), (editor, "editor")):
        waits: list[float] = []
        stop = threading.Event()

        def watch(waits: list[float] = waits, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                started = time.monotonic()
                watcher.call(presence, timeout=60)
                waits.append(time.monotonic() - started)
                time.sleep(0.02)

        thread = threading.Thread(target=watch)
        thread.start()
        answers, took = [], []
        for _ in range(rounds):
            time.sleep(0.1)
            started = time.monotonic()
            answers.append(sender.call(message, timeout=60))
            took.append(time.monotonic() - started)
        time.sleep(0.1)
        stop.set()
        thread.join()
        codes = ",".join(sorted({str(answer.get("code", "ok")) for answer in answers}))
        grown = (peak_kb(server.pid) - before) / 1024
        print(f"{kind:<48} {name:<7} {codes:<10} {max(took):>8.3f} {max(waits):>8.3f} {grown:>8.0f}")
    for client in (guest, editor, watcher):
        client.disconnect()


if __name__ == "__main__":
    main()
