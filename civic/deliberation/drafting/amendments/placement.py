"""Where an amendment's passage is in the current text: followed through the edits made since its base.

An amendment's place is the base update id and the passage's offsets in the text as of that update;
the edits from that text to the current one (crdt.edits) move it, so it follows the passage through
changes made elsewhere, and it can be applied only while no edit touched the passage. (pycrdt 0.14's
sticky indices mix UTF-8 and UTF-16 offsets inside a block of non-ASCII text, so they misplace
passages of French text: offsets and the base are used instead.) Open amendments whose passages
overlap conflict.
"""

from __future__ import annotations

from civic.deliberation.drafting import crdt
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.log.rows import text_at


def _moved(base: str, current: str, start: int, end: int) -> int | None:
    """Where [start, end) of `base` starts in `current`, or None when an edit touched it.

    Edits are (start, end, replacement) in `base` coordinates, in order: those before the passage
    (an insertion right at its start included) shift it; one inside or across it changes it.
    """
    shift = 0
    for edit_start, edit_end, replacement in crdt.edits(base, current):
        if (edit_start < edit_end and edit_end <= start) or (edit_start == edit_end <= start):
            shift += len(replacement) - (edit_end - edit_start)
        elif edit_start >= end:
            break
        else:
            return None
    return start + shift


def _base_text(document_id: int, base: int, cache: dict[int, str]) -> str:
    if base not in cache:
        cache[base] = text_at(document_id, base)[0]
    return cache[base]


def locate(
    amendment: Amendment, current: str, last: int, cache: dict[int, str] | None = None
) -> tuple[int, int] | None:
    """Where the passage is in the current text (as of row `last`), in code points; None once changed.

    `cache` keeps the texts at each base already rebuilt (amendments of one document share a few).
    """
    start, end = amendment.passage_start, amendment.passage_end
    if amendment.base_update_id == last:  # nothing written since it was proposed
        return (start, end) if current[start:end] == amendment.passage else None
    base = _base_text(amendment.document_id, amendment.base_update_id, {} if cache is None else cache)
    if base[start:end] != amendment.passage:  # not as recorded: never apply it blindly
        return None
    moved = _moved(base, current, start, end)
    if moved is None or current[moved : moved + len(amendment.passage)] != amendment.passage:
        return None
    return moved, moved + len(amendment.passage)


def places(current: str, last: int, amendments: list[Amendment]) -> dict[int, tuple[int, int] | None]:
    """Where each open amendment's passage is now (by amendment id); decided ones are left out."""
    cache: dict[int, str] = {}
    return {a.id: locate(a, current, last, cache) for a in amendments if a.status == Amendment.OPEN}


def conflicts(where: dict[int, tuple[int, int] | None]) -> dict[int, list[int]]:
    """For each amendment id, the ids of the others whose passages overlap its own (by place now)."""
    found: dict[int, list[int]] = {amendment_id: [] for amendment_id in where}
    located = sorted((place, amendment_id) for amendment_id, place in where.items() if place is not None)
    for i, ((_start, end), amendment_id) in enumerate(located):
        for (other_start, _other_end), other_id in located[i + 1 :]:
            if other_start >= end:  # sorted by start: no later one can overlap
                break
            found[amendment_id].append(other_id)
            found[other_id].append(amendment_id)
    for ids in found.values():
        ids.sort()
    return found
