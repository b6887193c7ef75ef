"""Originals: stored once, compressed, readable whatever compression they got."""

from __future__ import annotations

import hashlib
import random
import zlib

import pytest

from newsdedup import Archive
from newsdedup import originals as originals_module
from newsdedup.errors import ArchiveError
from newsdedup.originals import OriginalStore

WORDS = [
    "thành",
    "phố",
    "hà",
    "nội",
    "bộ",
    "công",
    "thương",
    "phát",
    "triển",
    "kinh",
    "tế",
    "đầu",
    "tư",
    "dự",
    "án",
    "người",
    "dân",
    "năm",
    "nay",
    "kết",
    "quả",
]


def article(seed: int) -> bytes:
    rng = random.Random(seed)
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))) + "." for _ in range(rng.randint(3, 8))]
    return ("Tin số " + str(seed) + "\n" + "\n".join(lines)).encode("utf-8")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_round_trip_and_stored_once(memory_archive: Archive) -> None:
    store = memory_archive.originals
    data = article(1)
    store.put(sha(data), data)
    store.put(sha(data), data)
    assert memory_archive.db.execute("SELECT count(*), compression FROM originals").fetchone() == (1, "zstd")
    assert store.get(sha(data)) == data


def test_a_dictionary_is_trained_once_enough_originals_exist(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(originals_module, "TRAIN_AT", 200)
    store = OriginalStore(memory_archive.db.conn)
    datas = [article(n) for n in range(260)]
    for data in datas:
        store.put(sha(data), data)
    labels = [row[0] for row in memory_archive.db.execute("SELECT compression FROM originals ORDER BY rowid")]
    assert set(labels[:200]) == {"zstd"}
    assert set(labels[200:]) == {"zstd:1"}
    assert memory_archive.db.execute("SELECT count(*) FROM compression_dicts").fetchone()[0] == 1
    fresh = OriginalStore(memory_archive.db.conn)  # another process: loads the dictionary from the archive
    assert all(fresh.get(sha(d)) == d for d in datas)
    plain = sum(len(zlib.compress(d, 9)) for d in datas[200:])
    stored = memory_archive.db.execute("SELECT sum(length(data)) FROM originals WHERE rowid > 200").fetchone()[0]
    assert stored < plain


def test_legacy_zlib_rows_and_unknown_labels(memory_archive: Archive) -> None:
    data = article(2)
    memory_archive.db.execute(
        "INSERT INTO originals (sha256, size, compression, data) VALUES (?, ?, 'zlib', ?)",
        [sha(data), len(data), zlib.compress(data, 9)],
    )
    assert memory_archive.original(sha(data)) == data
    memory_archive.db.execute(
        "INSERT INTO originals (sha256, size, compression, data) VALUES ('x', 1, 'brotli', x'00')"
    )
    with pytest.raises(ArchiveError, match="unknown compression 'brotli'"):
        memory_archive.original("x")
    with pytest.raises(ArchiveError, match="no original"):
        memory_archive.original("missing")


def test_corrupt_original_is_reported_not_returned(memory_archive: Archive) -> None:
    data = article(3)
    memory_archive.db.execute(
        "INSERT INTO originals (sha256, size, compression, data) VALUES (?, ?, 'none', ?)",
        [sha(data), len(data), data[:-1] + b"!"],
    )
    with pytest.raises(ArchiveError, match="corrupt"):
        memory_archive.original(sha(data))
