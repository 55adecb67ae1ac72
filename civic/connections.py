"""Live connections, tagged (with the sign-in they were opened under) so that any process can close them.

Every Socket.IO namespace derives from `Namespace` below: on connect, each registered tagger names the
connection's tags (accounts tags it with its sign-in); `close_tagged(tags)` then disconnects every
connection carrying one of them, whichever process serves it. Which connections carry a tag is kept in
Redis when the site has REDIS_URL (several processes), in this process's memory otherwise; the
disconnect itself goes through python-socketio's public `Server.disconnect`, which its message queue
carries to the process that holds the connection.

Connections of other kinds (co-drafting's WebSockets) are tagged with `tags()` in the request that
opens them, `register`ed once open and `unregister`ed when closed; they are named "kind|id", and the
closer their package added for the kind closes them (on every process: that is the closer's part).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import flask_socketio
from flask import Flask, current_app, request

from civic.extensions import socketio

# () -> a tag for the connection being opened (in its request context), or None.
Tagger = Callable[[], str | None]
TAGGERS: list[Tagger] = []
# ids of connections of one kind -> None: closes them wherever they are.
Closer = Callable[[list[str]], None]
CLOSERS: dict[str, Closer] = {}
# A tag outlives the connections it names only this long in Redis (the longest sign-in is shorter).
TAG_SECONDS = 60 * 60 * 24 * 31


def add_tagger(tagger: Tagger) -> None:
    """Tag every new connection with what `tagger` returns (idempotent)."""
    if tagger not in TAGGERS:
        TAGGERS.append(tagger)


class _Memory:
    """One process's tags (without Redis there is one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: dict[str, set[str]] = {}

    def add(self, tag: str, member: str) -> None:
        with self._lock:
            self._members.setdefault(tag, set()).add(member)

    def remove(self, tag: str, member: str) -> None:
        with self._lock:
            members = self._members.get(tag)
            if members is not None:
                members.discard(member)
                if not members:
                    del self._members[tag]

    def take(self, tag: str) -> set[str]:
        with self._lock:
            return self._members.pop(tag, set())


class _Redis:
    """The site's tags in Redis, shared by its processes (keys under the site's own prefix)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def add(self, tag: str, member: str) -> None:
        key = f"{self._prefix}:{tag}"
        with self._redis.pipeline() as pipe:
            pipe.sadd(key, member)
            pipe.expire(key, TAG_SECONDS)
            pipe.execute()

    def remove(self, tag: str, member: str) -> None:
        self._redis.srem(f"{self._prefix}:{tag}", member)

    def take(self, tag: str) -> set[str]:
        key = f"{self._prefix}:{tag}"
        with self._redis.pipeline() as pipe:
            pipe.smembers(key)
            pipe.delete(key)
            members, _deleted = pipe.execute()
        return {m.decode() for m in members}


def add_closer(kind: str, closer: Closer) -> None:
    """Close the connections named "kind|id" with `closer` (their ids, together)."""
    CLOSERS[kind] = closer


def _store() -> _Memory | _Redis:
    store: _Memory | _Redis = current_app.extensions["civic_connections"]
    return store


def _member(sid: str, namespace: str) -> str:
    return f"{namespace}|{sid}"


def tags() -> list[str]:
    """The tags of the connection being opened (in the request that opens it)."""
    return [tag for tag in (tagger() for tagger in TAGGERS) if tag]


def register(member: str, tags: Iterable[str]) -> None:
    """Count an open connection of another kind ("kind|id") under its tags."""
    store = _store()
    for tag in tags:
        store.add(tag, member)


def unregister(member: str, tags: Iterable[str]) -> None:
    """Forget a closed connection of another kind under its tags."""
    store = _store()
    for tag in tags:
        store.remove(tag, member)


class Namespace(flask_socketio.Namespace):
    """Base of the site's Socket.IO namespaces: their connections can be closed by tag."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        # This process's own connections and their tags, to untag them when they close (by then the
        # sign-in they were tagged with may have ended).
        self._tagged: dict[str, list[str]] = {}
        self._tagged_lock = threading.Lock()

    def on_connect(self, *_args: Any) -> None:
        member = _member(str(request.sid), self.namespace)  # type: ignore[attr-defined]
        found = tags()
        if not found:
            return
        with self._tagged_lock:
            self._tagged[member] = found
        register(member, found)

    def on_disconnect(self, *_args: Any) -> None:
        member = _member(str(request.sid), self.namespace)  # type: ignore[attr-defined]
        with self._tagged_lock:
            found = self._tagged.pop(member, [])
        unregister(member, found)


def close_tagged(tags: Iterable[str]) -> int:
    """Disconnect every live connection carrying one of these tags, on any process; return how many."""
    store = _store()
    closed = 0
    others: dict[str, list[str]] = {}
    for tag in tags:
        for member in store.take(tag):
            kind, _sep, ident = member.partition("|")
            if kind in CLOSERS:
                others.setdefault(kind, []).append(ident)
            else:
                socketio.server.disconnect(ident, namespace=kind)
            closed += 1
    for kind, idents in others.items():
        CLOSERS[kind](idents)
    return closed


def init_app(app: Flask) -> None:
    from civic.realtime import site_channel

    url = app.config.get("REDIS_URL")
    app.extensions["civic_connections"] = _Redis(url, site_channel(app, "connections")) if url else _Memory()
