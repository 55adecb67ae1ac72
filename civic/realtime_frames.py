"""Eventlet WebSocket I/O for Socket.IO with fewer system calls and less deflating (served processes only).

Writes: python-socketio sends an event carrying bytes as a text frame (`45N-[...]`, N attachments
announced) followed by N binary frames, and Engine.IO's writer hands each frame to the WebSocket on its
own: two `sendall` calls per reader for every relayed co-drafting batch, the largest cost of a busy
room. Here the text frame of a binary event waits, in memory, for its announced attachments, and the
frames leave together in one write. The attachments always follow their event in the same
connection's queue (python-socketio queues them together), so nothing waits on a timer; every other
frame is sent at once, as before.

Compression: every browser offers permessage-deflate, and eventlet then deflates every frame it sends
on that connection, keeping a compressor (about 256 KB) per connection. Here only bytes the sender
marked `realtime.Compressible` (a document's sync, sent to one connection) are deflated, from
COMPRESS_FROM bytes on, each with a compressor of its own; everything else, the live stream of relayed
updates and acknowledgements above all, goes as it is, which RFC 7692 allows message by message (the
RSV1 bit says which are compressed). Deflating the stream cost a busy server 14-23 % of its CPU, and
more as its batches grew past any size threshold (benchmarks/bench_drafting.py, docs/performance.md).

Reads: eventlet reads each frame with three `recv` calls (header, mask, payload), six per keystroke
of a co-drafting editor, and unmasks the payload one byte at a time in Python. Here the socket is read
in large chunks that later frames are served from, and a payload is unmasked as one integer XOR.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

from engineio.async_drivers.eventlet import WebSocketWSGI

from civic.realtime import Compressible

# Engine.IO "message" (4) carrying a Socket.IO binary event (5) or binary ack (6): 45<attachments>-...
_BINARY = re.compile(r"4[56](\d+)-")


READ_CHUNK = 65536
COMPRESS_FROM = 1024  # bytes: a smaller Compressible message goes as it is
RSV1 = 0x40  # first header bit after FIN: the message is compressed (RFC 7692)


def frame(message: str | bytes, deflated: bool = False) -> bytes:
    """One final, unmasked WebSocket frame (RFC 6455 5.2): text for str, binary for bytes; `deflated`:
    the payload is a compressed message's (RFC 7692)."""
    payload, opcode = (message.encode(), 0x81) if isinstance(message, str) else (bytes(message), 0x82)
    if deflated:
        opcode |= RSV1
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", opcode, size)
    elif size < 65536:
        header = struct.pack("!BBH", opcode, 126, size)
    else:
        header = struct.pack("!BBQ", opcode, 127, size)
    return header + payload


def deflate(payload: bytes, window_bits: int) -> bytes:
    """The payload of one compressed message (RFC 7692 7.2.1), from a compressor of its own: nothing is
    kept per connection, and a browser that keeps its context between messages reads it all the same
    (a fresh compressor refers to nothing sent before)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -window_bits)
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data[:-4]  # the 00 00 FF FF a sync flush ends with


class _BufferedSocket:
    """A socket whose recv() is served from one large read: the frames that arrived together."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buffer = b""

    def __getattr__(self, name: str) -> Any:  # sendall(), shutdown(), close() ... as the socket has them
        return getattr(self._sock, name)

    def recv(self, size: int) -> bytes:
        if not self._buffer:
            data = self._sock.recv(max(size, READ_CHUNK))
            if len(data) <= size:
                return bytes(data)
            self._buffer = data
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return bytes(data)


def unmask(data: bytes, mask: Any, length: int | None = None, offset: int = 0) -> bytes:
    """eventlet's RFC6455WebSocket._apply_mask (same arguments), as one XOR of two integers."""
    size = len(data) if length is None else length
    if size <= 0:
        return b""
    turn = offset % 4
    key = bytes(mask[turn:]) + bytes(mask[:turn])
    key = (key * (size // 4 + 1))[:size]
    mixed = int.from_bytes(data[:size], "little") ^ int.from_bytes(key, "little")
    return mixed.to_bytes(size, "little")


class _Coalescing:
    """Wraps eventlet's RFC6455WebSocket for Engine.IO: send() groups a binary event's frames and
    deflates only what is marked Compressible, and frames are read from a buffered socket and unmasked
    at once."""

    def __init__(self, ws: Any) -> None:
        ws.socket = _BufferedSocket(ws.socket)
        ws._apply_mask = unmask  # an instance attribute: called as eventlet calls its static method
        self._ws = ws
        self._held: list[bytes] = []
        self._expected = 0

    def __getattr__(self, name: str) -> Any:  # wait(), close(), the socket ... as eventlet has them
        return getattr(self._ws, name)

    def _pack(self, message: str | bytes) -> bytes:
        """The frame of a message: deflated if marked Compressible, large enough, and agreed to."""
        if isinstance(message, Compressible) and len(message) >= COMPRESS_FROM:
            agreed = self._ws.extensions.get("permessage-deflate")
            if agreed is not None:
                return frame(deflate(message, agreed.get("server_max_window_bits", zlib.MAX_WBITS)), True)
        return frame(message)

    def send(self, message: str | bytes) -> None:
        if self._expected:
            self._held.append(self._pack(message))
            # An attachment counts down; a text frame instead (never seen) sends what is held, in order.
            self._expected = self._expected - 1 if isinstance(message, bytes) else 0
            if not self._expected:
                frames, self._held = b"".join(self._held), []
                self._ws._send(frames)
            return
        match = _BINARY.match(message) if isinstance(message, str) else None
        if match is None or int(match.group(1)) == 0:
            self._ws._send(self._pack(message))
            return
        self._held, self._expected = [self._pack(message)], int(match.group(1))


class CoalescingWebSocketWSGI(WebSocketWSGI):
    """Engine.IO's eventlet WebSocket entry point, handing its handler the coalescing wrapper."""

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(lambda ws: handler(_Coalescing(ws)), server)


def install(socketio_server: Any) -> None:
    """Use the coalescing WebSocket for this Socket.IO server's Engine.IO (eventlet mode only)."""
    engine = socketio_server.eio
    engine._async = {**engine._async, "websocket": CoalescingWebSocketWSGI}
