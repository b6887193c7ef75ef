"""The raw originals: every input's bytes, once, compressed, never modified.

News articles are small (2-10 kB) and compress poorly one by one: zlib gets
Vietnamese plain text to about 0.44 of its size. A zstd dictionary trained on
the archive's own originals gets it to 0.351 at level 3, in about an eighth of
zlib-9's time (measured on 2,000 VNTC articles). So the store compresses with
plain zstd until the archive holds :data:`TRAIN_AT` originals, then trains a
dictionary from a sample of them and uses it for every later original.
Dictionaries are rows that are only ever inserted, so every original stays
readable; originals are never re-compressed.

Layout of ``originals.data`` by ``originals.compression``:

=============  ==============================================================
``none``       the bytes as read (when compression would not shrink them)
``zlib``       ``zlib.compress(bytes, 9)``: a zlib stream (RFC 1950)
``zstd``       one zstd frame (RFC 8878), content size in its header, no checksum
``zstd:<id>``  one zstd frame compressed with dictionary ``compression_dicts.id``
=============  ==============================================================

``compression_dicts(id, data, samples, created_at)``: ``data`` is a zstd
dictionary as ``zstandard.train_dictionary`` makes it (magic ``0xEC30A437``,
dictionary id, entropy tables, content).

``originals(id, sha256, size, compression, data)``: ``id`` counts up as originals
are stored (articles and revisions name it); ``sha256`` (64 lower-case hex digits)
is indexed by its first :data:`KEY_DIGITS` digits only (``originals_key``), an entry about a
third the size, so a look-up names them and compares the full hash in the row. The
store keeps one row per hash: it looks before it inserts, in the write transaction.

Example:
    >>> import hashlib
    >>> from newsdedup import Archive
    >>> store = OriginalStore(Archive(":memory:").conn)
    >>> data = "Tiêu đề\\nNội dung bài báo. ".encode() * 20
    >>> store.put(hashlib.sha256(data).hexdigest(), data)
    1
    >>> store.get(hashlib.sha256(data).hexdigest()) == store.get_by_id(1) == data
    True
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime

import zstandard

from .errors import ArchiveError

#: Originals an archive holds before a dictionary is trained.
TRAIN_AT = 1000
#: Originals sampled to train it, and the dictionary's size in bytes.
TRAIN_SAMPLES = 2000
DICT_SIZE = 64 * 1024
#: zstd level: 3 is the library's default; higher levels gain 2-3% at 10x the time.
LEVEL = 3
#: :meth:`OriginalStore.pack` reads which dictionary is the newest once every this many
#: originals: a worker process may pack a few originals with the one before a new
#: dictionary (``put`` packs those again), and no longer spends 15 µs of an input's
#: 1.2 ms on the query.
PACKS_PER_READ = 32
#: Hex digits of an original's SHA-256 that its index holds (schema version 13 spells the
#: number out): 64 bits, so two originals share a key with probability 2**-64.
KEY_DIGITS = 16
# The original with this hash: the key, then the full hash in the row (as ``+sha256``, so
# that SQLite looks the key up in the index rather than weigh the two).
_BY_HASH = f"WHERE substr(sha256, 1, {KEY_DIGITS}) = ? AND +sha256 = ?"
# Hashes asked in one statement by OriginalStore.stored (SQLite allows 32,766 parameters).
_KEYS_A_QUERY = 500


#: An original packed for storing (:meth:`OriginalStore.pack`): how it was compressed (``zstd``
#: or ``zstd:<dictionary id>``), the label stored (that, or ``none`` if it did not shrink), the bytes.
Packed = tuple[str, str, bytes]


def _method(dict_id: int | None) -> str:
    return "zstd" if dict_id is None else f"zstd:{dict_id}"


class OriginalStore:
    """Puts and gets originals by SHA-256 in the archive's ``originals`` table.

    ``put`` must run inside the archive's write transaction: it reads the newest
    dictionary there (once a transaction, between :meth:`began` and :meth:`ended`;
    else at every call), so two writing processes agree on it.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._plain = zstandard.ZstdCompressor(level=LEVEL, write_checksum=False)
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._count: int | None = None
        self._retry_at = 0
        # The newest dictionary as read in the write transaction (None: not read in it).
        self._writing = False
        self._newest_in_write: tuple[int | None] | None = None
        # ...and as pack() last read it, and how many originals it packed since.
        self._newest_for_pack: int | None = None
        self._packs_left = 0

    def pack(self, data: bytes) -> Packed:
        """``data`` compressed as :meth:`put` would store it now, without writing: with the
        archive's newest dictionary (none trained here), as read at most
        :data:`PACKS_PER_READ` originals ago. Ingestion packs originals in its worker
        processes; ``put`` takes the result if it still uses the newest dictionary.

        >>> from newsdedup import Archive
        >>> OriginalStore(Archive(":memory:").conn).pack(b"x" * 100)[:2]
        ('zstd', 'zstd')
        """
        if self._packs_left <= 0:
            self._newest_for_pack, self._packs_left = self._current_dict(), PACKS_PER_READ
        self._packs_left -= 1
        return self._pack(data, self._newest_for_pack)

    def began(self) -> None:
        """A write transaction began: :meth:`put` reads the newest dictionary once in it."""
        self._writing, self._newest_in_write = True, None

    def ended(self) -> None:
        """The write transaction ended (committed or rolled back)."""
        self._writing, self._newest_in_write = False, None

    def put(self, sha256: str, data: bytes, packed: Packed | None = None, *, absent: bool = False) -> int:
        """Store ``data`` under ``sha256`` unless it is there already (``packed``: from :meth:`pack`);
        return the original's id. ``absent``: the caller knows it is not there (:meth:`stored`
        said so in this write transaction), and it is not looked up again."""
        found = None if absent else self.find(sha256)
        if found is not None:
            return found
        dict_id = self._newest()
        if dict_id is None:
            dict_id = self._maybe_train()
            if self._writing:
                self._newest_in_write = (dict_id,)
        if packed is None or packed[0] != _method(dict_id):
            packed = self._pack(data, dict_id)
        _, label, stored = packed
        cursor = self.conn.execute(
            "INSERT INTO originals (sha256, size, compression, data) VALUES (?, ?, ?, ?)",
            [sha256, len(data), label, stored],
        )
        if self._count is not None:
            self._count += 1
        return int(cursor.lastrowid or 0)

    def stored(self, hashes: Sequence[str]) -> set[str]:
        """Which of these SHA-256 hashes are stored: one query for a batch (an article's
        :meth:`find` and ``Archive.find_original`` are then asked only of those)."""
        found: set[str] = set()
        for start in range(0, len(hashes), _KEYS_A_QUERY):
            part = hashes[start : start + _KEYS_A_QUERY]
            marks = ", ".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT sha256 FROM originals WHERE substr(sha256, 1, {KEY_DIGITS}) IN ({marks})",
                [h[:KEY_DIGITS] for h in part],
            )
            found.update(row[0] for row in rows)
        return found & set(hashes)

    def find(self, sha256: str) -> int | None:
        """The id of the original stored under ``sha256``, or None if there is none."""
        row = self.conn.execute(f"SELECT id FROM originals {_BY_HASH}", [sha256[:KEY_DIGITS], sha256]).fetchone()
        return None if row is None else int(row[0])

    def get(self, sha256: str) -> bytes:
        """The original bytes stored under ``sha256``, checked against it.

        Raises:
            ArchiveError: no such original, an unknown compression label, or bytes that do
                not match ``sha256``.
        """
        row = self.conn.execute(
            f"SELECT compression, data FROM originals {_BY_HASH}", [sha256[:KEY_DIGITS], sha256]
        ).fetchone()
        if row is None:
            raise ArchiveError(f"no original {sha256} in the archive")
        return self.decode_checked(sha256, row[0], bytes(row[1]))

    def decode_checked(self, sha256: str, label: str, data: bytes) -> bytes:
        """:meth:`decode`, then check the bytes are those filed under ``sha256``: the store
        holds the only copy.

        Raises:
            ArchiveError: an unknown compression label, or bytes that do not match ``sha256``.
        """
        original = self.decode(label, data)
        if hashlib.sha256(original).hexdigest() != sha256:
            raise ArchiveError(f"original {sha256} is corrupt: its bytes no longer match their SHA-256")
        return original

    def get_by_id(self, original_id: int) -> bytes:
        """The original bytes stored as ``original_id``, unchecked: an article's blocks are read
        against their original this way (a wrong original fails that decoding anyway).

        Raises:
            ArchiveError: no such original, or an unknown compression label.
        """
        row = self.conn.execute("SELECT compression, data FROM originals WHERE id = ?", [original_id]).fetchone()
        if row is None:
            raise ArchiveError(f"no original with id {original_id} in the archive")
        return self.decode(row[0], bytes(row[1]))

    def decode(self, label: str, data: bytes) -> bytes:
        """Undo the compression named by ``label``."""
        if label == "none":
            return data
        if label == "zlib":
            return zlib.decompress(data)
        if label == "zstd":
            return bytes(zstandard.ZstdDecompressor().decompress(data))
        if label.startswith("zstd:"):
            dictionary = self._dictionary(int(label[5:]))
            return bytes(zstandard.ZstdDecompressor(dict_data=dictionary).decompress(data))
        raise ArchiveError(f"unknown compression {label!r} of an original; upgrade newsdedup")

    def rolled_back(self) -> None:
        """Forget what may have come from a write transaction that was rolled back: a
        dictionary trained in it is gone, and its id will be given to the next one trained
        (by any process), so a cached copy would compress with the wrong dictionary under
        that id; the count of originals is re-read too."""
        self._dicts.clear()
        self._compressors.clear()
        self._count = None
        self._newest_in_write, self._packs_left = None, 0

    def _pack(self, data: bytes, dict_id: int | None) -> Packed:
        method = _method(dict_id)
        packed = self._plain.compress(data) if dict_id is None else self._compressor(dict_id).compress(data)
        if len(packed) >= len(data):
            return method, "none", data
        return method, method, packed

    def _newest(self) -> int | None:
        """The newest dictionary, read once a write transaction (see :meth:`began`)."""
        if not self._writing:
            return self._current_dict()
        if self._newest_in_write is None:
            self._newest_in_write = (self._current_dict(),)
        return self._newest_in_write[0]

    def _current_dict(self) -> int | None:
        row = self.conn.execute("SELECT max(id) FROM compression_dicts").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def _maybe_train(self) -> int | None:
        if self._count is None:
            self._count = int(self.conn.execute("SELECT count(*) FROM originals").fetchone()[0])
        if self._count < max(TRAIN_AT, self._retry_at):
            return None
        rows = self.conn.execute(
            "SELECT compression, data FROM originals ORDER BY random() LIMIT ?", [TRAIN_SAMPLES]
        ).fetchall()
        samples: list[bytes | bytearray | memoryview] = [self.decode(label, bytes(data)) for label, data in rows]
        try:
            trained = zstandard.train_dictionary(DICT_SIZE, samples)
        except zstandard.ZstdError:
            # Too little varied data to train on: plain zstd, and no new try before TRAIN_AT more.
            self._retry_at = self._count + TRAIN_AT
            return None
        cursor = self.conn.execute(
            "INSERT INTO compression_dicts (data, samples, created_at) VALUES (?, ?, ?)",
            [trained.as_bytes(), len(samples), datetime.now(UTC).isoformat(timespec="seconds")],
        )
        return int(cursor.lastrowid or 0)

    def _dictionary(self, dict_id: int) -> zstandard.ZstdCompressionDict:
        if dict_id not in self._dicts:
            row = self.conn.execute("SELECT data FROM compression_dicts WHERE id = ?", [dict_id]).fetchone()
            if row is None:
                raise ArchiveError(f"compression dictionary {dict_id} is missing from the archive")
            self._dicts[dict_id] = zstandard.ZstdCompressionDict(bytes(row[0]))
        return self._dicts[dict_id]

    def _compressor(self, dict_id: int) -> zstandard.ZstdCompressor:
        if dict_id not in self._compressors:
            self._compressors[dict_id] = zstandard.ZstdCompressor(
                level=LEVEL, dict_data=self._dictionary(dict_id), write_checksum=False
            )
        return self._compressors[dict_id]
