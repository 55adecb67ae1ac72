"""Yjs v1 bytes read in plain Python, before pycrdt is given them: every declared count and length is
carried by the message's own bytes, and an update touches only the `body` text.

pycrdt (the Rust crate yrs) reserves memory for the counts a state vector or an update declares before
reading what they count: a 13-byte state vector declaring 2^29 clients made a server reserve about
1 GB and answer nobody for seconds (docs/performance.md). Here each count is checked against the bytes
left to read (each counted thing takes at least one byte), each length against the bytes that must
hold it, every clock against yrs's 32 bits, and every struct of an update is walked to its end: pycrdt
only ever sees messages whose declared sizes are those of their bytes.

The same walk says what an update touches. A document stores one `Y.Text` named `body`: an update is
refused if it writes anything else (another root type, a nested type, an embed, a formatting
attribute, a map entry) or places an item by an explicit parent other than `body`. Items placed next
to existing ones (by their origins) inherit the place of their neighbour: in a document that holds
only its text that place is the text; a document written before this check may hold other things,
whose ranges `foreign_ranges` finds so that nothing new is placed next to them.

The encoding is lib0's as Yjs writes it (y-protocols, yjs/src/utils/UpdateEncoder.js) and yrs reads it
(yrs/src/update.rs, block.rs); pure functions, no pycrdt.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

# varUints above this are not produced by any Yjs encoder (it uses JavaScript safe integers).
MAX_UINT = 2**53
# yrs keeps clocks and lengths in 32 bits (its clock arithmetic would wrap past them).
MAX_CLOCK = 2**32 - 1

# A struct's info byte: flags, then the content's kind in the low five bits (yrs reads four of them).
HAS_ORIGIN, HAS_RIGHT_ORIGIN, HAS_PARENT_SUB, CONTENT = 0x80, 0x40, 0x20, 0x1F
GC, DELETED, JSON, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, SUBDOC, SKIP = range(11)
TEXT_CONTENT = frozenset({DELETED, STRING})
BODY = "body"
XML_ELEMENT, XML_HOOK = 3, 5  # type refs followed by a name


class ProtocolError(ValueError):
    """The bytes are not a well-formed y-websocket message, state vector or update."""


class NotText(ProtocolError):
    """A well-formed update that touches something besides the document's text."""


class Reader:
    """A cursor over bytes whose every read checks that the bytes are there."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.end = data, 0, len(data)

    def uint(self) -> int:
        data, pos = self.data, self.pos
        if pos >= self.end:
            raise ProtocolError("truncated number")
        byte = data[pos]
        if byte < 0x80:  # most numbers are one byte
            self.pos = pos + 1
            return byte
        value, shift = byte & 0x7F, 7
        while True:
            pos += 1
            if pos >= self.end:
                raise ProtocolError("truncated number")
            byte = data[pos]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if shift > 56:
                raise ProtocolError("number too long")
        if value > MAX_UINT:
            raise ProtocolError("number too large")
        self.pos = pos + 1
        return value

    def count(self, smallest: int) -> int:
        """A count of things each at least `smallest` bytes long, which the bytes left must hold."""
        value = self.uint()
        if value * smallest > self.end - self.pos:
            raise ProtocolError("a count larger than the message")
        return value

    def clock(self) -> int:
        value = self.uint()
        if value > MAX_CLOCK:
            raise ProtocolError("clock out of range")
        return value

    def length(self) -> int:
        """A struct's or a deleted range's length: at least 1 (Yjs writes no empty ones)."""
        value = self.uint()
        if not 0 < value <= MAX_CLOCK:
            raise ProtocolError("length out of range")
        return value

    def byte(self) -> int:
        if self.pos >= self.end:
            raise ProtocolError("truncated message")
        self.pos += 1
        return self.data[self.pos - 1]

    def skip(self, size: int) -> None:
        if size > self.end - self.pos:
            raise ProtocolError("truncated message")
        self.pos += size

    def buffer(self) -> bytes:
        size = self.uint()
        start = self.pos
        self.skip(size)
        return self.data[start : self.pos]

    def string(self) -> str:
        try:
            return self.buffer().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError("a string that is not UTF-8") from error

    def skip_buffer(self) -> None:
        self.skip(self.uint())

    def finish(self) -> None:
        if self.pos != self.end:
            raise ProtocolError("trailing bytes")


def read_state_vector(data: bytes) -> dict[int, int]:
    """Read a state vector (client id -> next clock); raise ProtocolError unless well-formed."""
    reader = Reader(data)
    vector = {}
    for _ in range(reader.count(2)):  # a client id and a clock, at least a byte each
        client = reader.uint()
        vector[client] = reader.clock()
    reader.finish()
    return vector


# ---- updates --------------------------------------------------------------------------------------------

ID = tuple[int, int]  # (client, clock)


@dataclass(slots=True, eq=False)
class Struct:
    """One struct of an update, as `foreign_ranges` needs it: where it is and what places it."""

    client: int
    clock: int
    length: int
    # True: in the body text itself; False: elsewhere (another root, a nested type, a map entry);
    # None: placed next to `origin` or `right`, wherever they are; GC and skipped ranges have neither.
    in_body: bool | None
    origin: ID | None = None
    right: ID | None = None
    gc: bool = False


@dataclass(slots=True)
class Update:
    """What an update holds, counted: its structs and delete set, and the items it is placed next to."""

    size: int
    clients: int = 0
    structs: int = 0
    deleted_ranges: int = 0
    # The left and right origins of its items: where they are placed (the document must not hold
    # these ids outside its text).
    origins: list[ID] = field(default_factory=list)
    # Each client's first clock in it: where its structs start.
    starts: dict[int, int] = field(default_factory=dict)


def read_update(data: bytes, text_only: bool = True, collect: list[Struct] | None = None) -> Update:
    """Walk a Yjs v1 update; raise ProtocolError unless well-formed and, when `text_only`, NotText if
    it touches more than the `body` text (a document's stored state may hold anything).

    `collect`: a list to which every struct is appended (foreign_ranges).
    """
    reader = Reader(data)
    found = Update(size=len(data))
    # Each client: a struct count, a client id and a first clock (a byte each at least); each struct:
    # an info byte and a length or a content (another byte at least).
    found.clients = reader.count(3)
    for _ in range(found.clients):
        structs = reader.count(2)
        client = reader.uint()
        clock = reader.clock()
        found.structs += structs
        found.starts[client] = min(clock, found.starts.get(client, clock))
        for _ in range(structs):
            info = reader.byte()
            in_body: bool | None = None
            origin = right = None
            if info in (GC, SKIP):
                length = reader.length()
                if collect is not None:
                    collect.append(Struct(client, clock, length, None, gc=info == GC))
            else:
                kind = info & CONTENT
                if text_only and (kind not in TEXT_CONTENT or info & HAS_PARENT_SUB):
                    raise NotText("only the text may be changed")
                if info & HAS_ORIGIN:
                    origin = (reader.uint(), reader.clock())
                    found.origins.append(origin)
                if info & HAS_RIGHT_ORIGIN:
                    right = (reader.uint(), reader.clock())
                    found.origins.append(right)
                if origin is None and right is None:  # placed by its parent
                    if reader.uint() == 1:  # a root type, by name (else a nested type, by id)
                        in_body = reader.string() == BODY
                    else:
                        reader.uint(), reader.clock()
                        in_body = False
                    if text_only and not in_body:
                        raise NotText("only the text may be changed")
                    if info & HAS_PARENT_SUB:
                        reader.skip_buffer()
                        in_body = False
                elif info & HAS_PARENT_SUB:
                    in_body = False  # a map entry's next value
                length = _content(reader, kind)
                if collect is not None:
                    collect.append(Struct(client, clock, length, in_body, origin, right))
            clock += length
            if clock > MAX_CLOCK:
                raise ProtocolError("clock out of range")
    found.deleted_ranges = _delete_set(reader)
    reader.finish()
    return found


class Ranges:
    """Sets of clock ranges per client, for asking whether an id falls in one."""

    def __init__(self, ranges: dict[int, list[tuple[int, int]]]) -> None:
        self._starts: dict[int, list[int]] = {}
        self._ends: dict[int, list[int]] = {}
        for client, pairs in ranges.items():
            pairs.sort()
            self._starts[client] = [start for start, _end in pairs]
            self._ends[client] = [end for _start, end in pairs]

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __contains__(self, ident: ID) -> bool:
        client, clock = ident
        starts = self._starts.get(client)
        if starts is None:
            return False
        index = bisect_right(starts, clock) - 1
        return index >= 0 and clock < self._ends[client][index]


def foreign_ranges(state: bytes) -> Ranges:
    """The ids of a document's items that are not in its text (from its whole state as an update).

    An item is in the text when `body` is its parent: named, or inherited from the neighbour it was
    placed next to (its origin, else its right origin), as Yjs and yrs integrate it. Items whose
    neighbour is missing count as foreign: nothing new may be placed next to them.
    """
    structs: list[Struct] = []
    read_update(state, text_only=False, collect=structs)
    by_client: dict[int, tuple[list[int], list[Struct]]] = {}
    for struct in structs:
        starts, found = by_client.setdefault(struct.client, ([], []))
        starts.append(struct.clock)
        found.append(struct)

    def at(ident: ID) -> Struct | None:
        entry = by_client.get(ident[0])
        if entry is None:
            return None
        index = bisect_right(entry[0], ident[1]) - 1
        if index < 0:
            return None
        struct = entry[1][index]
        return struct if ident[1] < struct.clock + struct.length else None

    for struct in structs:
        chain: list[Struct] = []
        seen: set[int] = set()
        current: Struct | None = struct
        while current is not None and current.in_body is None and not current.gc:
            chain.append(current)
            seen.add(id(current))
            neighbour = current.origin or current.right
            current = at(neighbour) if neighbour is not None else None
            if current is not None and id(current) in seen:  # a loop: no valid state has one
                current = None
        answer = current is not None and current.in_body is True
        for item in chain:
            item.in_body = answer
    ranges: dict[int, list[tuple[int, int]]] = {}
    for struct in structs:
        if struct.in_body is False:
            ranges.setdefault(struct.client, []).append((struct.clock, struct.clock + struct.length))
    return Ranges(ranges)


def reaches(update: Update, ranges: Ranges) -> bool:
    """Whether any item of the update is placed next to an id in `ranges`."""
    return bool(ranges) and any(origin in ranges for origin in update.origins)


def _delete_set(reader: Reader) -> int:
    ranges = 0
    for _ in range(reader.count(2)):  # a client id and a range count
        reader.uint()
        count = reader.count(2)  # a clock and a length
        ranges += count
        for _ in range(count):
            if reader.clock() + reader.length() > MAX_CLOCK:
                raise ProtocolError("clock out of range")
    return ranges


def _content(reader: Reader, kind: int) -> int:
    """Skip an item's content; return its length (the clocks it takes)."""
    if kind == STRING:
        text = reader.string()
        length = len(text.encode("utf-16-le")) // 2 if not text.isascii() else len(text)
        if length == 0:
            raise ProtocolError("empty string")
        return length
    if kind == DELETED:
        return reader.length()
    # What else a stored document may hold (documents written before updates were checked).
    if kind == JSON:
        count = reader.count(1)
        for _ in range(count):
            reader.skip_buffer()
        return count
    if kind == BINARY:
        reader.skip_buffer()
        return 1
    if kind == EMBED:
        reader.skip_buffer()
        return 1
    if kind == FORMAT:
        reader.skip_buffer()
        reader.skip_buffer()
        return 1
    if kind == TYPE:
        if reader.byte() in (XML_ELEMENT, XML_HOOK):
            reader.skip_buffer()
        return 1
    if kind == ANY:
        count = reader.count(1)
        _skip_any(reader, count)
        return count
    if kind == SUBDOC:
        reader.skip_buffer()
        _skip_any(reader, 1)
        return 1
    raise ProtocolError("unknown content")


def _skip_any(reader: Reader, values: int) -> None:
    """Skip `values` lib0 Any values, nested ones included (with a stack: the depth is the sender's)."""
    stack = [[values, 0]]  # [values left, 1 when each is preceded by an object's key]
    while stack:
        frame = stack[-1]
        if not frame[0]:
            stack.pop()
            continue
        frame[0] -= 1
        if frame[1]:
            reader.skip_buffer()
        tag = reader.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            continue
        if tag == 125:  # varInt
            while reader.byte() & 0x80:
                pass
        elif tag == 124:  # float32
            reader.skip(4)
        elif tag in (123, 122):  # float64, bigint64
            reader.skip(8)
        elif tag in (119, 116):  # string, bytes
            reader.skip_buffer()
        elif tag == 118:  # object: (key, value) pairs
            stack.append([reader.count(2), 1])
        elif tag == 117:  # array
            stack.append([reader.count(1), 0])
        else:
            raise ProtocolError("unknown value")
