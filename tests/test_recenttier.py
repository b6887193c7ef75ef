"""The LSH index's small tier: stored one row per article, held in memory, kept in step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup import Archive, ArchiveError
from newsdedup import recenttier as recenttier_module
from newsdedup.fingerprint import BANDS, band_keys, signature_values
from newsdedup.recenttier import RecentTier, stored_rows
from newsdedup.records import RawInput

from .conftest import article_text, index_rows
from .test_cluster import add, story


def tier_table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE lsh_recent (article_id INTEGER PRIMARY KEY, keys BLOB NOT NULL)")
    return conn


# Few distinct keys, so that buckets hold several articles (and keys repeat within one).
keys_lists = st.lists(st.integers(-4, 4) | st.integers(-(2**31), 2**31 - 1), max_size=12)
steps = st.lists(st.tuples(st.booleans(), keys_lists), max_size=40)


@settings(max_examples=60, deadline=None)
@given(steps=steps, probe=keys_lists)
def test_it_finds_what_a_plain_list_of_rows_holds(steps: list[tuple[bool, list[int]]], probe: list[int]) -> None:
    conn = tier_table()
    tier = RecentTier(conn)
    rows: set[tuple[int, int]] = set()
    for article_id, (remove_one, keys) in enumerate(steps, start=1):
        if remove_one and rows:
            gone = min(article for _, article in rows)
            tier.remove(gone)
            rows = {row for row in rows if row[1] != gone}
        tier.add(article_id, keys)
        rows |= {(key, article_id) for key in keys}
    expected = sorted(row for row in rows if row[0] in probe)
    assert sorted(tier.find(probe)) == expected  # each row once, even for a key asked twice
    assert tier.rows == len(rows) and stored_rows(conn) == sorted(rows)
    # Read again from the table, and with everything folded into the arrays: the same.
    assert sorted(RecentTier(conn).find(probe)) == expected
    keys, ids = tier.sorted_rows()
    assert sorted(zip(keys.tolist(), ids.tolist(), strict=True)) == sorted(rows) and list(keys) == sorted(keys)
    assert sorted(tier.find(probe)) == expected


def test_rows_added_are_folded_into_the_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recenttier_module, "_FOLD_ROWS", 5)
    tier = RecentTier(tier_table())
    tier.add(1, [10, 20, 30])
    tier.add(2, [20, 40])  # five rows: folded
    tier.add(3, [20])
    assert sorted(tier.find([20, 40])) == [(20, 1), (20, 2), (20, 3), (40, 2)]
    assert tier.rows == 6
    tier.clear()
    assert (tier.rows, tier.find([20]), stored_rows(tier.conn)) == (0, [], [])


def test_a_damaged_row_is_an_archive_error() -> None:
    conn = tier_table()
    conn.execute("INSERT INTO lsh_recent (article_id, keys) VALUES (1, x'010203')")
    with pytest.raises(recenttier_module.ArchiveError, match="lsh_recent is not a list of 32-bit keys"):
        RecentTier(conn)


def test_another_connections_articles_are_seen(archive_dir: Path) -> None:
    with Archive(archive_dir) as mine, Archive(archive_dir) as other:
        a, b = story(81), story(82)
        add(mine, "a", article_text("A", *a))
        add(other, "b", article_text("B", *b))  # after this connection read its tier
        found = add(mine, "b2", article_text("B2", *b, "Thêm một câu."))
        assert found.link is not None and found.link.other == 2  # type: ignore[attr-defined]
        near_a = add(other, "a2", article_text("A2", *a, "Thêm một câu."))
        assert near_a.link is not None and near_a.link.other == 1  # type: ignore[attr-defined]


def test_a_rolled_back_batch_leaves_nothing_in_memory(memory_archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", 2 * BANDS)
    x = RawInput("x", "x", article_text("X", *story(91)).encode(), "x" * 64)
    from newsdedup.extract import extract

    ahead = memory_archive.precompute(x, extract(x))
    with pytest.raises(ValueError, match="precomputed record was made from other bytes"):
        memory_archive.add_many([(x, extract(x)), (RawInput("y", "y", b"Y\nz", "y" * 64), extract(x))], [ahead, ahead])
    # Had the rolled-back article's rows stayed in memory, this article would fill the tier
    # and the merge would copy them into the large tier.
    add(memory_archive, "z", article_text("Z", *story(92)))
    conn = memory_archive.db.conn
    signatures = conn.execute("SELECT article_id, signature FROM fingerprints").fetchall()
    expected = sorted({(key, article) for article, sig in signatures for key in band_keys(signature_values(sig))})
    assert len(signatures) == 1 and index_rows(conn) == expected


class FailingCommit:
    """A connection whose next COMMIT fails as on a full disk: SQLite rolls the transaction back."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real, self.fail = real, False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "COMMIT" and self.fail:
            self.fail = False
            self.real.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


@pytest.mark.parametrize("merged", [False, True])
def test_a_failed_commit_leaves_nothing_wrong_in_memory(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch, merged: bool
) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", 2 * BANDS)
    conn = memory_archive.db.conn
    failing = FailingCommit(conn)
    monkeypatch.setattr(memory_archive, "conn", failing)
    a, b = story(101), story(102)
    add(memory_archive, "a", article_text("A", *a))  # 64 rows in the small tier
    failing.fail = True
    with pytest.raises(ArchiveError, match="disk is full"):
        # Its batch adds 64 rows more (the tier is full: merged, when ``merged``), then fails.
        add(memory_archive, "b", article_text("B", *(b if merged else b[:4])))
    from newsdedup.fingerprint import fingerprint

    near_a, near_b = (fingerprint(article_text("N", *x, "Thêm một câu.")) for x in (a, b))
    assert near_a is not None and near_b is not None
    assert memory_archive.links.candidates(near_a) == [1]  # A is still found
    assert memory_archive.links.candidates(near_b) == []  # B is not, and its id is free again
    add(memory_archive, "c", article_text("C", *story(103)))  # takes id 2; the tier is full: merged
    add(memory_archive, "d", article_text("D", *story(104)))
    signatures = conn.execute("SELECT article_id, signature FROM fingerprints").fetchall()
    expected = sorted({(key, article) for article, sig in signatures for key in band_keys(signature_values(sig))})
    assert index_rows(conn) == expected


def test_a_key_twice_among_the_bands_counts_each_article_once(memory_archive: Archive) -> None:
    from newsdedup.cluster import MAX_BUCKET

    index = memory_archive.links
    tier = index._current()
    for article_id in range(1, MAX_BUCKET):  # a bucket one short of full
        tier.add(article_id, [77, 1000 + article_id])
    tier.sorted_rows()  # folded into the arrays
    assert len(tier.find([77, 77])) == MAX_BUCKET - 1  # each article once
    from newsdedup.fingerprint import Fingerprint

    fp = Fingerprint(b"", b"\0" * 256, (77, 77, 5), 1, 3)
    assert sorted(index.candidates(fp)) == list(range(1, MAX_BUCKET))
    assert index._lookup(fp)[1] == set()  # not full


def test_a_merge_keeps_to_the_builds_limit_of_parameters(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", 2 * BANDS)
    # (SQLite before 3.32 allowed 999; here fewer than the 2 x 128 of a merge.)
    memory_archive.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 200)
    for n in range(3):
        add(memory_archive, f"s{n}", article_text(f"S{n}", *story(110 + n)))
    # The second article filled the tier (merged); the third is in it.
    assert {a for _, a in stored_rows(memory_archive.db.conn)} == {3}
    assert len({a for _, a in index_rows(memory_archive.db.conn)}) == 3


def test_indexing_an_old_archive_merges_as_it_goes(archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdedup import cluster as cluster_module

    with Archive(archive_dir) as archive:
        for n in range(3):
            add(archive, f"s{n}", article_text(f"S{n}", *story(120 + n)))
    conn = sqlite3.connect(archive_dir / "newsdedup.db")
    with conn:  # as an archive made before fingerprints: nothing indexed
        tables = ("fingerprints", "lsh_bands", "lsh_recent", "lsh_band_filter", "links", "clusters", "index_settings")
        for table in tables:
            conn.execute(f"DELETE FROM {table}")
    conn.close()
    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", BANDS)
    with Archive(archive_dir) as archive:  # indexes the three in one transaction
        assert stored_rows(archive.db.conn) == []  # merged after each: the tier never grew
        assert len({a for _, a in index_rows(archive.db.conn)}) == 3
