"""A binary Socket.IO event leaves in one write, its frames intact and in order (real eventlet sockets)."""

from __future__ import annotations

import random
import socket
import threading
from typing import Any

import pytest

websocket = pytest.importorskip("eventlet.websocket")

from civic.realtime_frames import COMPRESS_FROM, READ_CHUNK, _Coalescing, frame, unmask  # noqa: E402


class CountingSocket:
    """A real socket that counts sendall() calls (each is one write to the network)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.writes, self.reads = sock, 0, 0
        self.sent: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes += 1
        self.sent.append(bytes(data))
        self.sock.sendall(data)

    def recv(self, size: int) -> bytes:
        self.reads += 1
        return self.sock.recv(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


@pytest.fixture
def pair() -> Any:
    """(the server's wrapped WebSocket, a browser's WebSocket, the server's counted socket)."""
    server_side, client_side = socket.socketpair()
    counting = CountingSocket(server_side)
    sending = websocket.RFC6455WebSocket(counting, {}, version=13)
    receiving = websocket.RFC6455WebSocket(client_side, {}, version=13, client=True)  # masks its frames
    yield _Coalescing(sending), receiving, counting
    server_side.close()
    client_side.close()


def test_a_binary_event_and_its_attachments_leave_in_one_write(pair: Any) -> None:
    ws, peer, counting = pair
    ws.send('451-["y",7,{"_placeholder":true,"num":0}]')
    assert counting.writes == 0  # held until its attachment
    ws.send(b"\x00\x02\x01\x02")
    assert counting.writes == 1
    ws.send('452-["y",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')
    ws.send(b"first")
    assert counting.writes == 1
    ws.send(b"second")
    assert counting.writes == 2
    assert [peer.wait() for _ in range(5)] == [
        '451-["y",7,{"_placeholder":true,"num":0}]',
        b"\x00\x02\x01\x02",
        '452-["y",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
        b"first",
        b"second",
    ]


def test_other_frames_leave_at_once(pair: Any) -> None:
    ws, peer, counting = pair
    for message in ('42["mode",{"document":1}]', "3", '430[{"ok":true}]', "450-[]", b"raw"):
        before = counting.writes
        ws.send(message)
        assert counting.writes == before + 1
    assert [peer.wait() for _ in range(5)] == [
        '42["mode",{"document":1}]',
        "3",
        '430[{"ok":true}]',
        "450-[]",
        b"raw",
    ]


def test_a_binary_ack_is_grouped_too_and_a_stray_text_frame_flushes_in_order(pair: Any) -> None:
    ws, peer, counting = pair
    ws.send('461-/drafting,12[{"_placeholder":true,"num":0}]')
    ws.send(b"ack bytes")
    assert counting.writes == 1
    ws.send('451-["y",{"_placeholder":true,"num":0}]')
    ws.send("3")  # never happens with python-socketio; if it did, nothing is lost or reordered
    assert counting.writes == 2
    assert [peer.wait() for _ in range(4)] == [
        '461-/drafting,12[{"_placeholder":true,"num":0}]',
        b"ack bytes",
        '451-["y",{"_placeholder":true,"num":0}]',
        "3",
    ]


def test_unmasking_gives_what_eventlet_gives() -> None:
    randomness = random.Random(7)
    for _ in range(300):
        data = randomness.randbytes(randomness.randrange(0, 70))
        mask = tuple(randomness.randrange(256) for _ in range(4))
        offset = randomness.randrange(0, 9)
        length = randomness.randrange(0, len(data) + 1) if data else 0
        expected = websocket.RFC6455WebSocket._apply_mask(data, mask, length=length, offset=offset)
        assert unmask(data, mask, length=length, offset=offset) == expected
        assert unmask(data, mask) == websocket.RFC6455WebSocket._apply_mask(data, mask)


def test_masked_frames_arriving_together_are_read_in_one_call_and_intact(pair: Any) -> None:
    ws, peer, counting = pair
    messages: list[str | bytes] = [
        '451-["y",7,{"_placeholder":true,"num":0}]',
        bytes(range(256)),
        "Été à Montréal : « ça va » ✓",
        "3",
    ]
    for message in messages:
        peer.send(message)
    assert [ws.wait() for _ in messages] == messages
    assert counting.reads == 1  # eventlet alone: three per frame (header, mask, payload)


def test_a_frame_larger_than_a_read_is_read_whole(pair: Any) -> None:
    ws, peer, counting = pair
    big = random.Random(3).randbytes(3 * READ_CHUNK + 17)
    sender = threading.Thread(target=lambda: (peer.send(big), peer.send("after")))
    sender.start()
    try:
        assert ws.wait() == big
        assert ws.wait() == "after"
    finally:
        sender.join(10)


# What eventlet agrees to when a browser offers "permessage-deflate; client_max_window_bits" (all do).
DEFLATE = {
    "permessage-deflate": {
        "server_no_context_takeover": False,
        "client_no_context_takeover": False,
        "server_max_window_bits": 15,
        "client_max_window_bits": 15,
    }
}
RSV1 = 0x40  # set on the first frame of a compressed message (RFC 7692)


@pytest.fixture
def deflating() -> Any:
    """As `pair`, on a connection that agreed to permessage-deflate."""
    server_side, client_side = socket.socketpair()
    counting = CountingSocket(server_side)
    sending = websocket.RFC6455WebSocket(counting, {}, version=13, extensions=DEFLATE)
    receiving = websocket.RFC6455WebSocket(client_side, {}, version=13, client=True, extensions=DEFLATE)
    yield _Coalescing(sending), receiving, counting
    server_side.close()
    client_side.close()


def test_only_large_messages_are_deflated_and_a_browser_reads_both(deflating: Any) -> None:
    ws, peer, counting = deflating
    large_text = "Le numérique pour toutes et tous. " * (COMPRESS_FROM // 30)
    large_bytes = bytes(range(256)) * (COMPRESS_FROM // 256 + 1)
    messages: list[str | bytes] = ["3", large_text, '430[{"ok":true}]', large_bytes, "Été ✓", large_text]
    for message in messages:
        ws.send(message)
    ws.send('451-["y",7,{"_placeholder":true,"num":0}]')
    ws.send(b"\x00\x02\x01\x02")
    compressed = [bool(data[0] & RSV1) for data in counting.sent]
    assert compressed == [False, True, False, True, False, True, False]
    assert len(counting.sent[1]) < len(large_text.encode()) // 4  # the large text was deflated
    assert len(counting.sent[5]) < len(counting.sent[1])  # ... and the window carries over
    assert [peer.wait() for _ in range(8)] == [
        *messages,
        '451-["y",7,{"_placeholder":true,"num":0}]',
        b"\x00\x02\x01\x02",
    ]


def test_a_frame_is_what_eventlet_packs_without_compression() -> None:
    packer = websocket.RFC6455WebSocket(None, {}, version=13)
    for size in (0, 1, 125, 126, 127, 65535, 65536, 70000):
        for message in ("é" * (size // 2) + "a" * (size % 2), bytes(size)):
            assert frame(message) == packer._pack_message(message)
