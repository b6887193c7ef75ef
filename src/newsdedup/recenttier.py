"""The small tier of the LSH index: stored as one row per article, looked up in memory.

New band rows go to the small tier, which is merged into the large one (``lsh_bands``)
when it holds :data:`newsdedup.cluster.MERGE_AT_ROWS` rows (see :mod:`newsdedup.cluster`).
Until schema version 9 it was a table of ``(key, article_id)`` rows keyed like
``lsh_bands``. Band keys are random, so a batch of 1,000 articles (64,000 rows) dirtied
nearly every page of its B-tree, and every commit wrote them all again: with 7,210 VNE
articles of VNTC going into an archive of 22k, inserting the rows cost 90 µs an article, the
commits 91 µs (against 50 µs with no band rows at all), and looking the 64 keys up
72 µs, a third of the writer's time in SQL.

Now an article's rows are one stored row, appended in id order, and the process that
looks keys up holds the tier in memory: its keys sorted in a NumPy array beside their
article ids (about 12 bytes a row: 6 MB when full), and the rows added since in a dict,
folded into the arrays every :data:`_FOLD_ROWS` rows. Reading it from the table when
first needed takes a few milliseconds.

Another connection (another process) may write the tier meanwhile; its commits change
SQLite's ``PRAGMA data_version`` for this one, and the tier is then read again
(:meth:`newsdedup.cluster.LinkIndex` checks it before each lookup). A rolled-back
write transaction makes the copy in memory wrong: the archive then lets it go
(:meth:`newsdedup.cluster.LinkIndex.rolled_back`), and it is read again when next needed.

Stored layout (table ``lsh_recent``, schema version 9): ``article_id`` (the primary
key) and ``keys``: the article's band keys in this tier as little-endian signed 32-bit
integers, in band order (the keys whose bucket was full when it was indexed are left
out; see :data:`newsdedup.cluster.MAX_BUCKET`).

Example:
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE lsh_recent (article_id INTEGER PRIMARY KEY, keys BLOB NOT NULL)")
    >>> tier = RecentTier(conn)
    >>> tier.add(7, [5, -3]); tier.add(9, [5])
    >>> sorted(tier.find([5, 11])), tier.rows
    ([(5, 7), (5, 9)], 3)
    >>> stored_rows(conn)
    [(-3, 7), (5, 7), (5, 9)]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from .errors import REPAIR_INDEX, ArchiveError

#: Rows added are kept in a dict until there are this many, then folded into the sorted
#: arrays (a fold copies the arrays once: about a millisecond when the tier is full).
_FOLD_ROWS = 32_768


class RecentTier:
    """The small tier of one connection's archive, in memory (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        keys, ids = _read(conn)
        order = np.argsort(keys, kind="stable")
        self._keys: npt.NDArray[np.int32] = keys[order]
        self._ids: npt.NDArray[np.int64] = ids[order]
        # Rows added since the last fold: key -> its first article, and the few keys that
        # more than one added article holds -> the others (plain ints: no object a row).
        self._added: dict[int, int] = {}
        self._added_more: dict[int, list[int]] = {}
        self._added_rows = 0

    @property
    def rows(self) -> int:
        """The number of ``(key, article)`` rows in the tier."""
        return len(self._keys) + self._added_rows

    def find(self, keys: Sequence[int]) -> list[tuple[int, int]]:
        """The ``(key, article_id)`` rows of these keys' buckets (each row once)."""
        found: list[tuple[int, int]] = []
        # Sorted, the binary searches walk the array in one direction (fewer cache misses).
        # A key twice (a collision of two bands' keys) is skipped below, among the few held:
        # a set and sorted() of the 64 keys took 5 µs, half of what the whole search takes now.
        wanted = np.array(keys, dtype=np.int32)
        wanted.sort()
        starts = self._keys.searchsorted(wanted)
        held = (self._keys.take(starts, mode="clip") == wanted).nonzero()[0] if len(self._keys) else ()
        if len(held):
            size, previous = len(self._keys), None
            for key, start in zip(wanted.take(held).tolist(), starts.take(held).tolist(), strict=True):
                if key == previous:
                    continue
                previous, end = key, start + 1
                while end < size and self._keys[end] == key:  # a bucket: at most MAX_BUCKET
                    end += 1
                found.extend((key, article) for article in self._ids[start:end].tolist())
        if self._added:
            for key in self._added.keys() & keys:  # (a set: each key once)
                found.append((key, self._added[key]))
                found.extend((key, article) for article in self._added_more.get(key, ()))
        return found

    def add(self, article_id: int, keys: Iterable[int]) -> None:
        """Store an article's rows (in the caller's write transaction) and hold them."""
        distinct = dict.fromkeys(keys, article_id)
        self.conn.execute(
            "INSERT INTO lsh_recent (article_id, keys) VALUES (?, ?)",
            (article_id, np.array(list(distinct), dtype="<i4").tobytes()),
        )
        self._added_rows += len(distinct)
        for key in self._added.keys() & distinct.keys():
            self._added_more.setdefault(key, []).append(article_id)
            del distinct[key]
        self._added.update(distinct)
        if self._added_rows >= _FOLD_ROWS:
            self._fold()

    def remove(self, article_id: int) -> None:
        """Delete an article's rows (in the caller's write transaction)."""
        if not self.conn.execute("DELETE FROM lsh_recent WHERE article_id = ?", (article_id,)).rowcount:
            return  # its rows are in the large tier (or it has none)
        self._fold()
        kept = self._ids != article_id
        self._keys, self._ids = self._keys[kept], self._ids[kept]

    def sorted_rows(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
        """All rows as two arrays, keys and their articles, in key order (to merge them)."""
        self._fold()
        return self._keys, self._ids

    def clear(self) -> None:
        """Delete every row (in the caller's write transaction, once they are merged)."""
        self.conn.execute("DELETE FROM lsh_recent")
        self._keys, self._ids = _decode([])
        self._added.clear()
        self._added_more.clear()
        self._added_rows = 0

    def _fold(self) -> None:
        if not self._added:
            return
        more = [(key, article) for key, articles in self._added_more.items() for article in articles]
        keys = np.array([*self._added, *(key for key, _ in more)], dtype=np.int32)
        ids = np.array([*self._added.values(), *(article for _, article in more)], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        # After the rows already held with the same key: a bucket stays in the order it was filled.
        at = np.searchsorted(self._keys, keys, side="right")
        self._keys, self._ids = np.insert(self._keys, at, keys), np.insert(self._ids, at, ids)
        self._added.clear()
        self._added_more.clear()
        self._added_rows = 0


def stored_rows(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """The ``(key, article_id)`` rows of the stored small tier, in that order."""
    keys, ids = _read(conn)
    return sorted(zip(keys.tolist(), ids.tolist(), strict=True))


def _read(conn: sqlite3.Connection) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    return _decode(conn.execute("SELECT article_id, keys FROM lsh_recent").fetchall())


def _decode(rows: list[tuple[int, bytes]]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """The rows of ``(article_id, keys)`` table rows, as a keys array and an article-ids array."""
    if any(not isinstance(blob, bytes) or len(blob) % 4 for _, blob in rows):
        raise ArchiveError(
            f"the archive's LSH index is damaged: a row of lsh_recent is not a list of 32-bit keys; {REPAIR_INDEX}"
        )
    keys = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<i4").astype(np.int32)
    ids = np.repeat(np.array([article for article, _ in rows], dtype=np.int64), [len(blob) // 4 for _, blob in rows])
    return keys, ids
