"""The Bloom filter of the LSH index's large tier: no false negatives, its rates, its stored layout."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup import Archive, ArchiveError, bandfilter
from newsdedup.bandfilter import MAX_BITS, MIN_BITS, MULTIPLIERS, WORD_BITS, BandFilter, size_for
from newsdedup.fingerprint import BANDS, NUM_PERM, signature_band_keys


def stored_token(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT token FROM lsh_band_filter WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


KEYS = st.lists(st.integers(-(2**31), 2**31 - 1), max_size=300)


@given(KEYS, st.integers(6, 14))
def test_every_added_key_is_reported(keys: list[int], log2: int) -> None:
    added = BandFilter.build(keys, bits=1 << log2)  # tiny filters too: all bits set is still right
    assert added.may_contain(keys).all()
    assert added.keys_to_seek(keys) == keys  # all of them, in their order
    assert added.keys == len(keys)


@given(KEYS, KEYS)
def test_adding_in_two_steps_equals_building_at_once(first: list[int], second: list[int]) -> None:
    stepwise = BandFilter.build(first, bits=MIN_BITS)
    stepwise.add(second)
    assert stepwise.bits.tobytes() == BandFilter.build(first + second, bits=MIN_BITS).bits.tobytes()


@given(KEYS, KEYS, st.integers(6, 14))
def test_probes_made_ahead_test_as_the_keys_do(added: list[int], tested: list[int], log2: int) -> None:
    built = BandFilter.build(added, bits=1 << log2)
    assert built.may_contain(added, bandfilter.probes(added)).all()  # no false negative this way either
    ahead = bandfilter.probes(tested)
    assert len(ahead) == 16 * len(tested)
    assert built.may_contain(tested, ahead).tolist() == built.may_contain(tested).tolist()
    assert built.keys_to_seek(tested, ahead) == built.keys_to_seek(tested)


def test_the_largest_filter_reports_every_key_it_holds() -> None:
    # Its words are all 2**WORD_BITS that a word number reaches (a larger one is refused).
    assert MAX_BITS == 64 << WORD_BITS
    keys = [*np.random.default_rng(3).integers(-(2**31), 2**31, size=20_000).tolist(), 0, -1, 2**31 - 1, -(2**31)]
    largest = BandFilter.build(keys, bits=MAX_BITS)
    assert largest.may_contain(keys, bandfilter.probes(keys)).all() and largest.may_contain(keys).all()


def test_probes_of_other_keys_are_refused() -> None:
    built = BandFilter.build([1, 2, 3])
    with pytest.raises(ValueError, match=r"16 bytes a key \(48 for 3\), got 32"):
        built.keys_to_seek([1, 2, 3], bandfilter.probes([1, 2]))


def test_a_filter_of_other_hashes_makes_its_own_probes() -> None:
    keys = list(range(0, 3000, 7))
    two = BandFilter(np.zeros(1 << 10, dtype=np.uint8), hashes=2)
    two.add(keys)
    others = list(range(1, 3000, 7))
    # Probes are made for HASHES bits; a filter stored with another number tests the keys itself.
    assert two.may_contain(others, bandfilter.probes(others)).tolist() == two.may_contain(others).tolist()
    assert two.may_contain(keys, bandfilter.probes(keys)).all()


@pytest.mark.parametrize(("bits_per_key", "at_most"), [(32, 0.001), (16, 0.006), (8, 0.04)])
def test_false_positive_rate(bits_per_key: int, at_most: float) -> None:
    rng = np.random.default_rng(7)
    keys = rng.integers(-(2**31), 2**31, size=(1 << 20) // bits_per_key)
    others = np.setdiff1d(rng.integers(-(2**31), 2**31, size=100_000), keys)
    assert BandFilter.build(keys, bits=1 << 20).may_contain(others).mean() <= at_most


def test_the_stored_layout_is_the_documented_one() -> None:
    keys = [0, 1, -1, 2**31 - 1, -(2**31), 123_456_789]
    built = BandFilter.build(keys, bits=1 << 16)
    data = built.bits.tobytes()
    words = (1 << 16) // 64
    for key in keys:
        x = key % 2**64
        hashed = [x * c % 2**64 for c in MULTIPLIERS]
        word = (hashed[0] >> 43) % words
        for h in hashed[1 : built.hashes + 1]:
            p = 64 * word + (h >> 58)
            assert data[p // 8] >> (p % 8) & 1
    assert sum(bin(b).count("1") for b in data) <= len(keys) * built.hashes


def test_sizes_grow_with_the_keys_up_to_a_cap() -> None:
    assert size_for(0) == MIN_BITS
    assert size_for(1_000_000) == 1 << 24  # 16 bits per key, rounded up to a power of two
    assert size_for(10**9) == MAX_BITS
    small = BandFilter.build(range(1000))
    assert small.size == 1 << 16 and not small.too_full()
    assert not small.too_full(adding=3000) and small.too_full(adding=3200)  # under 16 bits per key
    small.add(range(1000, 5000))
    assert small.too_full()
    capped = BandFilter(np.zeros(MAX_BITS // 8, dtype=np.uint8), keys=10**9)
    assert not capped.too_full()  # as large as it gets: it fills up instead


def test_invalid_filters_are_refused() -> None:
    with pytest.raises(ValueError, match="power of two from 64 to 134217728 bits, got 24"):
        BandFilter(np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"from 64 to 134217728 bits, got 268435456"):
        BandFilter(np.zeros(MAX_BITS // 4, dtype=np.uint8))  # its words past 2**21 unreachable
    with pytest.raises(ValueError, match=r"hashes must be in \[1, 5\], got 6"):
        BandFilter(np.zeros(8, dtype=np.uint8), hashes=6)


def test_saved_and_loaded_with_a_new_token_each_time(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    assert bandfilter.load(conn) is None
    first = BandFilter.build([1, 2, 3])
    bandfilter.save(conn, first)
    token = stored_token(conn)
    assert token == first.token
    first.add([4])
    bandfilter.save(conn, first)  # the same size: written over in place
    assert stored_token(conn) not in (None, token)
    loaded = bandfilter.load(conn)
    assert loaded is not None and loaded.bits.tobytes() == first.bits.tobytes()
    assert (loaded.keys, loaded.hashes, loaded.token) == (4, first.hashes, first.token)
    larger = BandFilter.build([1, 2, 3, 4], bits=MIN_BITS * 4)
    bandfilter.save(conn, larger)  # another size: a new blob
    assert conn.execute("SELECT count(*), length(bits) FROM lsh_band_filter").fetchone() == (1, MIN_BITS * 4 // 8)


def test_a_filter_larger_than_a_read_chunk_loads_whole(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    big = BandFilter.build(range(0, 3_000_000, 7), bits=1 << 24)  # 2 MiB: two chunks of reading
    bandfilter.save(conn, big)
    loaded = bandfilter.load(conn)
    assert loaded is not None and loaded.bits.tobytes() == big.bits.tobytes() and loaded.keys == big.keys


def test_filter_bits_that_are_not_a_blob_are_an_archive_error(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    conn.execute("INSERT INTO lsh_band_filter (id, token, hashes, keys, bits) VALUES (1, 1, 5, 3, 'text')")
    with pytest.raises(ArchiveError, match=r"band filter \(table lsh_band_filter\) is damaged: its bits are a text"):
        bandfilter.load(conn)


class StoresBetween:
    """A connection that lets another one store a filter right before it opens the blob."""

    def __init__(self, conn: sqlite3.Connection, store: Callable[[], None]) -> None:
        self.conn, self.store = conn, store

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)

    def blobopen(self, *args: object, **kwargs: object) -> object:
        self.store()
        return self.conn.blobopen(*args, **kwargs)  # type: ignore[arg-type]


def test_a_filter_stored_by_another_process_meanwhile_is_read_as_one(tmp_path: Path) -> None:
    # The row's header and its bits are read in one state, not the old size with the new bits.
    with Archive(tmp_path / "a") as reader, Archive(tmp_path / "a") as writer:
        old = BandFilter.build(range(100), bits=MIN_BITS)
        with writer._write():
            bandfilter.save(writer.db.conn, old)
        new = BandFilter.build(range(100, 300), bits=MIN_BITS * 4)

        def store_new() -> None:
            with writer._write():
                bandfilter.save(writer.db.conn, new)

        loaded = bandfilter.load(StoresBetween(reader.db.conn, store_new))  # type: ignore[arg-type]
        assert loaded is not None and (loaded.token, loaded.bits.tobytes()) == (old.token, old.bits.tobytes())
        again = bandfilter.load(reader.db.conn)
        assert again is not None and (again.token, again.bits.tobytes()) == (new.token, new.bits.tobytes())


def test_a_filter_of_an_impossible_size_is_refused_before_it_is_read(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    conn.execute("INSERT INTO lsh_band_filter (id, token, hashes, keys, bits) VALUES (1, 1, 5, 3, zeroblob(24))")
    with pytest.raises(ArchiveError, match=r"is damaged: .* power of two from 64 to 134217728 bits, got 192"):
        bandfilter.load(conn)
    bandfilter.save(conn, BandFilter.build([1, 2, 3]))  # written over: a new blob of the right size
    loaded = bandfilter.load(conn)
    assert loaded is not None and loaded.keys_to_seek([1, 2, 3]) == [1, 2, 3]


def index_articles(conn: sqlite3.Connection, ids: range) -> npt.NDArray[np.int32]:
    """Store a random fingerprint for each of ``ids`` and its band keys in the large tier,
    as a merge leaves them; the keys."""
    rng = np.random.default_rng(ids.start)
    signatures = rng.integers(0, 1 << 16, (len(ids), NUM_PERM), dtype=np.uint16)
    keys = signature_band_keys(signatures.astype("<u2").tobytes())
    conn.execute("PRAGMA foreign_keys = OFF")  # fingerprints without articles: the index alone
    conn.executemany(
        "INSERT INTO fingerprints (article_id, words, shingles, signature) VALUES (?, 100, 100, ?)",
        [(n, signature.astype("<u2").tobytes()) for n, signature in zip(ids, signatures, strict=True)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO lsh_bands (key, article_id) VALUES (?, ?)",
        [(key, n) for n, row in zip(ids, keys.tolist(), strict=True) for key in row],
    )
    return keys.ravel()


def test_rebuilt_from_the_fingerprints_and_grown_when_too_full(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    assert bandfilter.rebuild(conn) is None  # an empty tier has no filter
    first = index_articles(conn, range(1, 3))
    built = bandfilter.rebuild(conn)
    assert built is not None and built.size == MIN_BITS and built.may_contain(first).all()
    assert built.keys == 2 * BANDS and stored_token(conn) == built.token
    # A merge of a few keys adds them; of many, rebuilds the filter larger.
    held = [first]
    for ids in (range(3, 5), range(5, 400)):
        keys = index_articles(conn, ids)
        held.append(keys)
        merged = bandfilter.add_merged(conn, keys)
        assert merged is not None and merged.may_contain(np.concatenate(held)).all()
        assert stored_token(conn) == merged.token
        assert merged.size == (MIN_BITS if ids.stop == 5 else size_for(399 * BANDS))
    assert size_for(399 * BANDS) > MIN_BITS


def test_a_rebuild_holds_exactly_the_band_keys_of_the_fingerprints(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    keys = index_articles(conn, range(1, 200))
    built = bandfilter.rebuild(conn)
    assert built is not None and built.keys == len(keys)
    assert built.bits.tobytes() == BandFilter.build(keys, bits=built.size).bits.tobytes()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE fingerprints SET signature = x'0102' WHERE article_id = 3",
        # Lengths that add up to two signatures': each is checked, not the total.
        "UPDATE fingerprints SET signature = CASE article_id WHEN 3 THEN zeroblob(255) ELSE zeroblob(257) END "
        "WHERE article_id IN (3, 4)",
        "UPDATE fingerprints SET signature = printf('%256s', 'x') WHERE article_id = 3",  # text, not a blob
        "DELETE FROM fingerprints WHERE article_id > 1",  # rows no fingerprint accounts for
        # Rows whose key could never be sought (no 32-bit integer): more than the fingerprints account for.
        "INSERT INTO lsh_bands (key, article_id) VALUES ('x', 3), (1099511627776, 3), (2.5, 3)",
    ],
)
def test_with_a_damaged_fingerprint_the_filter_is_built_from_the_rows(memory_archive: Archive, damage: str) -> None:
    # The archive stays usable (an older one can be migrated, then repaired by a reindex);
    # the damage is named by a lookup that meets the article (tests/test_cluster.py).
    conn = memory_archive.db.conn
    keys = index_articles(conn, range(1, 5))
    conn.execute(damage)
    built = bandfilter.rebuild(conn)
    assert built is not None and built.keys == len(keys) == 4 * BANDS
    assert built.may_contain(keys).all()
    assert bandfilter.load(conn) is not None


def test_a_merge_that_grows_the_filter_never_reads_the_old_one(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One filter held at a time: at 65k articles, the old 8 MiB would sit beside the new 16 MiB.
    conn = memory_archive.db.conn
    first = index_articles(conn, range(1, 3))
    assert bandfilter.rebuild(conn) is not None
    keys = index_articles(conn, range(3, 400))

    def no_load(conn: sqlite3.Connection) -> None:
        raise AssertionError("the old filter was read")

    monkeypatch.setattr(bandfilter, "load", no_load)
    merged = bandfilter.add_merged(conn, keys)
    assert merged is not None and merged.size == size_for(399 * BANDS)
    assert merged.may_contain(np.concatenate([first, keys])).all()


def test_a_damaged_filter_row_is_an_archive_error_at_merge(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    conn.execute("INSERT INTO lsh_band_filter (id, token, hashes, keys, bits) VALUES (1, 1, 3, 'many', x'00')")
    with pytest.raises(ArchiveError, match=r"band filter \(table lsh_band_filter\) is damaged"):
        bandfilter.add_merged(conn, np.arange(10, dtype=np.int32))
