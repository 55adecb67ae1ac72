"""A binary Socket.IO event leaves in one write, its frames intact and in order (real eventlet sockets)."""

from __future__ import annotations

import random
import socket
import threading
from typing import Any

import pytest

websocket = pytest.importorskip("eventlet.websocket")

from civic.realtime import Compressible  # noqa: E402
from civic.realtime_frames import READ_CHUNK, _Coalescing, frame, unmask  # noqa: E402


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
def agreed(window_bits: int = 15) -> dict[str, Any]:
    return {
        "permessage-deflate": {
            "server_no_context_takeover": False,
            "client_no_context_takeover": False,
            "server_max_window_bits": window_bits,
            "client_max_window_bits": 15,
        }
    }


RSV1 = 0x40  # set on the first frame of a compressed message (RFC 7692)


@pytest.fixture
def deflating() -> Any:
    """As `pair`, on a connection that agreed to permessage-deflate (the browser keeps its context)."""
    made = []

    def make(window_bits: int = 15) -> Any:
        server_side, client_side = socket.socketpair()
        made.extend((server_side, client_side))
        counting = CountingSocket(server_side)
        sending = websocket.RFC6455WebSocket(counting, {}, version=13, extensions=agreed(window_bits))
        receiving = websocket.RFC6455WebSocket(
            client_side, {}, version=13, client=True, extensions=agreed(window_bits)
        )
        return _Coalescing(sending), receiving, counting

    yield make
    for sock in made:
        sock.close()


def test_only_marked_messages_are_deflated_and_a_browser_reads_all(deflating: Any) -> None:
    ws, peer, counting = deflating()
    sync = Compressible("Le numérique pour toutes et tous. ".encode() * 200)
    relayed = bytes(range(256)) * 80  # as large, not marked: the live stream is never deflated
    messages: list[str | bytes] = [
        "3",
        '451-["y",7,{"_placeholder":true,"num":0}]',
        sync,
        relayed,
        Compressible(b"\x00\x01small"),  # marked but too small to be worth it
        "Été ✓",
        Compressible(bytes(reversed(sync))),  # a second compressed message, from a fresh compressor
    ]
    for message in messages:
        ws.send(message)
    assert counting.writes == 6  # the event and its attachment left together
    compressed = [bool(data[0] & RSV1) for data in counting.sent]
    assert compressed == [False, False, False, False, False, True]
    event = '451-["y",7,{"_placeholder":true,"num":0}]'
    attachment = counting.sent[1][2 + len(event) :]  # after the event's own (uncompressed) frame
    assert attachment[0] & RSV1 and len(attachment) < len(sync) // 4
    assert [peer.wait() for _ in messages] == messages


def test_a_compressed_message_keeps_to_the_window_the_browser_asked_for(deflating: Any) -> None:
    block = random.Random(5).randbytes(2000)
    message = Compressible(block * 3)  # random, but repeated 2,000 bytes back
    event = '451-["y",7,{"_placeholder":true,"num":0}]'
    sizes = {}
    for window_bits in (9, 15):  # a 512-byte window, a 32 KB one
        ws, peer, counting = deflating(window_bits=window_bits)
        ws.send(event)
        ws.send(message)
        assert [peer.wait(), peer.wait()] == [event, message]
        sizes[window_bits] = len(counting.sent[0]) - (2 + len(event))
    assert sizes[9] > len(message) * 0.95  # the repeats lie beyond the window: not referred to
    assert sizes[15] < len(block) * 1.1  # within it: referred to


def test_a_frame_is_what_eventlet_packs_without_compression() -> None:
    packer = websocket.RFC6455WebSocket(None, {}, version=13)
    for size in (0, 1, 125, 126, 127, 65535, 65536, 70000):
        for message in ("é" * (size // 2) + "a" * (size % 2), bytes(size)):
            assert frame(message) == packer._pack_message(message)
