"""Originals: stored once, compressed, readable whatever compression they got."""

from __future__ import annotations

import hashlib
import random
import zlib
from pathlib import Path

import pytest

from newsdedup import Archive
from newsdedup import originals as originals_module
from newsdedup.errors import ArchiveError
from newsdedup.extract import extract
from newsdedup.originals import OriginalStore
from newsdedup.records import RawInput

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


def stored_labels(archive: Archive) -> list[str]:
    """The compression label of each stored original, in the order they were stored."""
    return [row[0] for row in archive.db.execute("SELECT compression FROM originals ORDER BY rowid")]


def test_a_dictionary_is_trained_once_enough_originals_exist(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(originals_module, "TRAIN_AT", 200)
    monkeypatch.setattr(originals_module, "PACKS_PER_READ", 4)
    store = OriginalStore(memory_archive.db.conn)
    datas = [article(n) for n in range(260)]
    for data in datas:
        store.put(sha(data), data)
    labels = stored_labels(memory_archive)
    assert set(labels[:200]) == {"zstd"}
    assert set(labels[200:]) == {"zstd:1"}
    assert memory_archive.db.execute("SELECT count(*) FROM compression_dicts").fetchone()[0] == 1
    fresh = OriginalStore(memory_archive.db.conn)  # another process: loads the dictionary from the archive
    assert all(fresh.get(sha(d)) == d for d in datas)
    plain = sum(len(zlib.compress(d, 9)) for d in datas[200:])
    stored = memory_archive.db.execute("SELECT sum(length(data)) FROM originals WHERE rowid > 200").fetchone()[0]
    assert stored < plain


def test_an_original_packed_ahead_is_stored_as_packed_unless_a_newer_dictionary_exists(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(originals_module, "TRAIN_AT", 200)
    monkeypatch.setattr(originals_module, "PACKS_PER_READ", 4)
    store = OriginalStore(memory_archive.db.conn)
    worker = OriginalStore(memory_archive.db.conn)  # as a worker process packs: it never trains
    datas = [article(n) for n in range(203)]
    packed = [worker.pack(data) for data in datas]
    assert {p[0] for p in packed} == {"zstd"}  # no dictionary yet
    spied: list[bytes] = []

    def pack(data: bytes, dict_id: int | None) -> originals_module.Packed:
        spied.append(data)
        return OriginalStore._pack(store, data, dict_id)

    monkeypatch.setattr(store, "_pack", pack)
    for data, ahead in zip(datas[:200], packed, strict=False):
        store.put(sha(data), data, ahead)
    assert spied == []  # taken as packed
    store.put(sha(datas[200]), datas[200], packed[200])  # the 201st trains a dictionary: packed again
    assert spied == [datas[200]]
    # The worker reads which dictionary is newest every 4th pack: its next one is still
    # packed without the dictionary (and packed again when stored), the one after with it.
    stale = worker.pack(datas[201])
    assert stale[0] == "zstd"
    store.put(sha(datas[201]), datas[201], stale)
    assert spied == [datas[200], datas[201]]
    fresh = worker.pack(datas[202])
    assert fresh[0] == "zstd:1"
    store.put(sha(datas[202]), datas[202], fresh)
    assert spied == [datas[200], datas[201]]
    store.put(sha(datas[202]), datas[202], fresh)  # there already: nothing stored
    labels = stored_labels(memory_archive)
    assert labels == ["zstd"] * 200 + ["zstd:1"] * 3
    assert all(store.get(sha(d)) == d for d in datas)
    tiny = b"ab"  # compression would not shrink it: stored as it is
    assert worker.pack(tiny) == ("zstd:1", "none", tiny)


@pytest.fixture
def trains_at_100(memory_archive: Archive, monkeypatch: pytest.MonkeyPatch) -> OriginalStore:
    """The archive's original store, which trains its dictionary at 100 originals."""
    monkeypatch.setattr(originals_module, "TRAIN_AT", 100)
    return memory_archive.originals


def test_in_a_write_transaction_the_newest_dictionary_is_read_once(
    memory_archive: Archive, trains_at_100: OriginalStore
) -> None:
    store = trains_at_100
    datas = [article(n) for n in range(104)]
    reads: list[str] = []
    memory_archive.db.conn.set_trace_callback(lambda sql: reads.append(sql) if "max(id)" in sql else None)
    with memory_archive._write():
        for data in datas:
            store.put(sha(data), data)
    # Read at the first put; the 101st trains a dictionary, which the ones after it use
    # without reading it again.
    assert len(reads) == 1
    labels = stored_labels(memory_archive)
    assert labels == ["zstd"] * 100 + ["zstd:1"] * 4
    reads.clear()
    store.put(sha(b"x" * 100), b"x" * 100)  # outside a write transaction: read at every call
    store.put(sha(b"y" * 100), b"y" * 100)
    assert len(reads) == 2


def test_a_dictionary_trained_in_a_rolled_back_transaction_is_not_used_after_it(
    memory_archive: Archive, trains_at_100: OriginalStore
) -> None:
    store = trains_at_100
    datas = [article(n) for n in range(102)]
    with memory_archive._write():
        for data in datas[:100]:
            store.put(sha(data), data)
    with pytest.raises(RuntimeError), memory_archive._write():
        store.put(sha(datas[100]), datas[100])  # trains dictionary 1...
        raise RuntimeError("...which this rollback takes away")
    with memory_archive._write():
        store.put(sha(datas[101]), datas[101])  # read again: none, so it trains one anew
    labels = stored_labels(memory_archive)
    assert labels == ["zstd"] * 100 + ["zstd:1"]
    assert store.get(sha(datas[101])) == datas[101]


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


def test_a_dictionary_trained_in_a_rolled_back_batch_is_not_used_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rolled-back dictionary's id is given to the next one trained: had this process
    # kept the first cached, it would compress with it under the second's id, and the
    # originals would not decode once the archive is reopened.
    monkeypatch.setattr(originals_module, "TRAIN_AT", 100)
    monkeypatch.setattr(originals_module, "TRAIN_SAMPLES", 60)
    datas = [article(n) for n in range(140)]
    raws = [RawInput(f"{n}.txt", f"{n}.txt", data, sha(data)) for n, data in enumerate(datas)]

    class Boom(Exception):
        pass

    class BadArticle:
        def __getattr__(self, name: str) -> object:
            raise Boom(name)

    with Archive(tmp_path / "a") as archive:
        archive.add_many([(raw, extract(raw)) for raw in raws[:100]])
        with pytest.raises(Boom):  # its first article trains dictionary 1, then it fails
            archive.add_many([(raws[100], extract(raws[100])), (raws[101], BadArticle())])  # type: ignore[list-item]
        assert archive.db.execute("SELECT count(*) FROM compression_dicts").fetchone()[0] == 0
        archive.add_many([(raw, extract(raw)) for raw in raws[100:]])  # trains dictionary 1 again
    with Archive(tmp_path / "a") as reopened:
        assert all(reopened.originals.get(sha(data)) == data for data in datas)
        assert reopened.db.execute("SELECT count(*) FROM originals WHERE compression = 'zstd:1'").fetchone()[0] == 40
