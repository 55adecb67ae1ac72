"""Between processes: one process's updates and presence reach the others' relays through Redis."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from civic import realtime
from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.link import Note, RedisLink, decode, encode
from civic.deliberation.drafting.sync.room import Relay
from tests.conftest import TEST_REDIS_URL, service_missing
from tests.deliberation.drafting.factories import edit


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def _spawn(target: Any, *args: Any) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


@pytest.fixture
def links() -> Iterator[tuple[RedisLink, RedisLink]]:
    """Two processes' links on a channel of their own (gathering for 0.2 s: a loaded machine must not
    split what a test sends at once into two messages)."""
    if not TEST_REDIS_URL:
        service_missing("the relay link tests need Redis: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    channel = f"civic:test:relay:{secrets.token_hex(4)}"
    pair = tuple(RedisLink(str(TEST_REDIS_URL), 0.2, _spawn, time.sleep, channel=channel) for _ in range(2))
    yield pair  # type: ignore[misc]
    for link in pair:
        link.close()


class Heard:
    """What a process's relay was handed by the link."""

    def __init__(self) -> None:
        self.messages: list[tuple[int | None, bytes | None, list[protocol.AwarenessEntry]]] = []
        self.rows: list[list[int]] = []
        self.event = threading.Event()

    def __call__(self, note: Note) -> None:
        self.messages.append((note.document, note.update, note.entries))
        self.rows.append(note.rows)
        self.event.set()


def test_a_message_carries_an_update_and_presence_and_junk_is_refused() -> None:
    entries = [protocol.AwarenessEntry(7, 3, {"user": {"name": "Léa"}}), protocol.AwarenessEntry(8, 2, None)]
    note = Note("host-a", 12, b"\x01\x02", entries)
    assert decode(encode(note)) == Note("host-a", 12, b"\x01\x02", entries, [])
    assert decode(encode(Note("host-a", 12))) == Note("host-a", 12, None, [], [])
    assert decode(encode(Note("host-a", 12, b"\x01\x02", [], [40, 41]))).rows == [40, 41]  # the rows it holds
    # A change of mode, and connections to close (a sign-out on another process).
    assert decode(encode(Note("host-a", 12, mode="final"))).mode == "final"
    assert decode(encode(Note("host-a", close=["b.1", "b.2"]))).close == ["b.1", "b.2"]
    for junk in (b"", b"not json", b"[]", b'{"host": "a"}', b'{"host": "a", "document": "12"}',
                 b'{"host": "a", "document": 1, "update": "***"}',
                 b'{"host": "a", "document": 1, "awareness": "AAEC"}',
                 b'{"host": "a", "document": 1, "update": "AAA=", "rows": ["1"]}',
                 b'{"host": "a", "document": 1, "mode": 3}', b'{"host": "a", "close": [1]}'):  # fmt: skip
        with pytest.raises(ValueError):
            decode(junk)


def test_what_one_process_sends_reaches_the_other_merged_and_not_itself(
    links: tuple[RedisLink, RedisLink],
) -> None:
    first, second = links
    heard_first, heard_second = Heard(), Heard()
    first.listen(heard_first)
    second.listen(heard_second)
    doc = crdt.doc_from()
    first.send(5, update=edit(doc, "Un"), rows=[30])
    first.send(5, update=edit(doc, "Un deux"), rows=[31])
    first.send(5, entries=[protocol.AwarenessEntry(41, 1, {"user": {"name": "Léa"}})])
    first.send(5, entries=[protocol.AwarenessEntry(41, 2, {"user": {"name": "Léa", "cursor": 3}})])
    assert heard_second.event.wait(5)
    time.sleep(0.1)  # anything else would have arrived by now
    # One message for what was sent within the window: the updates merged, the newest presence.
    [(document_id, update, entries)] = heard_second.messages
    assert document_id == 5 and update is not None
    assert crdt.text_of(crdt.doc_from(update)) == "Un deux"
    assert entries == [protocol.AwarenessEntry(41, 2, {"user": {"name": "Léa", "cursor": 3}})]
    assert heard_second.rows == [[30, 31]]  # the rows it holds: the other process need not read them
    assert heard_first.messages == []  # a process does not hear itself


def test_a_relay_with_a_link_sends_its_batches_to_this_process_only_and_takes_the_others(
    links: tuple[RedisLink, RedisLink],
) -> None:
    first, second = links
    sent: list[tuple[int, bytes, str | None]] = []

    def deliver(document_id: int, message: bytes, skip: str | None) -> None:
        sent.append((document_id, message, skip))

    here, there = Relay(0.05, deliver, link=first), Relay(0.05, deliver, link=second)
    first.listen(lambda note: here.receive(note.document or 0, note.update, note.entries, note.rows))
    second.listen(lambda note: there.receive(note.document or 0, note.update, note.entries, note.rows))
    doc = crdt.doc_from()
    here.send_update(9, edit(doc, "Bonjour"), "sid-a")
    deadline = time.monotonic() + 5
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    # This process's readers, except the sender; the other process's readers, all of them: each
    # through its own process only (one message per window per reader).
    assert sorted(skip or "" for _document_id, _message, skip in sent) == ["", "sid-a"]
    for document_id, message, _skip in sent:
        assert document_id == 9
        assert crdt.text_of(crdt.doc_from(protocol.parse_message(message).payload)) == "Bonjour"


def test_sites_sharing_one_redis_server_do_not_hear_each_other(links: tuple[RedisLink, RedisLink]) -> None:
    first, second = links
    # Channels span every database number of a Redis server; document ids are unique per database only.
    purpose = "drafting:relay"
    assert realtime.site_channel("postgresql://db-a/civic", purpose) == realtime.site_channel(
        "postgresql://db-a/civic", purpose
    )
    assert realtime.site_channel("postgresql://db-a/civic", purpose) != realtime.site_channel(
        "postgresql://db-b/civic", purpose
    )
    elsewhere = RedisLink(str(TEST_REDIS_URL), 0.0, _spawn, time.sleep, channel=first.channel + ":other")
    heard, heard_elsewhere = Heard(), Heard()
    second.listen(heard)
    elsewhere.listen(heard_elsewhere)
    try:
        first.send(3, update=edit(crdt.doc_from(), "Ailleurs"))
        assert heard.event.wait(5)
        time.sleep(0.1)
        assert heard_elsewhere.messages == []
    finally:
        elsewhere.close()


def test_a_process_that_could_not_subscribe_tries_again_at_the_next_join() -> None:
    import redis

    link = RedisLink("redis://127.0.0.1:1/0", 0.02, _spawn, time.sleep)  # nothing listens on port 1
    for _attempt in range(2):  # the second call tries again instead of believing it listens
        with pytest.raises(redis.ConnectionError):
            link.listen(Heard())
