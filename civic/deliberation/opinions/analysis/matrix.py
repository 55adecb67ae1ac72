"""The vote matrix: one row per participant, one column per statement; agree 1, disagree -1, pass 0, NaN unseen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

AGREE, DISAGREE, PASS = 1, -1, 0
VOTES = (AGREE, DISAGREE, PASS)

FloatMatrix = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]


@dataclass(slots=True)
class VoteMatrix:
    """Votes in a dense float32 matrix (NaN where a participant has not seen a statement).

    Rows follow participant ids in ascending order, then new participants in order of arrival; columns
    likewise for statements. The order matters: k-means starts from the first distinct positions.
    """

    participants: Ids
    statements: Ids
    values: FloatMatrix
    _rows: dict[int, int] = field(default_factory=dict, repr=False)
    _columns: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._rows = {int(p): i for i, p in enumerate(self.participants)}
        self._columns = {int(s): j for j, s in enumerate(self.statements)}

    @classmethod
    def empty(cls) -> VoteMatrix:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0), np.float32))

    @classmethod
    def from_arrays(
        cls,
        participants: npt.ArrayLike,
        statements: npt.ArrayLike,
        votes: npt.ArrayLike,
        all_statements: Iterable[int] = (),
    ) -> VoteMatrix:
        """Build from three parallel arrays, one entry per vote (each pair at most once).

        `all_statements` adds columns for statements nobody has voted on yet.
        """
        people = np.asarray(participants, dtype=np.int64)
        said = np.asarray(statements, dtype=np.int64)
        values = np.asarray(votes, dtype=np.float32)
        if not (people.shape == said.shape == values.shape):
            raise ValueError("participants, statements and votes must have the same length")
        if values.size and not np.isin(values, VOTES).all():
            raise ValueError("votes are 1 (agree), -1 (disagree) or 0 (pass)")
        extra = np.fromiter((int(s) for s in all_statements), dtype=np.int64)
        participant_ids, rows = np.unique(people, return_inverse=True)
        statement_ids = np.unique(np.concatenate([said, extra]))
        columns = np.searchsorted(statement_ids, said)
        matrix = np.full((participant_ids.size, statement_ids.size), np.nan, dtype=np.float32)
        matrix[rows, columns] = values
        return cls(participant_ids, statement_ids, matrix)

    @classmethod
    def from_votes(
        cls, votes: Iterable[tuple[int, int, int]], all_statements: Iterable[int] = ()
    ) -> VoteMatrix:
        """Build from (participant, statement, vote) triples; a later vote on the same pair replaces an earlier one."""
        latest: dict[tuple[int, int], int] = {}
        for participant, statement, vote in votes:
            latest[(int(participant), int(statement))] = int(vote)
        if not latest:
            return cls.from_arrays([], [], [], all_statements)
        pairs = np.array(list(latest), dtype=np.int64)
        return cls.from_arrays(pairs[:, 0], pairs[:, 1], list(latest.values()), all_statements)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def row(self, participant: int) -> int | None:
        return self._rows.get(int(participant))

    def column(self, statement: int) -> int | None:
        return self._columns.get(int(statement))

    def _grow(self, participants: list[int], statements: list[int]) -> None:
        new_p = [p for p in dict.fromkeys(participants) if p not in self._rows]
        new_s = [s for s in dict.fromkeys(statements) if s not in self._columns]
        if not new_p and not new_s:
            return
        rows, columns = self.shape
        grown = np.full((rows + len(new_p), columns + len(new_s)), np.nan, dtype=np.float32)
        grown[:rows, :columns] = self.values
        self.values = grown
        for p in new_p:
            self._rows[p] = len(self._rows)
        for s in new_s:
            self._columns[s] = len(self._columns)
        self.participants = np.concatenate([self.participants, np.array(new_p, dtype=np.int64)])
        self.statements = np.concatenate([self.statements, np.array(new_s, dtype=np.int64)])

    def record(self, votes: Iterable[tuple[int, int, int]]) -> None:
        """Apply new or changed votes in place (the last vote on a pair counts), adding rows and columns."""
        triples = [(int(p), int(s), int(v)) for p, s, v in votes]
        if any(v not in VOTES for _p, _s, v in triples):
            raise ValueError("votes are 1 (agree), -1 (disagree) or 0 (pass)")
        self._grow([p for p, _s, _v in triples], [s for _p, s, _v in triples])
        for p, s, v in triples:
            self.values[self._rows[p], self._columns[s]] = v

    def add_statements(self, statements: Iterable[int]) -> None:
        self._grow([], [int(s) for s in statements])

    def votes_per_participant(self) -> npt.NDArray[np.int64]:
        return np.asarray((~np.isnan(self.values)).sum(axis=1), dtype=np.int64)
