"""One write per Socket.IO binary event on eventlet WebSockets (served processes only).

python-socketio sends an event carrying bytes as a text frame (`45N-[...]`, N attachments announced)
followed by N binary frames, and Engine.IO's writer hands each frame to the WebSocket on its own: two
`sendall` calls per reader for every relayed co-drafting batch, the largest cost of a busy room. Here
the text frame of a binary event waits, in memory, for its announced attachments, and the frames
leave together in one write. The attachments always follow their event in the same connection's
queue (python-socketio queues them together), so nothing waits on a timer; every other frame is sent
at once, as before.
"""

from __future__ import annotations

import re
from typing import Any

from engineio.async_drivers.eventlet import WebSocketWSGI

# Engine.IO "message" (4) carrying a Socket.IO binary event (5) or binary ack (6): 45<attachments>-...
_BINARY = re.compile(r"4[56](\d+)-")


class _Coalescing:
    """Wraps eventlet's RFC6455WebSocket for Engine.IO: send() groups a binary event's frames."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._held: list[bytes] = []
        self._expected = 0

    def __getattr__(self, name: str) -> Any:  # wait(), close(), the socket ... as eventlet has them
        return getattr(self._ws, name)

    def send(self, message: str | bytes) -> None:
        if self._expected:
            self._held.append(self._ws._pack_message(message))
            # An attachment counts down; a text frame instead (never seen) sends what is held, in order.
            self._expected = self._expected - 1 if isinstance(message, bytes) else 0
            if not self._expected:
                frames, self._held = b"".join(self._held), []
                self._ws._send(frames)
            return
        match = _BINARY.match(message) if isinstance(message, str) else None
        if match is None or int(match.group(1)) == 0:
            self._ws.send(message)
            return
        self._held, self._expected = [self._ws._pack_message(message)], int(match.group(1))


class CoalescingWebSocketWSGI(WebSocketWSGI):
    """Engine.IO's eventlet WebSocket entry point, handing its handler the coalescing wrapper."""

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(lambda ws: handler(_Coalescing(ws)), server)


def install(socketio_server: Any) -> None:
    """Use the coalescing WebSocket for this Socket.IO server's Engine.IO (eventlet mode only)."""
    engine = socketio_server.eio
    engine._async = {**engine._async, "websocket": CoalescingWebSocketWSGI}
