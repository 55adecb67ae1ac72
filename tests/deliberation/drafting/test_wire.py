"""Yjs bytes read in Python before pycrdt: counts bounded by the message, updates that touch the text only.

Updates come from real pycrdt documents (the same encoder as Yjs in the browser); hostile ones are
written byte by byte where pycrdt would not write them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import pycrdt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, UndoManager, XmlElement, XmlFragment

from civic.deliberation.drafting import crdt, wire
from civic.deliberation.drafting.sync import protocol
from civic.deliberation.drafting.sync.protocol import write_uint as uint


@pytest.fixture
def fresh_workspace() -> None:
    """These tests need no app (overrides the package's autouse fixture)."""


def string(value: str) -> bytes:
    raw = value.encode()
    return uint(len(raw)) + raw


def changes(edit: Callable[[Doc], None], doc: Doc | None = None) -> bytes:
    """The update a change to a document makes (a fresh one with a short text by default)."""
    if doc is None:
        doc = Doc()
        doc.get("body", type=Text).insert(0, "Bonjour")
    before = doc.get_state()
    edit(doc)
    return doc.get_update(before)


@pytest.fixture
def no_pycrdt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail if pycrdt is asked to decode anything (what is refused must be refused before)."""

    def called(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pycrdt was given the bytes")

    for name in ("get_state", "get_update", "merge_updates"):
        monkeypatch.setattr(pycrdt, name, called)
    monkeypatch.setattr(Doc, "apply_update", called)
    monkeypatch.setattr(Doc, "get_update", called)
    yield


# ---- the text, as browsers and pycrdt write it ----------------------------------------------------------


def _typing(doc: Doc) -> list[bytes]:
    """Updates of someone typing, deleting, pasting, undoing and redoing (y-codemirror.next's kind)."""
    text = doc.get("body", type=Text)
    undo = UndoManager(scopes=[text], capture_timeout_millis=0)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    text.insert(0, "Un texte écrit à plusieurs 🙂\n")
    text.insert(len(str(text).encode()), "deuxième ligne")
    del text[0:3]
    text.insert(0, "Le ")
    undo.undo()
    undo.redo()
    undo.undo()
    with doc.transaction():
        text.insert(0, "a")
        text.insert(1, "b")
        del text[2:4]
    return updates


def test_text_edits_undo_and_redo_pass() -> None:
    doc = Doc()
    updates = _typing(doc)
    assert len(updates) >= 8
    for update in updates:
        checked = crdt.check_update(update)
        assert checked.size == len(update) and checked.structs + checked.deleted_ranges >= 1
    crdt.check_update(pycrdt.merge_updates(*updates))  # what a browser sends after a pause
    crdt.check_update(doc.get_update())  # a reconnecting client's step 2
    crdt.check_update(crdt.EMPTY_UPDATE)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda doc: doc.get("notes", type=Map).update({"a": "x" * 1000}), id="map"),
        pytest.param(lambda doc: doc.get("list", type=Array).extend([1, 2, "x" * 1000]), id="array"),
        pytest.param(lambda doc: doc.get("xml", type=XmlFragment).children.append("x"), id="xml-text"),
        pytest.param(
            lambda doc: doc.get("xml", type=XmlFragment).children.append(XmlElement("p")), id="xml-element"
        ),
        pytest.param(lambda doc: doc.get("other", type=Text).insert(0, "x" * 1000), id="second-text"),
        pytest.param(lambda doc: doc.get("body", type=Text).format(0, 3, {"bold": True}), id="format"),
        pytest.param(lambda doc: doc.get("body", type=Text).insert(2, "x", {"em": True}), id="attributes"),
        pytest.param(lambda doc: doc.get("body", type=Text).insert_embed(1, {"img": "x"}), id="embed"),
        pytest.param(lambda doc: doc.get("body", type=Text).insert_embed(1, Map({"a": 1})), id="nested"),
    ],
)
def test_updates_touching_anything_but_the_text_are_refused(edit: Callable[[Doc], None]) -> None:
    update = changes(edit)
    with pytest.raises(crdt.NotText):
        crdt.check_update(update)
    # Along with text edits, too.
    mixed = changes(lambda doc: (doc.get("body", type=Text).insert(0, "ok "), edit(doc)))
    with pytest.raises(crdt.NotText):
        crdt.check_update(mixed)


def test_items_placed_by_hand_outside_the_text_are_refused(no_pycrdt: None) -> None:
    """What pycrdt would not write: an entry on the text's own map part, an item whose parent is a
    nested type (by id), and a content kind the text never holds."""
    client = uint(1) + uint(5) + uint(0)  # one client (5), one struct, from clock 0
    for struct in (
        bytes([0x20 | wire.STRING]) + uint(1) + string("body") + string("key") + string("value"),
        bytes([wire.STRING]) + uint(0) + uint(9) + uint(0) + string("x"),  # parent: item (9, 0)
        bytes([0x80 | wire.ANY]) + uint(5) + uint(0) + uint(1) + bytes([119]) + string("x"),
        bytes([0x80 | 0x20 | wire.STRING]) + uint(5) + uint(0) + string("x"),  # a map entry's next value
    ):
        with pytest.raises(crdt.NotText):
            wire.read_update(uint(1) + client + struct + uint(0))


def test_nothing_new_is_placed_next_to_what_an_old_document_holds_outside_its_text() -> None:
    # A document written before updates were checked: its text, and a map someone filled.
    old = Doc(client_id=10)
    text = old.get("body", type=Text)
    text.insert(0, "Texte")
    notes = old.get("notes", type=Map)
    notes["a"] = "beaucoup"
    array = old.get("list", type=Array)
    array.extend(["un", "deux"])
    foreign = crdt.foreign_ranges(old)
    # The text's characters are clocks 0-4 of client 10, the map's entry 5, the array's items 6-7.
    assert [(10, clock) in foreign for clock in range(9)] == [False] * 5 + [True] * 3 + [False]
    server = crdt.copy_of(old)
    # pycrdt names the array as the parent of an item inserted in it (refused by name); a hostile
    # client names only the array item it follows, and the item would land in the array all the same.
    by_origin = (
        uint(1) + uint(1) + uint(77) + uint(0)
        + bytes([0x80 | wire.STRING]) + uint(10) + uint(6) + string("x" * 100)
        + uint(0)
    )  # fmt: skip
    crdt.check_update(by_origin)  # well-formed and text-like on its own ...
    with pytest.raises(crdt.NotText):
        crdt.check_update(by_origin, foreign)  # ... but not next to what is outside the text
    next_to_entry = by_origin.replace(uint(10) + uint(6), uint(10) + uint(5))
    with pytest.raises(crdt.NotText):
        crdt.check_update(next_to_entry, foreign)
    # Typing in the text still works.
    typed = changes(lambda doc: doc.get("body", type=Text).insert(5, " long"), crdt.copy_of(server))
    crdt.check_update(typed, foreign)
    clean = Doc()
    clean.get("body", type=Text).insert(0, "Propre")
    assert not crdt.foreign_ranges(clean)


def test_foreign_ranges_read_every_kind_of_content() -> None:
    doc = Doc(client_id=3)
    doc.get("body", type=Text).insert(0, "Texte")
    doc.get("body", type=Text).insert_embed(2, {"image": "x"})
    doc.get("body", type=Text).format(0, 2, {"bold": True})
    doc.get("m", type=Map).update(
        {"n": None, "b": True, "i": -42, "f": 1.5, "s": "x", "l": [1, [2, {"a": b"\x00"}]]}
    )
    doc.get("m", type=Map)["nested"] = Map({"deep": Array([1, 2])})
    doc.get("x", type=XmlFragment).children.append(XmlElement("p", {"class": "c"}, ["un texte"]))
    foreign = crdt.foreign_ranges(doc)
    assert foreign and (3, 0) not in foreign


# ---- declared counts and lengths ------------------------------------------------------------------------

BOMB = 2**29  # what the audit declared: pycrdt reserved about 1 GB for it


@pytest.mark.parametrize(
    "state_vector",
    [
        uint(BOMB) + b"\x01" * 8,  # the 13-byte message of the audit
        uint(3) + uint(1) + uint(1),  # three clients announced, one given
        uint(1) + uint(1) + uint(2**32),  # a clock past yrs's 32 bits
        uint(1) + uint(1) + uint(1) + b"\x00",  # trailing bytes
    ],
)
def test_state_vectors_declaring_more_than_they_carry_never_reach_pycrdt(
    state_vector: bytes, no_pycrdt: None
) -> None:
    started = time.perf_counter()
    with pytest.raises(crdt.ProtocolError):
        protocol.step2(Doc(), state_vector)
    assert time.perf_counter() - started < 0.05  # refused without reading what is not there


def _one_struct(struct: bytes, structs: int = 1, clock: int = 0) -> bytes:
    return uint(1) + uint(structs) + uint(7) + uint(clock) + struct + uint(0)


@pytest.mark.parametrize(
    "update",
    [
        pytest.param(uint(BOMB) + b"\x01" * 8, id="clients"),
        pytest.param(_one_struct(b"\x01" * 6, structs=BOMB), id="structs"),
        pytest.param(uint(0) + uint(BOMB) + b"\x01" * 8, id="delete-set-clients"),
        pytest.param(uint(0) + uint(1) + uint(5) + uint(BOMB) + b"\x01" * 6, id="delete-set-ranges"),
        pytest.param(_one_struct(bytes([4]) + uint(1) + string("body") + uint(BOMB) + b"x"), id="string"),
        pytest.param(_one_struct(bytes([0x80 | 4]) + uint(1) + uint(2**32) + string("x")), id="origin-clock"),
        pytest.param(_one_struct(bytes([1]) + uint(1) + string("body") + uint(2**32)), id="deleted-length"),
        pytest.param(_one_struct(bytes([wire.GC]) + uint(10), clock=2**32 - 5), id="clock-overflow"),
        pytest.param(_one_struct(bytes([wire.SKIP]) + uint(0)), id="empty-skip"),
        pytest.param(_one_struct(bytes([4]) + uint(1) + string("body") + string("")), id="empty-string"),
        pytest.param(_one_struct(bytes([4]) + uint(1) + uint(1) + b"\xff"), id="not-utf8"),
        pytest.param(uint(0) + uint(1) + uint(5) + uint(1) + uint(2**32 - 2) + uint(4), id="range-overflow"),
        pytest.param(uint(0) + uint(0) + b"\x00", id="trailing"),
    ],
)
def test_updates_declaring_more_than_they_carry_never_reach_pycrdt(update: bytes, no_pycrdt: None) -> None:
    started = time.perf_counter()
    with pytest.raises(crdt.ProtocolError):
        crdt.check_update(update)
    assert time.perf_counter() - started < 0.05


def test_awareness_declaring_more_clients_than_it_carries_is_refused() -> None:
    started = time.perf_counter()
    with pytest.raises(crdt.ProtocolError):
        protocol.parse_awareness(uint(BOMB) + b"\x01" * 8)
    with pytest.raises(crdt.ProtocolError):  # a state nested deeper than Python's json reads
        protocol.parse_awareness(uint(1) + uint(1) + uint(1) + string("[" * 100_000))
    assert time.perf_counter() - started < 0.5


# ---- fuzzing against pycrdt ------------------------------------------------------------------------------

_operations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "undo", "redo", "flush"]),
        st.integers(0, 200),
        st.text(max_size=12),
    ),
    min_size=1,
    max_size=25,
)


def _play(operations: list[tuple[str, int, str]], clients: int = 2) -> list[bytes]:
    """Several people editing one text (updates exchanged at each flush); every update anyone made."""
    docs = [Doc() for _ in range(clients)]
    texts = [doc.get("body", type=Text) for doc in docs]
    undos = [UndoManager(scopes=[text], capture_timeout_millis=0) for text in texts]
    made: list[bytes] = []
    for doc in docs:
        doc.observe(lambda event: made.append(event.update))
    for step, (kind, where, piece) in enumerate(operations):
        who = step % clients
        text, current = texts[who], str(texts[who])
        # pycrdt counts UTF-8 bytes: offsets of whole characters.
        start = where % (len(current) + 1)
        offset = len(current[:start].encode())
        if kind == "insert" and piece:
            text.insert(offset, piece)
        elif kind == "delete" and start < len(current):
            del text[offset : len(current[: start + 3].encode())]
        elif kind == "undo":
            undos[who].undo()
        elif kind == "redo":
            undos[who].redo()
        else:
            for other in docs:
                if other is not docs[who]:
                    other.apply_update(docs[who].get_update(other.get_state()))
    if not made:
        return []
    return [*made, *(doc.get_update() for doc in docs), pycrdt.merge_updates(*made)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_operations)
def test_every_text_update_pycrdt_writes_passes(operations: list[tuple[str, int, str]]) -> None:
    for update in _play(operations):
        checked = crdt.check_update(update)
        assert checked.size == len(update)
        crdt.check_state_vector(pycrdt.get_state(update))


_mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "truncate", "bomb"]),
        st.integers(0, 10**6),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in mutations:
        at = where % (len(out) + 1)
        if kind == "flip" and at < len(out):
            out[at] ^= value or 1
        elif kind == "insert":
            out[at:at] = bytes([value])
        elif kind == "delete":
            del out[at : at + 1 + value % 3]
        elif kind == "truncate":
            del out[at:]
        else:  # a huge count written where a number was
            out[at : at + 1] = uint(2**28 + value)
    return bytes(out)


def _declared_counts(update: bytes) -> list[int]:
    """The first counts a decoder reserves memory for: clients, the first client's structs."""
    counts = []
    try:
        reader = wire.Reader(update)
        counts.append(reader.uint())
        counts.append(reader.uint())
    except wire.ProtocolError:
        pass
    return counts


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_operations, _mutations)
def test_mutated_updates_reach_pycrdt_only_with_counts_their_bytes_carry(
    operations: list[tuple[str, int, str]], mutations: list[tuple[str, int, int]]
) -> None:
    reached: list[bytes] = []
    real = pycrdt.get_state

    def watched(update: bytes) -> bytes:
        reached.append(update)
        assert all(count <= len(update) for count in _declared_counts(update))
        return real(update)

    for update in _play(operations, clients=3)[:6]:
        mutated = _mutate(update, mutations)
        reached.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pycrdt, "get_state", watched)
            started = time.perf_counter()
            try:
                checked = crdt.check_update(mutated)
            except crdt.ProtocolError:
                continue
            finally:
                assert time.perf_counter() - started < 0.5
        # Accepted: every count was walked, so none exceeds the bytes; pycrdt then reads it whole.
        assert reached == [mutated]
        assert checked.clients * 3 + checked.structs * 2 + checked.deleted_ranges * 2 <= len(mutated)
        # yrs may still refuse it (e.g. a clock gap): refused, not a crash nor a stall.
        with contextlib.suppress(ValueError):
            crdt.doc_from().apply_update(mutated)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 2**53), st.integers(0, 2**32 - 1), max_size=20), _mutations)
def test_mutated_state_vectors_reach_pycrdt_only_with_counts_their_bytes_carry(
    vector: dict[int, int], mutations: list[tuple[str, int, int]]
) -> None:
    data = uint(len(vector)) + b"".join(uint(client) + uint(clock) for client, clock in vector.items())
    assert wire.read_state_vector(data) == vector
    mutated = _mutate(data, mutations)
    try:
        read = wire.read_state_vector(mutated)
    except crdt.ProtocolError:
        return
    assert len(read) * 2 <= len(mutated)
    doc = Doc()
    doc.get("body", type=Text).insert(0, "x")
    protocol.step2(doc, mutated)
