"""Socket.IO set-up, room names and publish(): the only caller of socketio.emit."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask

from civic.extensions import socketio


def room(kind: str, ident: int | str) -> str:
    """Return the Socket.IO room for one object, e.g. room("consultation", 3) -> "consultation:3"."""
    return f"{kind}:{ident}"


def site_channel(app_or_database_url: Flask | str, purpose: str) -> str:
    """This site's Redis publish/subscribe channel for one purpose, e.g. "civic:socketio:1f2e...".

    Channels span every database number of a Redis server, so two sites (or test runs) sharing one
    server would hear each other's events, whose rooms name ids that are only unique per database.
    A site is its database: the channel ends with a digest of the database's address (the same in
    every process of the site, and no password in the clear), with the Redis address it uses, or of
    CIVIC_SITE where two sites' databases have the same address on different machines.
    """
    if isinstance(app_or_database_url, str):
        site = app_or_database_url
    else:
        config = app_or_database_url.config
        site = str(config.get("SITE_NAME") or config["SQLALCHEMY_DATABASE_URI"])
        site += "|" + str(config.get("REDIS_URL") or "")
    return f"civic:{purpose}:{hashlib.sha256(site.encode()).hexdigest()[:16]}"


def publish(event: str, data: dict[str, Any], to: str, namespace: str = "/") -> None:
    """Send an event to everyone in a room, across processes when the Redis queue is configured."""
    socketio.emit(event, data, to=to, namespace=namespace)


def init_app(app: Flask) -> None:
    # With REDIS_URL every process relays events through Redis, so a client connected to one process
    # hears what another published; on this site's channel only (Flask-SocketIO's default is one
    # channel for every site using the Redis server, whatever their database numbers).
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        channel=site_channel(app, "socketio"),
        manage_session=False,
    )
