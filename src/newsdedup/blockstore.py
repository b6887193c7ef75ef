"""An article's blocks, stored as one zstd frame compressed against its original.

An article's blocks repeat its original almost word for word: a plain-text file
*is* its blocks, and an HTML page holds them between its tags. So the blocks are
serialised and compressed with zstd using the original's bytes as a raw-content
dictionary: what they share with it becomes back-references. On 4,000 VNTC
articles the blocks take 0.043 of the raw text's size this way, against 0.49 with
zstd alone and 1.05 as plain rows; compressing costs about 36 µs an article and
reading 15 µs, plus reading the original (``bench/bench_links.py`` reports the
archive's size).

Layout of ``article_blocks`` (one row per article; ``revision_frames`` has the same
columns for each superseded revision, keyed by ``(article_id, revision)``, and its
frames are compressed against that revision's original):

``blocks``
    the number of blocks (so counting them needs no decompression);
``compression``
    ``zstd-original``: ``data`` is one zstd frame (RFC 8878) made with the bytes of
    the article's original (``originals``, by ``articles.original_id``, decompressed)
    as a raw-content dictionary; ``zstd``: one zstd frame with no dictionary (for
    originals over :data:`MAX_DICTIONARY_BYTES`, whose loading costs more than it saves);
``data``
    the frame, whose content is UTF-8 JSON: an array with one array per block in
    reading order, ``[role, kept, reason, text]`` (``kept`` 0 or 1, ``reason`` a
    string or null).

Example:
    >>> from newsdedup.records import Block
    >>> original = "Tiêu đề\\nMột đoạn văn khá dài của bài báo.\\n".encode()
    >>> blocks = (Block(0, "title", "Tiêu đề"), Block(1, "body", "Một đoạn văn khá dài của bài báo."))
    >>> label, data = encode_blocks(blocks, original)
    >>> label, decode_blocks(label, data, original) == blocks
    ('zstd-original', True)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence

import orjson
import zstandard

from .errors import ArchiveError
from .records import BODY_ROLES, Block

#: zstd level: the default; higher levels gain little on frames this small.
LEVEL = 3
#: Originals larger than this are not used as dictionaries (loading one costs about
#: its size in time, and a large page holds far more markup than text).
MAX_DICTIONARY_BYTES = 4 * 1024 * 1024

#: Reads an original's bytes by its id (``OriginalStore.get_by_id``).
OriginalReader = Callable[[int], bytes]


def encode_blocks(blocks: Sequence[Block], original: bytes) -> tuple[str, bytes]:
    """Serialise and compress ``blocks``; return the compression label and the frame."""
    # orjson writes the JSON json.dumps(..., ensure_ascii=False, separators=(",", ":")) wrote,
    # as UTF-8, in 5-7 µs an article against 45 (3,000 VNTC articles, the same bytes).
    payload = orjson.dumps([[b.role, int(b.kept), b.reason, b.text] for b in blocks])
    if original and len(original) <= MAX_DICTIONARY_BYTES:
        dictionary = zstandard.ZstdCompressionDict(original, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=False)
        return "zstd-original", compressor.compress(payload)
    return "zstd", _PLAIN.compress(payload)


def decode_blocks(label: str, data: bytes, original: bytes | None) -> tuple[Block, ...]:
    """The blocks of a frame made by :func:`encode_blocks` (``original`` needed for ``zstd-original``).

    Raises:
        ArchiveError: an unknown label, or a frame that does not decode.
    """
    try:
        if label == "zstd-original":
            if original is None:
                raise ArchiveError("blocks compressed against their original need the original to be read")
            dictionary = zstandard.ZstdCompressionDict(original, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            payload = zstandard.ZstdDecompressor(dict_data=dictionary).decompress(data)
        elif label == "zstd":
            payload = zstandard.ZstdDecompressor().decompress(data)
        else:
            raise ArchiveError(f"unknown compression {label!r} of an article's blocks; upgrade newsdedup")
        rows = json.loads(payload)
    except (zstandard.ZstdError, ValueError) as err:
        raise ArchiveError(f"an article's blocks are corrupt: {err}") from None
    return tuple(
        Block(index=n, role=role, text=text, kept=bool(kept), reason=reason)
        for n, (role, kept, reason, text) in enumerate(rows)
    )


class BlockStore:
    """Puts and gets articles' blocks in ``article_blocks``, and superseded revisions' in ``revision_frames``.

    ``read_original`` reads an original's bytes by its id; ``put`` must run inside
    the archive's write transaction.
    """

    def __init__(self, conn: sqlite3.Connection, read_original: OriginalReader) -> None:
        self.conn = conn
        self.read_original = read_original

    def put(
        self, article_id: int, blocks: Sequence[Block], original: bytes, frame: tuple[str, bytes] | None = None
    ) -> None:
        """Store the blocks of a just-inserted article made from ``original`` (``frame``: what
        :func:`encode_blocks` made of them, if it was called beforehand)."""
        label, data = frame or encode_blocks(blocks, original)
        self.conn.execute(
            "INSERT INTO article_blocks (article_id, blocks, compression, data) VALUES (?, ?, ?, ?)",
            (article_id, len(blocks), label, data),
        )

    def put_revision(self, article_id: int, number: int, blocks: Sequence[Block], original: bytes) -> None:
        """Store the blocks of superseded revision ``number`` of an article (made from ``original``)."""
        label, data = encode_blocks(blocks, original)
        self.conn.execute(
            "INSERT INTO revision_frames (article_id, revision, blocks, compression, data) VALUES (?, ?, ?, ?, ?)",
            (article_id, number, len(blocks), label, data),
        )

    def supersede(self, article_id: int, number: int) -> None:
        """Move an article's current blocks aside as those of its superseded revision ``number``.

        The frame moves as it is: it was compressed against the original that becomes
        that revision's (``revisions.original_id``).
        """
        self.conn.execute(
            "INSERT INTO revision_frames (article_id, revision, blocks, compression, data) "
            "SELECT article_id, ?, blocks, compression, data FROM article_blocks WHERE article_id = ?",
            (number, article_id),
        )
        self.conn.execute("DELETE FROM article_blocks WHERE article_id = ?", (article_id,))

    def get_revision(self, article_id: int, number: int) -> tuple[Block, ...]:
        """The blocks of superseded revision ``number`` of an article (none if it has no such revision)."""
        row = self.conn.execute(
            "SELECT r.original_id, f.compression, f.data FROM revision_frames AS f JOIN revisions AS r "
            "ON r.article_id = f.article_id AND r.number = f.revision WHERE f.article_id = ? AND f.revision = ?",
            (article_id, number),
        ).fetchone()
        if row is None:
            return ()
        original_id, label, data = row
        original = self.read_original(original_id) if label == "zstd-original" else None
        return decode_blocks(label, bytes(data), original)

    def get(self, article_id: int) -> tuple[Block, ...]:
        """An article's blocks in reading order (none for an unknown id)."""
        return self.get_many([article_id]).get(article_id, ())

    def get_many(self, ids: Sequence[int]) -> dict[int, tuple[Block, ...]]:
        """The blocks of each of ``ids`` that has them."""
        found: dict[int, tuple[Block, ...]] = {}
        for start in range(0, len(ids), 500):  # SQLite limits a statement's parameters
            chunk = list(ids[start : start + 500])
            rows = self.conn.execute(
                "SELECT b.article_id, a.original_id, b.compression, b.data FROM article_blocks AS b "
                f"JOIN articles AS a ON a.id = b.article_id WHERE b.article_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for article_id, original_id, label, data in rows:
                original = self.read_original(original_id) if label == "zstd-original" else None
                found[int(article_id)] = decode_blocks(label, bytes(data), original)
        return found

    def body_texts(self, ids: Sequence[int], *, roles: frozenset[str] = BODY_ROLES) -> dict[int, str]:
        """The kept body text (roles in :data:`BODY_ROLES`, or ``roles``; one block a line) of
        each of ``ids``.

        Ids without blocks get an empty text.
        """
        blocks = self.get_many(ids)
        return {i: "\n".join(b.text for b in blocks.get(i, ()) if b.kept and b.role in roles) for i in ids}

    def count(self) -> int:
        """The number of blocks of all articles."""
        return int(self.conn.execute("SELECT coalesce(sum(blocks), 0) FROM article_blocks").fetchone()[0])


_PLAIN = zstandard.ZstdCompressor(level=LEVEL, write_checksum=False)
