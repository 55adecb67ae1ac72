"""Socket.IO set-up, room names and publish(): the only caller of socketio.emit."""

from __future__ import annotations

from typing import Any

from flask import Flask

from civic.extensions import socketio


class Compressible(bytes):
    """Bytes worth deflating on their way to a browser that agreed to it (a document's sync): a served
    WebSocket deflates nothing else (civic/realtime_frames.py)."""


def room(kind: str, ident: int | str) -> str:
    """Return the Socket.IO room for one object, e.g. room("consultation", 3) -> "consultation:3"."""
    return f"{kind}:{ident}"


def publish(event: str, data: dict[str, Any], to: str, namespace: str = "/") -> None:
    """Send an event to everyone in a room, across processes when the Redis queue is configured."""
    socketio.emit(event, data, to=to, namespace=namespace)


def publish_args(
    event: str,
    args: tuple[Any, ...],
    to: str,
    namespace: str = "/",
    skip_sid: str | None = None,
    local_only: bool = False,
) -> None:
    """Send an event with positional (possibly binary) arguments to a room, leaving out `skip_sid`.

    `local_only`: to this process's connections only, not through the Redis queue (a connection this
    process serves; or a room whose other processes are told some other way).
    """
    # A tuple is how python-socketio sends several arguments.
    socketio.emit(event, args, to=to, namespace=namespace, skip_sid=skip_sid, ignore_queue=local_only)


def init_app(app: Flask) -> None:
    # With REDIS_URL every process relays events through Redis, so a client connected to one process
    # hears what another published.
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        manage_session=False,
    )
    if app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
        from civic import realtime_frames

        realtime_frames.install(socketio.server)
